/**
 * The small predicate language of scans: column-vs-literal comparisons, IN, IS [NOT] NULL, AND/OR/NOT. Columns are
 * logical names (a dotted path reaches into structs). It renders to DuckDB SQL for the row filter and is pushed
 * into negation normal form for file skipping.
 */
import { sqlIdent, sqlString } from '../schema/duckdb-type.js';

/** A literal: JSON scalars; timestamps and dates as ISO text, decimals and big longs as numbers or bigints. */
export type Literal = string | number | bigint | boolean;

/** A comparison operator. */
export type ComparisonOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** A filter over a table's logical columns. */
export type Predicate =
  | { op: ComparisonOp; column: string; value: Literal }
  | { op: 'in'; column: string; values: Literal[] }
  | { op: 'isNull' | 'isNotNull'; column: string }
  | { op: 'and' | 'or'; args: Predicate[] }
  | { op: 'not'; arg: Predicate };

/** A predicate without `not` (negations pushed to the leaves). */
export type NnfPredicate =
  | { op: ComparisonOp; column: string; value: Literal }
  | { op: 'in' | 'notIn'; column: string; values: Literal[] }
  | { op: 'isNull' | 'isNotNull'; column: string }
  | { op: 'and' | 'or'; args: NnfPredicate[] };

const NEGATED: Record<ComparisonOp, ComparisonOp> = { '=': '!=', '!=': '=', '<': '>=', '<=': '>', '>': '<=', '>=': '<' };

/**
 * Pushes NOT down with De Morgan. Under SQL's three-valued logic `NOT (c < 5)` and `c >= 5` select the same rows
 * (both are unknown for NULL c), so the rewrite preserves which rows match.
 */
export function toNnf(p: Predicate, negate = false): NnfPredicate {
  switch (p.op) {
    case 'not':
      return toNnf(p.arg, !negate);
    case 'and':
    case 'or': {
      const op = negate ? (p.op === 'and' ? 'or' : 'and') : p.op;
      return { op, args: p.args.map((a) => toNnf(a, negate)) };
    }
    case 'isNull':
    case 'isNotNull':
      return negate ? { op: p.op === 'isNull' ? 'isNotNull' : 'isNull', column: p.column } : p;
    case 'in':
      return negate ? { op: 'notIn', column: p.column, values: p.values } : p;
    default:
      return negate ? { op: NEGATED[p.op], column: p.column, value: p.value } : p;
  }
}

/** The SQL of a column reference: `"a"."b"` for a dotted path. */
export function columnSql(column: string): string {
  return column.split('.').map(sqlIdent).join('.');
}

/** The SQL of a literal. */
export function literalSql(v: Literal): string {
  if (typeof v === 'string') return sqlString(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'bigint') return v.toString();
  if (!Number.isFinite(v)) return `CAST(${sqlString(String(v))} AS DOUBLE)`;
  return String(v);
}

/** Renders a predicate as a DuckDB boolean expression over logical column names. */
export function predicateSql(p: Predicate): string {
  switch (p.op) {
    case 'not':
      return `(NOT ${predicateSql(p.arg)})`;
    case 'and':
    case 'or':
      return p.args.length === 0 ? (p.op === 'and' ? 'TRUE' : 'FALSE') : `(${p.args.map(predicateSql).join(` ${p.op.toUpperCase()} `)})`;
    case 'isNull':
      return `(${columnSql(p.column)} IS NULL)`;
    case 'isNotNull':
      return `(${columnSql(p.column)} IS NOT NULL)`;
    case 'in':
      return p.values.length === 0 ? 'FALSE' : `(${columnSql(p.column)} IN (${p.values.map(literalSql).join(', ')}))`;
    default:
      return `(${columnSql(p.column)} ${p.op === '!=' ? '<>' : p.op} ${literalSql(p.value)})`;
  }
}
