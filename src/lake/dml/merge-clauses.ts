/**
 * The structured form of MERGE INTO (what the SQL warehouse parses a MERGE statement into) and the SQL each
 * clause list compiles to: a CASE that picks the first clause whose condition holds, and per column the value
 * the chosen clause gives it.
 */
import { WeirError } from '../../domain/weir-error.js';
import { quoteIdent } from '../write/delta-schema.js';
import type { DeltaStructType } from '../write/delta-schema.js';

/** WHEN MATCHED [AND condition] THEN UPDATE SET … | UPDATE SET * | DELETE. */
export type MatchedClause =
  | { condition?: string; action: 'update'; set: Record<string, string> }
  | { condition?: string; action: 'updateAll' }
  | { condition?: string; action: 'delete' };

/** WHEN NOT MATCHED [BY TARGET] [AND condition] THEN INSERT (cols) VALUES (…) | INSERT *. */
export type NotMatchedClause = { condition?: string; action: 'insert'; values: Record<string, string> } | { condition?: string; action: 'insertAll' };

/** WHEN NOT MATCHED BY SOURCE [AND condition] THEN UPDATE SET … | DELETE (conditions over the target only). */
export type NotMatchedBySourceClause = { condition?: string; action: 'update'; set: Record<string, string> } | { condition?: string; action: 'delete' };

/**
 * MERGE INTO target [AS targetAlias] USING (source) [AS sourceAlias] ON condition, with clauses in order. All SQL
 * is DuckDB SQL; columns are referenced as `<alias>.<column>` (defaults `t` and `s`).
 */
export interface MergeSpec {
  source: string;
  on: string;
  targetAlias?: string;
  sourceAlias?: string;
  whenMatched?: MatchedClause[];
  whenNotMatched?: NotMatchedClause[];
  whenNotMatchedBySource?: NotMatchedBySourceClause[];
}

type AnyClause = MatchedClause | NotMatchedClause | NotMatchedBySourceClause;

/** `CASE WHEN c0 THEN offset WHEN c1 THEN offset+1 … ELSE -1 END`: the code of the first clause that applies, -1 for none. */
export function clauseIndexSql(clauses: readonly AnyClause[], offset: number): string {
  if (clauses.length === 0) return '-1';
  const whens = clauses.map((c, i) => `WHEN coalesce((${c.condition?.trim() ? c.condition : 'true'}), false) THEN ${offset + i}`);
  return `CASE ${whens.join(' ')} ELSE -1 END`;
}

/** Resolves assignment keys case-insensitively to schema columns. */
function resolveKeys(schema: DeltaStructType, assignments: Record<string, string>, where: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(assignments)) {
    const f = schema.fields.find((x) => x.name === k) ?? schema.fields.find((x) => x.name.toLowerCase() === k.toLowerCase());
    if (!f) throw new WeirError('VALIDATION.INVALID', `MERGE ${where}: "${k}" is not a column of the target (columns: ${schema.fields.map((x) => x.name).join(', ')}); fix the clause`, { params: { column: k } });
    out.set(f.name, v);
  }
  return out;
}

/** The value a clause gives column `col`: undefined keeps the column unchanged (update) or NULL (insert). */
export function clauseValues(clause: AnyClause, schema: DeltaStructType, sourceAlias: string, where: string): Map<string, string> | undefined {
  switch (clause.action) {
    case 'delete':
      return undefined;
    case 'updateAll':
    case 'insertAll':
      return new Map(schema.fields.map((f) => [f.name, `${quoteIdent(sourceAlias)}.${quoteIdent(f.name)}`]));
    case 'update':
      return resolveKeys(schema, clause.set, where);
    case 'insert':
      return resolveKeys(schema, clause.values, where);
  }
}

/** One clause of a compiled list: the action code it gets in the output and the values it assigns (none = delete). */
export interface CodedClause {
  code: number;
  values: Map<string, string> | undefined;
}

/** Per column: `CASE WHEN <action> = code THEN <value> … ELSE <fallback> END` over the clauses that assign it. */
export function clauseColumnSql(clauses: readonly CodedClause[], col: string, actionCol: string, fallback: string): string {
  const whens = clauses.flatMap((c) => (c.values?.has(col) ? [`WHEN ${actionCol} = ${c.code} THEN (${c.values.get(col)})`] : []));
  return whens.length === 0 ? fallback : `CASE ${whens.join(' ')} ELSE ${fallback} END`;
}

/** Codes the clauses of one list get: `offset + index`. */
export function codeClauses(clauses: readonly AnyClause[], offset: number, schema: DeltaStructType, sourceAlias: string, where: string): CodedClause[] {
  return clauses.map((c, i) => ({ code: offset + i, values: clauseValues(c, schema, sourceAlias, `${where}[${i}]`) }));
}
