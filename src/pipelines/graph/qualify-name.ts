import type { Namespace, Origin, Query } from '../../domain/pipeline-definition.js';

/** The pipeline's default catalog and schema (Databricks' `main.default` unless settings say otherwise). */
export interface DefaultNamespace {
  catalog: string;
  schema: string;
}

/**
 * Qualifies name parts to a lower-case `catalog.schema.name` id: one part takes the definition's `USE` namespace,
 * then the pipeline default; two parts take the catalog the same way; three parts are kept.
 */
export function qualifyName(parts: string[], ns: Namespace, defaults: DefaultNamespace): string {
  const catalog = ns.catalog ?? defaults.catalog;
  const schema = ns.schema ?? defaults.schema;
  const full = parts.length === 1 ? [catalog, schema, parts[0]] : parts.length === 2 ? [catalog, ...parts] : parts;
  return full.join('.').toLowerCase();
}

/** The file position of character `offset` of a query's text (for errors about one reference). */
export function offsetOrigin(query: Query, offset: number): Origin {
  const before = query.text.slice(0, offset);
  const nl = before.lastIndexOf('\n');
  if (nl < 0) return { ...query.origin, column: query.origin.column + offset };
  const lines = before.split('\n').length - 1;
  return { file: query.origin.file, line: query.origin.line + lines, column: offset - nl };
}
