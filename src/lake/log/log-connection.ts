/**
 * The DuckDB connection the log reader uses for Parquet checkpoints when the caller passes none: one in-memory
 * instance per process, created on first use, a fresh connection per call (connections are cheap; sharing one
 * across concurrent loads would serialise them).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

let shared: Promise<DuckDBInstance> | undefined;

/** A connection to the process-wide log-reading DuckDB instance; the caller closes it. */
export async function logConnection(): Promise<DuckDBConnection> {
  shared ??= DuckDBInstance.create(':memory:');
  return (await shared).connect();
}
