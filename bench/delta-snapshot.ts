/**
 * Loading the latest snapshot of a Delta table with 10,000 commits and a checkpoint every 10 (Spark's default):
 * `loadSnapshot` lists `_delta_log`, reads the newest checkpoint (version 9,990, ~8,000 live files) and replays the
 * 9 JSON commits after it. Median of 10 loads, with a shared DuckDB connection and with loadSnapshot opening its
 * own. Goal: under 200 ms. The reference line is the naive path: replaying all 10,000 JSON commits from version 0.
 *
 * The table is built through the real commit path (commitTransaction: put-if-absent commit files, writeCheckpoint
 * every 10 versions, `_last_checkpoint`). Commit 0 is a real DeltaTable.create; the later commits each add one
 * file (with stats as weir writes them) and every fifth one also removes an older file, so the checkpoint carries
 * tombstones. Those later data files are not written: loading a snapshot reads only the log, never data files.
 * `node --import tsx bench/delta-snapshot.ts` (COMMITS=… to change the size).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { systemClock } from '../src/domain/clock.js';
import type { Action, AddFile } from '../src/lake/actions.js';
import { commitTransaction } from '../src/lake/commit/commit-transaction.js';
import { refreshState, type TableState } from '../src/lake/commit/table-state.js';
import { DeltaTable } from '../src/lake/delta-table.js';
import { loadSnapshot } from '../src/lake/load-snapshot.js';
import { median, ms, tempDir, verdict } from './lib.js';

const commits = Number(process.env.COMMITS ?? 10_000);

function addFor(v: number, now: number): AddFile {
  const stats = { numRecords: 1000, minValues: { id: v * 1000, name: `name-${v}-a` }, maxValues: { id: v * 1000 + 999, name: `name-${v}-z` }, nullCount: { id: 0, name: 0 }, tightBounds: true };
  return { path: `part-00000-${String(v).padStart(8, '0')}-c000.zstd.parquet`, partitionValues: {}, size: 12_345 + v, modificationTime: now, dataChange: true, stats: JSON.stringify(stats) };
}

const dir = tempDir('delta-snapshot');
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
try {
  const tablePath = join(dir, 'table');
  const table = DeltaTable.forPath(conn, tablePath);
  await table.create(`SELECT i AS id, 'name-' || i AS name FROM range(1000) t(i)`);
  let state = (await table.refresh()) as TableState;
  const t0 = performance.now();
  for (let v = 1; v < commits; v++) {
    const now = systemClock.now();
    const actions: Action[] = [{ add: addFor(v, now) }];
    if (v % 5 === 0) {
      const victim = addFor(v - 3, now);
      actions.push({ remove: { path: victim.path, deletionTimestamp: now, dataChange: true, extendedFileMetadata: true, partitionValues: {}, size: victim.size } });
    }
    const pending = { tablePath, readState: state, actions, operation: 'WRITE', operationParameters: { mode: 'Append', partitionBy: '[]' }, operationMetrics: { numFiles: '1', numOutputRows: '1000' }, footprint: { isBlindAppend: v % 5 !== 0, removedPaths: new Set<string>(), appIds: new Set<string>(), changesMetadata: false } };
    state = (await commitTransaction(pending, { conn, clock: systemClock })).state;
  }
  console.log(`built ${commits.toLocaleString('en-US')} commits (checkpoint every 10) in ${ms(performance.now() - t0, 0)}; ${state.snapshot.files.length} live files`);

  const shared: number[] = [];
  const own: number[] = [];
  let loaded = 0;
  for (let run = 0; run < 10; run++) {
    let t = performance.now();
    const snap = await loadSnapshot(tablePath, { conn });
    shared.push(performance.now() - t);
    t = performance.now();
    await loadSnapshot(tablePath);
    own.push(performance.now() - t);
    loaded = snap.files.length;
    if (snap.version !== commits - 1) throw new Error(`loaded version ${snap.version}, expected ${commits - 1}`);
  }
  const t2 = performance.now();
  const replayed = await refreshState(tablePath);
  const fullReplay = performance.now() - t2;
  if (replayed?.snapshot.files.length !== loaded) throw new Error(`checkpoint load has ${loaded} files, full replay ${replayed?.snapshot.files.length}`);
  const m = median(shared);
  console.log(`loadSnapshot (shared DuckDB connection): median ${ms(m)} over 10 (min ${ms(Math.min(...shared))}, max ${ms(Math.max(...shared))}); ${loaded} live files`);
  console.log(`loadSnapshot (own connection):           median ${ms(median(own))}`);
  console.log(`delta-snapshot: latest of ${commits.toLocaleString('en-US')} commits in ${ms(m)} vs replaying every JSON commit ${ms(fullReplay, 0)} (${(fullReplay / m).toFixed(1)}x) — goal < 200 ms: ${verdict(m < 200)}`);
} finally {
  conn.closeSync();
  instance.closeSync();
  rmSync(dir, { recursive: true, force: true });
}
