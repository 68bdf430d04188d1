/**
 * Memory of a server over a store with history: 10,000 finished runs (3 task runs each) are inserted through
 * store.createRun with records built the way RunService/newTaskRun build them (TERMINATED / SUCCESS). Then a
 * fresh process opens that store and starts an Executor (with DuckDB, as `weir server` does), forces GC and
 * reports its RSS (goal < 300 MB) next to a reference process that only opens the store. The server process
 * also times store.listRuns({offset: 0, limit: 25}) with and without a job filter.
 *
 *   node --expose-gc --import tsx bench/rss-10k-runs.ts
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../src/domain/clock.js';
import { parseJobSettings } from '../src/domain/parse-job-settings.js';
import { DuckDbWarehouse } from '../src/engine/duckdb-warehouse.js';
import { Executor } from '../src/executor/executor.js';
import { defaultRunners } from '../src/executor/runners/runner-registry.js';
import { newTaskRun } from '../src/executor/task-run-factory.js';
import type { RunRecord } from '../src/store/records.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import { median, ms, tempDir, verdict } from './lib.js';

const RUNS = 10_000;
const JOBS = 10;
const GOAL_MB = 300;
const LIST_REPEATS = 50;

const mb = (bytes: number) => bytes / 1024 / 1024;

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

async function populate(dir: string): Promise<{ insertMs: number; jobIds: number[] }> {
  const store = await openSqliteStore(join(dir, 'weir.sqlite'));
  const jobIds: number[] = [];
  for (let j = 0; j < JOBS; j++) {
    const settings = parseJobSettings({
      name: `history-${j}`,
      tasks: [
        { task_key: 'extract', shell_task: { command: 'echo extract' } },
        { task_key: 'transform', depends_on: [{ task_key: 'extract' }], shell_task: { command: 'echo transform' } },
        { task_key: 'load', depends_on: [{ task_key: 'transform' }], shell_task: { command: 'echo load' } },
      ],
    });
    jobIds.push(await store.createJob({ settings, creator_user_name: 'bench', created_time: Date.now(), source_dir: dir }));
  }
  const jobs = await Promise.all(jobIds.map(async (id) => (await store.getJob(id))!));
  const t0 = performance.now();
  const base = Date.now() - RUNS * 60_000;
  for (let i = 0; i < RUNS; i++) {
    const job = jobs[i % JOBS];
    const tasks = job.settings.tasks ?? [];
    const first = await store.allocateIds(tasks.length + 1);
    const created = base + i * 60_000;
    const start = created + 50;
    const end = start + 3_000;
    const run: RunRecord = {
      run_id: first,
      job_id: job.job_id,
      run_name: job.settings.name ?? `job-${job.job_id}`,
      run_type: 'JOB_RUN',
      trigger: i % 2 ? 'PERIODIC' : 'ONE_TIME',
      life_cycle_state: 'TERMINATED',
      result_state: 'SUCCESS',
      state_message: '',
      user_cancelled_or_timedout: false,
      settings: job.settings,
      job_parameters: {},
      overriding_parameters: null,
      source_dir: job.source_dir,
      parent_task_run_id: null,
      idempotency_token: null,
      created_time: created,
      start_time: start,
      end_time: end,
      repair_history: [],
    };
    const taskRuns = tasks.map((t, k) => {
      const tr = newTaskRun({ id: first + 1 + k, run, task: t, now: created, dataDir: dir, repairId: 0 });
      return {
        ...tr,
        life_cycle_state: 'TERMINATED' as const,
        result_state: 'SUCCESS' as const,
        start_time: start + k * 1_000,
        end_time: start + (k + 1) * 1_000,
        exit_code: 0,
        pid: 10_000 + k,
        resolved_values: t as unknown as Record<string, unknown>,
      };
    });
    run.repair_history = [{ id: 0, type: 'ORIGINAL', start_time: created, end_time: end, task_run_ids: taskRuns.map((t) => t.task_run_id) }];
    await store.createRun(run, taskRuns);
  }
  const insertMs = performance.now() - t0;
  await store.close();
  return { insertMs, jobIds };
}

async function timeIt(f: () => Promise<unknown>): Promise<number> {
  await f(); // warm-up
  const xs: number[] = [];
  for (let i = 0; i < LIST_REPEATS; i++) {
    const t0 = performance.now();
    await f();
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

/** Child mode: `server` opens the store, DuckDB and starts an Executor; `reference` only opens the store. */
async function child(mode: 'server' | 'reference', dir: string, jobId: number): Promise<void> {
  const store = await openSqliteStore(join(dir, 'weir.sqlite'));
  const out: Record<string, number | boolean> = { gcAvailable: typeof (globalThis as { gc?: unknown }).gc === 'function' };
  if (mode === 'server') {
    const sql = await DuckDbWarehouse.open(':memory:');
    const executor = new Executor({ store, runners: defaultRunners(), clock: systemClock, dataDir: dir, slots: 2, sql, workspaceUrl: 'http://127.0.0.1' });
    const t0 = performance.now();
    await executor.start();
    out.startMs = performance.now() - t0;
    const page = await store.listRuns({ offset: 0, limit: 25 });
    if (page.runs.length !== 25 || !page.hasMore) throw new Error('listRuns returned an unexpected page');
    out.listMs = await timeIt(() => store.listRuns({ offset: 0, limit: 25 }));
    out.listJobMs = await timeIt(() => store.listRuns({ jobId, offset: 0, limit: 25 }));
    out.listDeepMs = await timeIt(() => store.listRuns({ offset: 9_000, limit: 25 }));
    out.listJobCompletedMs = await timeIt(() => store.listRuns({ jobId, completedOnly: true, offset: 0, limit: 25 }));
    gc();
    out.rss = process.memoryUsage().rss;
    out.heapUsed = process.memoryUsage().heapUsed;
    await executor.stop();
    await store.close();
    await sql.close();
  } else {
    gc();
    out.rss = process.memoryUsage().rss;
    out.heapUsed = process.memoryUsage().heapUsed;
    await store.close();
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

function spawnChild(mode: string, dir: string, jobId: number): Record<string, number> {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', mode, dir, String(jobId)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`${mode} child exited with ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function main() {
  const dir = tempDir('rss');
  try {
    const { insertMs, jobIds } = await populate(dir);
    gc();
    const populatorRss = process.memoryUsage().rss;
    const server = spawnChild('server', dir, jobIds[0]);
    const ref = spawnChild('reference', dir, jobIds[0]);
    console.log(`rss-10k-runs: ${RUNS} TERMINATED runs × 3 task runs over ${JOBS} jobs (inserted in ${ms(insertMs, 0)}, ${(insertMs / RUNS).toFixed(3)} ms/run)`);
    console.log(`  RSS after GC: server (store + DuckDB + Executor.start) ${mb(server.rss).toFixed(1)} MB | reference (store only) ${mb(ref.rss).toFixed(1)} MB | ratio ${(server.rss / ref.rss).toFixed(2)}x | goal < ${GOAL_MB} MB ${verdict(mb(server.rss) < GOAL_MB)}`);
    console.log(`  heapUsed: server ${mb(server.heapUsed).toFixed(1)} MB | reference ${mb(ref.heapUsed).toFixed(1)} MB | populating process RSS ${mb(populatorRss).toFixed(1)} MB | gc forced: ${server.gcAvailable ? 'yes' : 'no (run with --expose-gc)'}`);
    console.log(`  Executor.start ${ms(server.startMs, 2)} | listRuns(offset 0, limit 25) ${ms(server.listMs, 3)} | with jobId ${ms(server.listJobMs, 3)} | jobId+completedOnly ${ms(server.listJobCompletedMs, 3)} | offset 9000 ${ms(server.listDeepMs, 3)} (median of ${LIST_REPEATS})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') await child(argv[1] as 'server' | 'reference', argv[2], Number(argv[3]));
else await main();
