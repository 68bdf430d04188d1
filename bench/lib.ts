/** Shared helpers for the benchmarks: an in-process weir engine in a temp folder, timing and stats. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../src/domain/clock.js';
import { parseJobSettings } from '../src/domain/parse-job-settings.js';
import { DuckDbWarehouse } from '../src/engine/duckdb-warehouse.js';
import { Executor } from '../src/executor/executor.js';
import { RunService } from '../src/executor/run-service.js';
import { defaultRunners } from '../src/executor/runners/runner-registry.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';

export interface Engine {
  dir: string;
  store: SqlStore;
  executor: Executor;
  runs: RunService;
  createJob(settings: unknown): Promise<number>;
  close(): Promise<void>;
}

/**
 * A temp folder for one benchmark (remove it with rmSync when done). It sits under the repository's
 * `.bench-tmp/` (or WEIR_BENCH_DIR), the same file system as weir's default data folder (`.weir` in the working
 * directory), not os.tmpdir(): on the development machines /tmp is a much slower file system (measured: mkdir
 * 0.30 ms and creating two log files 0.61 ms there, 0.02 ms each in the working tree), which would measure the
 * disk rather than weir.
 */
export function tempDir(prefix: string): string {
  const base = process.env.WEIR_BENCH_DIR ?? join(import.meta.dirname, '..', '.bench-tmp');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `weir-bench-${prefix}-`));
}

/** Starts a real executor on a SQLite file and in-memory DuckDB in a fresh temp folder. */
export async function startEngine(o: { slots: number; dir?: string }): Promise<Engine> {
  const own = !o.dir;
  const dir = o.dir ?? tempDir('engine');
  const store = await openSqliteStore(join(dir, 'weir.sqlite'));
  const sql = await DuckDbWarehouse.open(':memory:');
  const executor = new Executor({ store, runners: defaultRunners(), clock: systemClock, dataDir: dir, slots: o.slots, sql, workspaceUrl: 'http://127.0.0.1' });
  const runs = new RunService(store, executor, systemClock, dir);
  await executor.start();
  return {
    dir,
    store,
    executor,
    runs,
    createJob: (settings) => store.createJob({ settings: parseJobSettings(settings), creator_user_name: 'bench', created_time: Date.now(), source_dir: dir }),
    async close() {
      await executor.stop();
      await store.close();
      await sql.close();
      if (own) removeAtExit(dir);
    },
  };
}

const leftovers: string[] = [];

/**
 * Removes a benchmark's folder when the process exits, not between rounds: ext4 does not reuse an inode freed in
 * the last minutes, so right after a round's 2,000 log files are deleted every file the next round creates scans
 * past them (kernel profile: `recently_deleted` and the directory lock took most of weir's time; a 1,000-task DAG
 * round measured 2.6 s after a quiet period and 3.8 s right after the previous round's folder was deleted).
 */
export function removeAtExit(dir: string): void {
  if (leftovers.length === 0) process.once('exit', () => leftovers.forEach((d) => rmSync(d, { recursive: true, force: true })));
  leftovers.push(dir);
}

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile, p in [0, 100]. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}

export const ms = (n: number, digits = 1) => `${n.toFixed(digits)} ms`;
export const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
