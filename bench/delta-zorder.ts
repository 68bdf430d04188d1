/**
 * A selective two-column filter on a Delta table of 10M rows written in random order (40 appends, so every file
 * spans the whole x/y range) vs the same table after `OPTIMIZE … ZORDER BY (x, y)` with a target size that keeps
 * about 40 files: files read (the reader's file skipping on min/max stats) and query time (median of 5), with the
 * ratios. `node --import tsx bench/delta-zorder.ts` (ROWS=… FILES=… to change the size).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DeltaTable } from '../src/lake/delta-table.js';
import type { Predicate } from '../src/lake/scan/predicate.js';
import { scanSql } from '../src/lake/scan/scan-sql.js';
import { median, ms, tempDir } from './lib.js';

const rows = Number(process.env.ROWS ?? 10_000_000);
const files = Number(process.env.FILES ?? 40);
const RANGE = 1_000_000;
// x and y in [0, 1e6), uniformly random (hash of the row number); the filter selects 2% x 2% of the square.
const filter: Predicate = {
  op: 'and',
  args: [
    { op: '>=', column: 'x', value: 300_000 },
    { op: '<', column: 'x', value: 320_000 },
    { op: '>=', column: 'y', value: 600_000 },
    { op: '<', column: 'y', value: 620_000 },
  ],
};

async function measure(conn: DuckDBConnection, table: DeltaTable): Promise<{ filesRead: number; total: number; time: number; result: string }> {
  const snapshot = await table.snapshot();
  const times: number[] = [];
  let result = '';
  let filesRead = 0;
  for (let run = 0; run < 5; run++) {
    const t0 = performance.now();
    const plan = await scanSql(conn, snapshot, { filter, columns: ['x', 'y', 'payload'] });
    const r = (await conn.runAndReadAll(`SELECT count(*) AS n, sum(x + y) AS s, max(payload) AS p FROM (${plan.sql})`)).getRowObjectsJson()[0];
    times.push(performance.now() - t0);
    result = JSON.stringify(r);
    filesRead = plan.filesRead;
  }
  return { filesRead, total: snapshot.files.length, time: median(times), result };
}

const dir = tempDir('delta-zorder');
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
try {
  const table = DeltaTable.forPath(conn, join(dir, 'events'));
  const per = Math.ceil(rows / files);
  const t0 = performance.now();
  for (let f = 0; f < files; f++) {
    const lo = f * per;
    const hi = Math.min(rows, lo + per);
    await table.append(`SELECT i AS id, (hash(i) % ${RANGE})::INTEGER AS x, (hash(i, 'y') % ${RANGE})::INTEGER AS y, 'event-' || (i % 997) AS payload FROM range(${lo}, ${hi}) t(i)`);
  }
  console.log(`wrote ${rows.toLocaleString('en-US')} rows in ${files} files (random x/y order) in ${ms(performance.now() - t0, 0)}`);
  const before = await measure(conn, table);
  const bytes = (await table.snapshot()).files.reduce((s, f) => s + f.size, 0);
  const t1 = performance.now();
  const opt = await table.optimize({ zOrderBy: ['x', 'y'], targetFileSize: Math.ceil(bytes / files) });
  console.log(`OPTIMIZE ZORDER BY (x, y): ${opt.operationMetrics.numRemovedFiles} files → ${opt.operationMetrics.numAddedFiles} files in ${ms(performance.now() - t1, 0)}`);
  const after = await measure(conn, table);
  if (after.result !== before.result) throw new Error(`results differ: ${before.result} vs ${after.result}`);
  console.log(`unordered: read ${before.filesRead}/${before.total} files, query ${ms(before.time)}; result ${before.result}`);
  console.log(`z-ordered: read ${after.filesRead}/${after.total} files, query ${ms(after.time)}`);
  const fileRatio = before.filesRead / Math.max(1, after.filesRead);
  const timeRatio = before.time / after.time;
  console.log(`delta-zorder: files read ${before.filesRead} → ${after.filesRead} (${fileRatio.toFixed(1)}x fewer), query ${ms(before.time)} → ${ms(after.time)} (${timeRatio.toFixed(2)}x faster)`);
} finally {
  conn.closeSync();
  instance.closeSync();
  rmSync(dir, { recursive: true, force: true });
}
