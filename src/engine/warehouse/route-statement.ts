import type { SqlResult } from '../sql-engine.js';
import { alterTable, commentOn, createNamespace, describeTable, dropObject, showStatement, useStatement } from './catalog-statements.js';
import { deleteFrom, describeDetail, describeHistory, optimizeTable, restoreTable, updateTable, vacuumTable } from './dml-statements.js';
import { mergeInto } from './merge-statement.js';
import { StatementCursor } from './statement-cursor.js';
import { NO_ROWS, runDuckDb, tableResult } from './statement-result.js';
import { createTable, insertInto } from './table-statements.js';
import { translateWithTables, type StatementContext } from './table-resolution.js';

/**
 * Runs one statement (parameters already bound): classified by its leading keywords and sent to the catalog,
 * a Delta write or DuckDB. Queries and anything unrecognised are translated from Spark SQL and run on DuckDB with
 * catalog tables resolved to Delta scans.
 */
export async function routeStatement(ctx: StatementContext, sql: string, maxRows: number): Promise<SqlResult> {
  const cur = new StatementCursor(sql);
  if (cur.accept('CREATE', 'OR', 'REPLACE')) {
    if (cur.atWords('TABLE')) return createTable(ctx, cur, true);
    return runTranslated(ctx, sql, maxRows);
  }
  if (cur.accept('CREATE')) {
    if (cur.atWords('TABLE')) return createTable(ctx, cur, false);
    if (cur.atWords('CATALOG') || cur.atWords('SCHEMA') || cur.atWords('DATABASE')) return createNamespace(ctx, cur);
    return runTranslated(ctx, sql, maxRows);
  }
  if (cur.accept('DROP')) {
    if (['CATALOG', 'SCHEMA', 'DATABASE', 'TABLE'].some((w) => cur.atWords(w))) return dropObject(ctx, cur);
    return runTranslated(ctx, sql, maxRows);
  }
  if (cur.accept('INSERT')) return insertInto(ctx, cur);
  if (cur.accept('DELETE')) return deleteFrom(ctx, cur);
  if (cur.accept('UPDATE')) return updateTable(ctx, cur);
  if (cur.accept('MERGE')) return mergeInto(ctx, cur);
  if (cur.accept('OPTIMIZE')) return optimizeTable(ctx, cur, maxRows);
  if (cur.accept('VACUUM')) return vacuumTable(ctx, cur, maxRows);
  if (cur.accept('RESTORE')) return restoreTable(ctx, cur);
  if (cur.accept('USE')) return useStatement(ctx, cur);
  if (cur.accept('SHOW')) return showStatement(ctx, cur, maxRows);
  if (cur.accept('COMMENT', 'ON')) return commentOn(ctx, cur);
  if (cur.accept('ALTER') && cur.atWords('TABLE')) return alterTable(ctx, cur);
  if (cur.accept('DESCRIBE') || cur.accept('DESC')) {
    if (cur.accept('HISTORY')) return describeHistory(ctx, cur, maxRows);
    if (cur.accept('DETAIL')) return describeDetail(ctx, cur, maxRows);
    if (!cur.atWords('SELECT') && !cur.atWords('WITH') && !cur.atWords('QUERY')) return describeTable(ctx, cur, maxRows);
  }
  return runTranslated(ctx, sql, maxRows);
}

/** SET / queries / DuckDB statements: translated with catalog tables resolved, then run on DuckDB. */
async function runTranslated(ctx: StatementContext, sql: string, maxRows: number): Promise<SqlResult> {
  const t = await translateWithTables(ctx, sql);
  try {
    Object.assign(ctx.config, t.settings);
    if (!t.sql.trim()) {
      const entries = Object.entries(t.settings);
      return entries.length ? tableResult(['key', 'value'], entries, maxRows) : NO_ROWS;
    }
    return await runDuckDb(ctx.conn, t.sql, maxRows);
  } finally {
    await t.release();
  }
}
