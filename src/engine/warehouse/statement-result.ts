import type { DuckDBConnection } from '@duckdb/node-api';
import { jsonSafe } from '../duckdb-warehouse.js';
import type { SqlColumn, SqlResult } from '../sql-engine.js';

/** The result of a statement that returns no rows (DDL, USE). */
export const NO_ROWS: SqlResult = Object.freeze({ columns: [], rows: [], rowCount: 0, truncated: false }) as SqlResult;

/** A result built in code (SHOW, DESCRIBE, DML metrics); every column is typed `type` unless given per column. */
export function tableResult(columns: (string | SqlColumn)[], rows: unknown[][], maxRows: number): SqlResult {
  const cols = columns.map((c) => (typeof c === 'string' ? { name: c, type: 'VARCHAR' } : c));
  return { columns: cols, rows: rows.slice(0, maxRows), rowCount: rows.length, truncated: rows.length > maxRows };
}

/** Runs DuckDB SQL (one or more statements) and returns the last statement's rows, JSON-safe, cut at maxRows. */
export async function runDuckDb(conn: DuckDBConnection, sql: string, maxRows: number): Promise<SqlResult> {
  const reader = await conn.runAndReadAll(sql);
  const rows = reader.getRows() as unknown[][];
  const types = reader.columnTypes();
  return {
    columns: reader.columnNames().map((name, c) => ({ name, type: types[c].toString() })),
    rows: rows.slice(0, maxRows).map((r) => r.map(jsonSafe)),
    rowCount: rows.length,
    truncated: rows.length > maxRows,
  };
}

/** Operation metrics as a one-row result, the way Databricks answers INSERT/DELETE/UPDATE/MERGE. */
export function metricsResult(metrics: Record<string, number>): SqlResult {
  const names = Object.keys(metrics);
  return { columns: names.map((name) => ({ name, type: 'BIGINT' })), rows: [names.map((n) => metrics[n])], rowCount: 1, truncated: false };
}
