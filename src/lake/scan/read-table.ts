/** Runs a planned scan and returns its rows as JSON-safe objects (for tests, previews and small tables). */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Snapshot } from '../snapshot.js';
import { scanSql, type ScanOptions, type ScanPlan } from './scan-sql.js';

/** Rows of a scan of `snapshot` plus the plan that produced them. */
export async function readTable(conn: DuckDBConnection, snapshot: Snapshot, opts: ScanOptions = {}): Promise<{ rows: Record<string, unknown>[]; plan: ScanPlan }> {
  const plan = await scanSql(conn, snapshot, opts);
  const reader = await conn.runAndReadAll(plan.sql);
  return { rows: reader.getRowObjectsJson() as Record<string, unknown>[], plan };
}
