/**
 * Turns a DML predicate written as DuckDB SQL into the reader's structured Predicate, for file skipping only.
 * DuckDB parses the SQL (`json_serialize_sql`); the parts that are column-vs-constant comparisons, IN, IS [NOT]
 * NULL and AND/OR/NOT become a Predicate, anything else (functions, column-vs-column…) is "unknown". The result is
 * weaker than the SQL (an unknown conjunct is dropped, an OR with an unknown branch is dropped whole), so skipping
 * with it never drops a file that holds a matching row; the exact SQL is still applied to the rows that remain.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ComparisonOp, Literal, Predicate } from '../scan/predicate.js';
import { quoteLiteral } from '../write/delta-schema.js';

interface AstNode {
  class?: string;
  type?: string;
  children?: AstNode[];
  left?: AstNode;
  right?: AstNode;
  child?: AstNode;
  column_names?: string[];
  value?: { type?: { id?: string; type_info?: { scale?: number } | null }; is_null?: boolean; value?: unknown };
  cast_type?: { id?: string };
}

const COMPARISONS: Record<string, ComparisonOp> = {
  COMPARE_EQUAL: '=',
  COMPARE_NOTEQUAL: '!=',
  COMPARE_LESSTHAN: '<',
  COMPARE_LESSTHANOREQUALTO: '<=',
  COMPARE_GREATERTHAN: '>',
  COMPARE_GREATERTHANOREQUALTO: '>=',
};
const FLIPPED: Record<ComparisonOp, ComparisonOp> = { '=': '=', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** The column a node names (the last part of a qualified name, `t.x` → `x`), or undefined. */
function columnOf(n: AstNode | undefined, alias: string | undefined): string | undefined {
  if (n?.class !== 'COLUMN_REF' || !n.column_names?.length) return undefined;
  const names = n.column_names;
  if (names.length === 1) return alias === undefined ? names[0] : undefined; // unqualified may be a source column
  if (names.length === 2 && alias !== undefined && names[0].toLowerCase() === alias.toLowerCase()) return names[1];
  return undefined;
}

/** The literal a constant node (or a cast of a string constant to a date/time type) holds; undefined when unusable. */
function literalOf(n: AstNode | undefined): Literal | undefined {
  if (!n) return undefined;
  if (n.class === 'CAST' && n.child?.class === 'CONSTANT' && /^(DATE|TIMESTAMP|TIMESTAMP WITH TIME ZONE|VARCHAR)$/.test(n.cast_type?.id ?? '')) return literalOf(n.child);
  if (n.class !== 'CONSTANT' || !n.value || n.value.is_null) return undefined;
  const v = n.value.value;
  const id = n.value.type?.id ?? '';
  if (id === 'DECIMAL') {
    const scale = n.value.type?.type_info?.scale ?? 0;
    return typeof v === 'number' && Number.isSafeInteger(v) ? v / 10 ** scale : undefined;
  }
  if (typeof v === 'number' && (/INT/.test(id) || id === 'DOUBLE' || id === 'FLOAT')) return v;
  if (typeof v === 'string' && id === 'VARCHAR') return v;
  if (typeof v === 'boolean') return v;
  return undefined;
}

function comparison(n: AstNode, alias: string | undefined): Predicate | undefined {
  const op = COMPARISONS[n.type ?? ''];
  if (!op) return undefined;
  const lc = columnOf(n.left, alias);
  const rl = literalOf(n.right);
  if (lc !== undefined && rl !== undefined) return { op, column: lc, value: rl };
  const rc = columnOf(n.right, alias);
  const ll = literalOf(n.left);
  if (rc !== undefined && ll !== undefined) return { op: FLIPPED[op], column: rc, value: ll };
  return undefined;
}

function operator(n: AstNode, alias: string | undefined): Predicate | undefined {
  const [first, ...rest] = n.children ?? [];
  const column = columnOf(first, alias);
  if (n.type === 'OPERATOR_NOT') {
    const inner = first ? toPredicate(first, alias) : undefined;
    return inner ? { op: 'not', arg: inner } : undefined;
  }
  if (column === undefined) return undefined;
  if (n.type === 'OPERATOR_IS_NULL') return { op: 'isNull', column };
  if (n.type === 'OPERATOR_IS_NOT_NULL') return { op: 'isNotNull', column };
  if (n.type === 'COMPARE_IN' || n.type === 'COMPARE_NOT_IN') {
    const values = rest.map(literalOf);
    if (values.some((v) => v === undefined)) return undefined;
    const p: Predicate = { op: 'in', column, values: values as Literal[] };
    return n.type === 'COMPARE_IN' ? p : { op: 'not', arg: p };
  }
  return undefined;
}

/**
 * The exact structured form of a node, or undefined when any part is not expressible. Under NOT the whole subtree
 * must be exact (dropping a conjunct under a negation would make the predicate stronger, not weaker).
 */
function toPredicate(n: AstNode, alias: string | undefined): Predicate | undefined {
  if (n.class === 'COMPARISON') return comparison(n, alias);
  if (n.class === 'OPERATOR') return operator(n, alias);
  if (n.class === 'CONJUNCTION') {
    const args = (n.children ?? []).map((c) => toPredicate(c, alias));
    if (args.some((a) => a === undefined)) return undefined;
    return { op: n.type === 'CONJUNCTION_AND' ? 'and' : 'or', args: args as Predicate[] };
  }
  return undefined;
}

/** A weaker-or-equal predicate: AND keeps its expressible conjuncts; everything else must be exact. */
function weaken(n: AstNode, alias: string | undefined): Predicate | undefined {
  if (n.class === 'CONJUNCTION' && n.type === 'CONJUNCTION_AND') {
    const args = (n.children ?? []).map((c) => weaken(c, alias)).filter((a): a is Predicate => a !== undefined);
    return args.length === 0 ? undefined : args.length === 1 ? args[0] : { op: 'and', args };
  }
  if (n.class === 'CONJUNCTION' && n.type === 'CONJUNCTION_OR') {
    const args = (n.children ?? []).map((c) => weaken(c, alias));
    return args.some((a) => a === undefined) ? undefined : { op: 'or', args: args as Predicate[] };
  }
  return toPredicate(n, alias);
}

/**
 * The skipping predicate of a SQL boolean expression, or undefined when nothing in it can skip files. `alias`
 * lets `t.col` count as the column `col` (MERGE conditions); other qualified names are unknown.
 */
export async function pruningPredicate(conn: DuckDBConnection, sql: string, alias?: string): Promise<Predicate | undefined> {
  let parsed: { error?: boolean; statements?: { node?: { where_clause?: AstNode } }[] };
  try {
    const reader = await conn.runAndReadAll(`SELECT json_serialize_sql(${quoteLiteral(`SELECT 1 WHERE ${sql}`)}) AS j`);
    parsed = JSON.parse(String(reader.getRowObjectsJson()[0].j)) as typeof parsed;
  } catch {
    return undefined; // the exact SQL reports syntax errors with DuckDB's message when it runs
  }
  const where = parsed.error ? undefined : parsed.statements?.[0]?.node?.where_clause;
  return where ? weaken(where, alias) : undefined;
}
