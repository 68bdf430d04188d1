import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DeltaTable } from '../../lake/delta-table.js';
import type { PipelineEventRecord } from '../../store/ports/pipeline-store.js';

/** Columns of the event log table, in Databricks' shape; struct-like fields are JSON strings (as `details` is there). */
const COLUMNS = {
  id: 'VARCHAR',
  sequence: 'VARCHAR',
  origin: 'VARCHAR',
  timestamp: 'TIMESTAMPTZ',
  message: 'VARCHAR',
  level: 'VARCHAR',
  maturity_level: 'VARCHAR',
  error: 'VARCHAR',
  details: 'VARCHAR',
  event_type: 'VARCHAR',
};

/**
 * Appends events to the event log Delta table at `tablePath` (one commit per update), so the log can be read like
 * any table — by Spark, delta-rs, or weir's SQL — as Databricks keeps it under the pipeline's storage.
 */
export async function appendEventLog(conn: DuckDBConnection, tablePath: string, events: PipelineEventRecord[]): Promise<void> {
  if (!events.length) return;
  const file = join(tmpdir(), `weir-events-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    file,
    events
      .map((e) =>
        JSON.stringify({
          id: e.id,
          sequence: JSON.stringify({ control_plane_seq_no: e.seq }),
          origin: JSON.stringify(e.origin),
          timestamp: new Date(e.timestamp).toISOString(),
          message: e.message,
          level: e.level,
          maturity_level: 'STABLE',
          error: e.error ? JSON.stringify(e.error) : null,
          details: JSON.stringify(e.details),
          event_type: e.event_type,
        }),
      )
      .join('\n'),
  );
  try {
    const columns = Object.entries(COLUMNS).map(([k, t]) => `'${k}': '${t}'`).join(', ');
    await DeltaTable.forPath(conn, tablePath).append(`SELECT * FROM read_json('${file.replace(/'/g, "''")}', format = 'newline_delimited', columns = {${columns}})`);
  } finally {
    rmSync(file, { force: true });
  }
}
