/**
 * A writer process for the Delta concurrency and crash tests: appends `commits` batches of `batch` rows to the
 * table at `table`, each row tagged with the writer and batch (`w`, `b`), printing `ready` once DuckDB is open
 * and one `committed <version>` (or `skipped <version>`) line per batch. `commits` 0 means "until killed".
 * With `appId`, batch i is written with txn (appId, i) and tagged with w = 0, so several processes replaying the
 * same stream must produce each batch exactly once.
 * With WEIR_WAIT_GO=1 it waits for a line on stdin after `ready`, so a test can start several writers at once.
 * Usage: node --import tsx test/support/delta-writer-child.ts <table> <writerId> <commits> <batch> [appId]
 */
import { createInterface } from 'node:readline';
import { DuckDBInstance } from '@duckdb/node-api';
import { DeltaTable } from '../../src/lake/delta-table.js';

const [table, writer, commits, batch, appId] = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
const conn = await instance.connect();
const t = DeltaTable.forPath(conn, table);
const w = appId ? 0 : Number(writer);
process.stdout.write('ready\n');
if (process.env.WEIR_WAIT_GO === '1') {
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  lines.close();
}
for (let i = 0; Number(commits) === 0 || i < Number(commits); i++) {
  const sql = `SELECT ${w}::INTEGER AS w, ${i}::INTEGER AS b, r::BIGINT AS r, 'payload-' || r AS s FROM range(${Number(batch)}) t(r)`;
  const r = await t.append(sql, appId ? { txn: { appId, version: i } } : {});
  process.stdout.write(`${r.skipped ? 'skipped' : 'committed'} ${r.version}\n`);
}
conn.closeSync();
instance.closeSync();
