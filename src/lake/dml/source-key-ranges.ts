/**
 * Dynamic file pruning for MERGE: for each equality `t.x = s.y` among the top-level conjuncts of the ON condition,
 * the source's min/max of `y` bounds the target rows that can match, so target files whose stats for `x` lie
 * outside [min, max] are skipped without being read. Only applied where the bound is exact in JSON and compares the
 * way DuckDB compares: integer columns (safe-integer range), strings and dates, with source and target of the same
 * type family; a source with no non-NULL key matches nothing.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Predicate } from '../scan/predicate.js';
import { quoteIdent, quoteLiteral, type DeltaStructType } from '../write/delta-schema.js';

interface Ref {
  class?: string;
  type?: string;
  column_names?: string[];
  children?: Ref[];
  left?: Ref;
  right?: Ref;
}

const FAMILY: Record<string, string> = { byte: 'int', short: 'int', integer: 'int', long: 'int', string: 'string', date: 'date' };
const DUCK_FAMILY: Record<string, string> = { TINYINT: 'int', SMALLINT: 'int', INTEGER: 'int', BIGINT: 'int', VARCHAR: 'string', DATE: 'date' };

/** The top-level conjuncts of a parsed expression. */
function conjuncts(n: Ref): Ref[] {
  return n.class === 'CONJUNCTION' && n.type === 'CONJUNCTION_AND' ? (n.children ?? []).flatMap(conjuncts) : [n];
}

function qualified(n: Ref | undefined, alias: string): string | undefined {
  const names = n?.class === 'COLUMN_REF' ? n.column_names : undefined;
  return names?.length === 2 && names[0].toLowerCase() === alias.toLowerCase() ? names[1] : undefined;
}

/** [target column, source column] pairs of the ON condition's top-level equalities. */
async function equalities(conn: DuckDBConnection, on: string, t: string, s: string): Promise<[string, string][]> {
  let where: Ref | undefined;
  try {
    const r = await conn.runAndReadAll(`SELECT json_serialize_sql(${quoteLiteral(`SELECT 1 WHERE ${on}`)}) AS j`);
    const parsed = JSON.parse(String(r.getRowObjectsJson()[0].j)) as { error?: boolean; statements?: { node?: { where_clause?: Ref } }[] };
    where = parsed.error ? undefined : parsed.statements?.[0]?.node?.where_clause;
  } catch {
    return [];
  }
  const out: [string, string][] = [];
  for (const c of where ? conjuncts(where) : []) {
    if (c.class !== 'COMPARISON' || c.type !== 'COMPARE_EQUAL') continue;
    const lt = qualified(c.left, t);
    const rs = qualified(c.right, s);
    const ls = qualified(c.left, s);
    const rt = qualified(c.right, t);
    if (lt !== undefined && rs !== undefined) out.push([lt, rs]);
    else if (rt !== undefined && ls !== undefined) out.push([rt, ls]);
  }
  return out;
}

function boundOf(v: unknown, family: string): string | number | undefined {
  if (family === 'int') {
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
  }
  return typeof v === 'string' ? v : undefined;
}

/** Range predicates on target columns implied by the source keys (empty when none applies). */
export async function sourceKeyRanges(conn: DuckDBConnection, o: { on: string; targetAlias: string; sourceAlias: string; sourceTable: string; schema: DeltaStructType }): Promise<Predicate[]> {
  const pairs = await equalities(conn, o.on, o.targetAlias, o.sourceAlias);
  if (pairs.length === 0) return [];
  const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${o.sourceTable}`)).getRowObjectsJson();
  const sourceTypes = new Map(described.map((r) => [String(r.column_name).toLowerCase(), String(r.column_type)]));
  const out: Predicate[] = [];
  for (const [tc, sc] of pairs) {
    const field = o.schema.fields.find((f) => f.name.toLowerCase() === tc.toLowerCase());
    const family = field && typeof field.type === 'string' ? FAMILY[field.type] : undefined;
    if (!field || !family || DUCK_FAMILY[sourceTypes.get(sc.toLowerCase()) ?? ''] !== family) continue;
    const col = quoteIdent(sc);
    const text = (e: string) => (family === 'int' ? `CAST(${e} AS VARCHAR)` : family === 'date' ? `strftime(${e}, '%Y-%m-%d')` : e);
    const [r] = (await conn.runAndReadAll(`SELECT ${text(`min(${col})`)} AS lo, ${text(`max(${col})`)} AS hi, count(${col}) AS n FROM ${o.sourceTable}`)).getRowObjectsJson();
    if (Number(r.n) === 0) return [{ op: 'in', column: field.name, values: [] }]; // no key can equal anything
    const lo = boundOf(r.lo, family);
    const hi = boundOf(r.hi, family);
    if (lo !== undefined) out.push({ op: '>=', column: field.name, value: lo });
    if (hi !== undefined) out.push({ op: '<=', column: field.name, value: hi });
  }
  return out;
}
