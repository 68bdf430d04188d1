import { WeirError } from '../../domain/weir-error.js';
import type { SqlResult } from '../sql-engine.js';
import { stripQualifier } from './qualifier.js';
import { splitTopLevel, type StatementCursor } from './statement-cursor.js';
import { metricsResult, tableResult } from './statement-result.js';
import { deltaTable, requireTable, timestampMs, translateWithTables, type StatementContext } from './table-resolution.js';

/** `[AS] alias` after a table name, unless the next word is one of `keywords`. */
export function readAlias(cur: StatementCursor, ...keywords: string[]): string | undefined {
  if (cur.accept('AS')) return cur.readName()[0];
  const t = cur.peek();
  if ((t?.kind === 'word' && !keywords.includes(t.value.toUpperCase())) || t?.kind === 'qident') return cur.readName()[0];
  return undefined;
}

/** Translates a predicate or expression that may read tables; `release` drops the views it created. */
async function translatePart(ctx: StatementContext, expr: string, alias?: string): Promise<{ sql: string; release: () => Promise<void> }> {
  const t = await translateWithTables(ctx, `SELECT ${stripQualifier(expr, alias)}`);
  return { sql: t.sql.replace(/^SELECT\s/i, '').trim(), release: t.release };
}

const asNumbers = (m: Record<string, string>, names: Record<string, string>): Record<string, number> =>
  Object.fromEntries(Object.entries(names).map(([out, key]) => [out, Number(m[key] ?? 0)]));

/** DELETE FROM name [alias] [WHERE predicate] (the cursor is after DELETE). */
export async function deleteFrom(ctx: StatementContext, cur: StatementCursor): Promise<SqlResult> {
  cur.expect('FROM');
  const target = await requireTable(ctx, cur.readName());
  const alias = readAlias(cur, 'WHERE');
  const where = cur.accept('WHERE') ? await translatePart(ctx, cur.rest(), alias) : undefined;
  cur.end();
  try {
    const r = await deltaTable(ctx, target.location).delete(where?.sql);
    return metricsResult(asNumbers(r.operationMetrics, { num_affected_rows: 'numDeletedRows' }));
  } finally {
    await where?.release();
  }
}

