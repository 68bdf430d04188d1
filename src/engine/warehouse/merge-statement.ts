import { WeirError } from '../../domain/weir-error.js';
import type { MatchedClause, MergeSpec, NotMatchedBySourceClause, NotMatchedClause } from '../../lake/dml/merge-clauses.js';
import type { SqlResult } from '../sql-engine.js';
import { readAlias } from './dml-statements.js';
import { splitTopLevel, type StatementCursor } from './statement-cursor.js';
import { metricsResult } from './statement-result.js';
import { deltaTable, requireTable, translateExpression, translateWithTables, type StatementContext } from './table-resolution.js';

/** `t.col = expr, …` as column → DuckDB expression (the target qualifier is dropped from the column). */
function assignments(ctx: StatementContext, text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of splitTopLevel(text)) {
    const m = /^\s*(?:[\w`]+\s*\.\s*)?`?([^`=\s]+)`?\s*=\s*([\s\S]+)$/.exec(a);
    if (!m) throw new WeirError('SQL.SYNTAX', `MERGE: '${a}' is not an assignment; write SET column = expression`);
    out[m[1]] = translateExpression(ctx, m[2]);
  }
  return out;
}

function condition(ctx: StatementContext, cur: StatementCursor): string | undefined {
  if (!cur.accept('AND')) return undefined;
  return translateExpression(ctx, cur.readUntil('THEN'));
}

function matchedAction(ctx: StatementContext, cur: StatementCursor, cond: string | undefined): MatchedClause | NotMatchedBySourceClause {
  if (cur.accept('DELETE')) return { condition: cond, action: 'delete' };
  cur.expect('UPDATE', 'SET');
  if (cur.peek()?.text === '*') {
    cur.acceptOp('*');
    return { condition: cond, action: 'updateAll' } as MatchedClause;
  }
  return { condition: cond, action: 'update', set: assignments(ctx, cur.readUntil('WHEN')) };
}

function insertAction(ctx: StatementContext, cur: StatementCursor, cond: string | undefined): NotMatchedClause {
  cur.expect('INSERT');
  if (cur.acceptOp('*')) return { condition: cond, action: 'insertAll' };
  const cols = cur.readParenItems().map((c) => c.replace(/^(?:[\w`]+\s*\.\s*)?`?|`$/g, '').trim());
  cur.expect('VALUES');
  const vals = cur.readParenItems();
  if (vals.length !== cols.length) throw new WeirError('SQL.SYNTAX', `MERGE: INSERT names ${cols.length} columns but gives ${vals.length} values; make them match`);
  return { condition: cond, action: 'insert', values: Object.fromEntries(cols.map((c, i) => [c, translateExpression(ctx, vals[i])])) };
}

/** Reads the WHEN clauses into the structured MERGE spec. */
function readClauses(ctx: StatementContext, cur: StatementCursor, spec: MergeSpec): void {
  while (cur.accept('WHEN')) {
    if (cur.accept('MATCHED')) {
      const cond = condition(ctx, cur);
      cur.expect('THEN');
      (spec.whenMatched ??= []).push(matchedAction(ctx, cur, cond) as MatchedClause);
    } else if (cur.accept('NOT', 'MATCHED', 'BY', 'SOURCE')) {
      const cond = condition(ctx, cur);
      cur.expect('THEN');
      const a = matchedAction(ctx, cur, cond);
      if (a.action !== 'update' && a.action !== 'delete') throw new WeirError('SQL.SYNTAX', 'MERGE: WHEN NOT MATCHED BY SOURCE allows UPDATE SET col = … or DELETE, not UPDATE SET *');
      (spec.whenNotMatchedBySource ??= []).push(a);
    } else {
      cur.expect('NOT', 'MATCHED');
      cur.accept('BY', 'TARGET');
      const cond = condition(ctx, cur);
      cur.expect('THEN');
      (spec.whenNotMatched ??= []).push(insertAction(ctx, cur, cond));
    }
  }
  cur.end();
}

/** MERGE INTO target [alias] USING source [alias] ON condition WHEN … (the cursor is after MERGE). */
export async function mergeInto(ctx: StatementContext, cur: StatementCursor): Promise<SqlResult> {
  cur.expect('INTO');
  const targetParts = cur.readName();
  const target = await requireTable(ctx, targetParts);
  const targetAlias = readAlias(cur, 'USING') ?? targetParts[targetParts.length - 1];
  cur.expect('USING');
  let sourceQuery: string;
  let sourceAlias: string | undefined;
  if (cur.peek()?.text === '(') sourceQuery = cur.readParenText();
  else {
    const parts = cur.readName();
    sourceQuery = `SELECT * FROM ${parts.map((p) => `\`${p}\``).join('.')}`;
    sourceAlias = parts[parts.length - 1];
  }
  sourceAlias = readAlias(cur, 'ON') ?? sourceAlias ?? 's';
  cur.expect('ON');
  const on = translateExpression(ctx, cur.readUntil('WHEN'));
  const source = await translateWithTables(ctx, sourceQuery);
  try {
    const spec: MergeSpec = { source: source.sql, on, targetAlias, sourceAlias };
    readClauses(ctx, cur, spec);
    const r = await deltaTable(ctx, target.location).merge(spec);
    const m = r.operationMetrics;
    const [ins, upd, del] = [m.numTargetRowsInserted, m.numTargetRowsUpdated, m.numTargetRowsDeleted].map((x) => Number(x ?? 0));
    return metricsResult({ num_affected_rows: ins + upd + del, num_updated_rows: upd, num_deleted_rows: del, num_inserted_rows: ins });
  } finally {
    await source.release();
  }
}
