import { WeirError } from '../domain/weir-error.js';

/** A fully qualified table name: `catalog.schema.table` (lower-case, as Unity Catalog stores names). */
export interface TableId {
  catalog: string;
  schema: string;
  name: string;
}

/** The current catalog and schema of a session (defaults `main` and `default`). */
export interface NameScope {
  catalog: string;
  schema: string;
}

/** The scope every session starts in. */
export const DEFAULT_SCOPE: NameScope = Object.freeze({ catalog: 'main', schema: 'default' });

/**
 * Checks one part of a name: names become folder names under the warehouse, so path separators, `.`/`..` and
 * control characters are refused (they would reach outside the table's folder).
 */
export function checkNamePart(part: string, what = 'name'): string {
  const p = part.toLowerCase();
  if (!p || p === '.' || p === '..' || /[/\\\x00-\x1f]/.test(p)) {
    throw new WeirError('VALIDATION.INVALID', `${what} '${part}' is not allowed: names may not be empty, '.' or '..', or contain / \\ or control characters; choose another name`, { params: { name: part } });
  }
  return p;
}

/** Qualifies a one-, two- or three-part name against the session's scope. */
export function qualifyTableName(parts: string[], scope: NameScope): TableId {
  const p = parts.map((x) => checkNamePart(x, 'table name part'));
  if (p.length === 1) return { catalog: scope.catalog, schema: scope.schema, name: p[0] };
  if (p.length === 2) return { catalog: scope.catalog, schema: p[0], name: p[1] };
  if (p.length === 3) return { catalog: p[0], schema: p[1], name: p[2] };
  throw new WeirError('VALIDATION.INVALID', `table name ${parts.join('.')} has ${parts.length} parts; write table, schema.table or catalog.schema.table`, { params: { name: parts.join('.') } });
}

/** `catalog.schema.table`. */
export function formatTableId(id: TableId): string {
  return `${id.catalog}.${id.schema}.${id.name}`;
}

/** Parses `catalog.schema.table` (as pipelines name their tables); fewer parts qualify against the default scope. */
export function parseTableId(id: string): TableId {
  return qualifyTableName(id.split('.'), DEFAULT_SCOPE);
}
