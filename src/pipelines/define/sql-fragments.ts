import type { Origin, Query } from '../../domain/pipeline-definition.js';
import { WeirError } from '../../domain/weir-error.js';
import { readQuery } from '../parse/query-references.js';
import { tokenizeSql } from '../parse/sql-tokenizer.js';
import { readTableSpec, type TableSpec } from '../parse/table-spec.js';
import { TokenCursor } from '../parse/token-cursor.js';

/**
 * Parses a query string of the TS API exactly as the SQL parser parses `AS query` (or, with `relation`, an AUTO CDC
 * `FROM` source), so both give equal Query values.
 */
export function queryFromSql(sql: string, origin: Origin, relation = false): Query {
  const tokens = tokenizeSql(sql, origin.file);
  if (tokens.length === 0) throw new WeirError('PIPELINE.INVALID_DEFINITION', `${origin.file}:${origin.line}:${origin.column}: the query is empty; pass a SELECT statement`);
  const cur = new TokenCursor(tokens, sql, origin.file, sql.length, { line: origin.line, column: origin.column });
  const q = readQuery(cur, 0, tokens.length - 1, relation);
  return { ...q, origin };
}

/** Parses a dotted dataset name (`x`, `cat.sch.x`, `` `odd name` ``) into parts, dropping a leading `LIVE`. */
export function nameFromString(name: string, origin: Origin, what: string): string[] {
  const tokens = tokenizeSql(name, origin.file);
  const cur = new TokenCursor(tokens, name, origin.file, name.length, { line: origin.line, column: origin.column });
  let parts: string[];
  try {
    parts = cur.expectName(what);
  } catch {
    parts = [];
  }
  if (parts.length === 0 || !cur.atEnd()) {
    throw new WeirError('PIPELINE.INVALID_DEFINITION', `${origin.file}:${origin.line}:${origin.column}: ${what} "${name}" is not a valid name; use letters, digits and _ (or backticks) with "." between catalog, schema and name`);
  }
  return parts.length >= 2 && parts[0].toLowerCase() === 'live' ? parts.slice(1) : parts;
}

/** Parses a DDL schema string (`id INT NOT NULL, CONSTRAINT c EXPECT (id > 0)`) as the SQL column list would be. */
export function schemaFromDdl(ddl: string, origin: Origin): TableSpec {
  const text = `(${ddl})`;
  const cur = new TokenCursor(tokenizeSql(text, origin.file), text, origin.file, text.length, { line: origin.line, column: origin.column });
  const spec = readTableSpec(cur);
  if (!cur.atEnd()) throw cur.error('the end of the schema');
  return spec;
}