/** UPDATE name [alias] SET col = expr, … [WHERE predicate] (the cursor is after UPDATE). */
export async function updateTable(ctx: StatementContext, cur: StatementCursor): Promise<SqlResult> {
  const target = await requireTable(ctx, cur.readName());
  const alias = readAlias(cur, 'SET');
  cur.expect('SET');
  const assignments = splitTopLevel(cur.readUntil('WHERE'));
  const where = cur.accept('WHERE') ? await translatePart(ctx, cur.rest(), alias) : undefined;
  const parts: { release: () => Promise<void> }[] = where ? [where] : [];
  try {
    const set: Record<string, string> = {};
    for (const a of assignments) {
      const m = /^\s*(?:[\w`]+\s*\.\s*)?`?([^`=\s]+)`?\s*=\s*([\s\S]+)$/.exec(a);
      if (!m) throw new WeirError('SQL.SYNTAX', `UPDATE ${target.display}: '${a}' is not an assignment; write SET column = expression`);
      const value = await translatePart(ctx, m[2], alias);
      parts.push(value);
      set[m[1]] = value.sql;
    }
    const r = await deltaTable(ctx, target.location).update({ set, where: where?.sql });
    return metricsResult(asNumbers(r.operationMetrics, { num_affected_rows: 'numUpdatedRows' }));
  } finally {
    for (const p of parts) await p.release();
  }
}

/** OPTIMIZE name [WHERE partition-predicate] [ZORDER BY (cols)] (the cursor is after OPTIMIZE). */
export async function optimizeTable(ctx: StatementContext, cur: StatementCursor, maxRows: number): Promise<SqlResult> {
  const target = await requireTable(ctx, cur.readName());
  const where = cur.accept('WHERE') ? cur.readUntil('ZORDER') : undefined;
  let zOrderBy: string[] | undefined;
  if (cur.accept('ZORDER', 'BY')) zOrderBy = (cur.peek()?.text === '(' ? cur.readParenItems() : splitTopLevel(cur.rest())).map((c) => c.replace(/^`|`$/g, '').trim());
  cur.end();
  const whereSql = where ? await translatePart(ctx, where) : undefined;
  try {
    const r = await deltaTable(ctx, target.location).optimize({ where: whereSql?.sql, zOrderBy });
    return tableResult(['path', 'metrics'], [[target.location, JSON.stringify(r.operationMetrics)]], maxRows);
  } finally {
    await whereSql?.release();
  }
}

/** VACUUM name [RETAIN n HOURS] [DRY RUN] (the cursor is after VACUUM). */
export async function vacuumTable(ctx: StatementContext, cur: StatementCursor, maxRows: number): Promise<SqlResult> {
  const target = await requireTable(ctx, cur.readName());
  let retentionHours: number | undefined;
  if (cur.accept('RETAIN')) {
    retentionHours = cur.readInteger();
    cur.expect('HOURS');
  }
  const dryRun = cur.accept('DRY', 'RUN');
  cur.end();
  const force = (ctx.config['spark.databricks.delta.retentionDurationCheck.enabled'] ?? 'true').toLowerCase() === 'false';
  const r = await deltaTable(ctx, target.location).vacuum({ retentionHours, dryRun, force });
  return tableResult(['path'], dryRun ? r.files.map((f) => [f]) : [[target.location]], maxRows);
}

/** RESTORE [TABLE] name [TO] VERSION AS OF n | TIMESTAMP AS OF '…' (the cursor is after RESTORE). */
export async function restoreTable(ctx: StatementContext, cur: StatementCursor): Promise<SqlResult> {
  cur.accept('TABLE');
  const target = await requireTable(ctx, cur.readName());
  cur.accept('TO');
  const byVersion = cur.accept('VERSION', 'AS', 'OF');
  if (!byVersion) cur.expect('TIMESTAMP', 'AS', 'OF');
  const to = byVersion ? { version: cur.readInteger() } : { timestamp: timestampMs(cur.readString()) };
  cur.end();
  const r = await deltaTable(ctx, target.location).restore(to);
  return metricsResult(Object.fromEntries(Object.entries(r.operationMetrics).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), Number(v)])));
}

/** DESCRIBE HISTORY name [LIMIT n] (the cursor is after DESCRIBE HISTORY). */
export async function describeHistory(ctx: StatementContext, cur: StatementCursor, maxRows: number): Promise<SqlResult> {
  const target = await requireTable(ctx, cur.readName());
  const limit = cur.accept('LIMIT') ? cur.readInteger() : undefined;
  cur.end();
  const history = await deltaTable(ctx, target.location).history(limit);
  const rows = history.map((h) => [
    h.version,
    h.timestamp === undefined ? null : new Date(h.inCommitTimestamp ?? h.timestamp).toISOString(),
    h.operation ?? null,
    h.operationParameters ? JSON.stringify(h.operationParameters) : null,
    h.readVersion ?? null,
    h.isolationLevel ?? null,
    h.isBlindAppend ?? null,
    h.operationMetrics ? JSON.stringify(h.operationMetrics) : null,
    h.engineInfo ?? null,
  ]);
  const cols = ['version', 'timestamp', 'operation', 'operationParameters', 'readVersion', 'isolationLevel', 'isBlindAppend', 'operationMetrics', 'engineInfo'];
  const types: Record<string, string> = { version: 'BIGINT', timestamp: 'TIMESTAMP', readVersion: 'BIGINT', isBlindAppend: 'BOOLEAN' };
  return tableResult(cols.map((name) => ({ name, type: types[name] ?? 'VARCHAR' })), rows, maxRows);
}

/** DESCRIBE DETAIL name: one row with the table's format, location, files, size, partitioning and protocol. */
export async function describeDetail(ctx: StatementContext, cur: StatementCursor, maxRows: number): Promise<SqlResult> {
  const target = await requireTable(ctx, cur.readName());
  cur.end();
  const snap = await deltaTable(ctx, target.location).snapshot();
  const m = snap.metadata;
  const row = [
    'delta', m.id, target.display, m.description ?? null, target.location,
    m.createdTime ? new Date(m.createdTime).toISOString() : null, new Date(snap.timestamp).toISOString(),
    JSON.stringify(m.partitionColumns), snap.files.length, snap.files.reduce((n, f) => n + f.size, 0),
    JSON.stringify(m.configuration), snap.protocol.minReaderVersion, snap.protocol.minWriterVersion,
  ];
  const cols: [string, string][] = [
    ['format', 'VARCHAR'], ['id', 'VARCHAR'], ['name', 'VARCHAR'], ['description', 'VARCHAR'], ['location', 'VARCHAR'],
    ['createdAt', 'TIMESTAMP'], ['lastModified', 'TIMESTAMP'], ['partitionColumns', 'VARCHAR'], ['numFiles', 'BIGINT'],
    ['sizeInBytes', 'BIGINT'], ['properties', 'VARCHAR'], ['minReaderVersion', 'INTEGER'], ['minWriterVersion', 'INTEGER'],
  ];
  return tableResult(cols.map(([name, type]) => ({ name, type })), [row], maxRows);
}
