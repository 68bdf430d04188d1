/**
 * Claims per second with 2 workers on PostgreSQL: weir's run claim (FOR UPDATE SKIP LOCKED + per-job
 * max_concurrent_runs check, then the run ends and its claim is released) against graphile-worker 0.17.3 (get job,
 * run a no-op task, complete job) on the same server. Each side: 2,000 queued items, 2 workers × 4 concurrent
 * claim loops, each worker with its own connection pool. Goal: weir ≥ 1.0× graphile-worker.
 */
import { performance } from 'node:perf_hooks';
import { run, makeWorkerUtils } from 'graphile-worker';
import { parseJobSettings } from '../src/domain/parse-job-settings.js';
import { openStore, claimStoreOf } from '../src/store/open-store.js';
import { newTaskRun } from '../src/executor/task-run-factory.js';
import type { RunRecord } from '../src/store/records.js';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { verdict } from './lib.js';

const N = 2000;
const CONCURRENCY = 4;
const GOAL = 1.0;

const ADMIN = process.env.WEIR_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Creates a database and returns its URL and the drop function. */
export async function freshDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `weir_bench_${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = async (q: string) => {
    const c = new pg.Client({ connectionString: ADMIN });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(ADMIN);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

async function weirClaims(url: string): Promise<number> {
  const store = await openStore(url);
  const settings = parseJobSettings({ name: 'b', max_concurrent_runs: 1000, tasks: [{ task_key: 't', shell_task: { command: 'true' } }] });
  const jobId = await store.createJob({ settings, creator_user_name: 'bench', created_time: Date.now(), source_dir: '/' });
  for (let i = 0; i < N; i++) {
    const id = await store.allocateIds(2);
    const run = { run_id: id, job_id: jobId, run_name: 'b', run_type: 'JOB_RUN', trigger: 'ONE_TIME', life_cycle_state: 'QUEUED', result_state: null, state_message: '', user_cancelled_or_timedout: false, settings, job_parameters: {}, overriding_parameters: null, source_dir: '/', parent_task_run_id: null, idempotency_token: null, created_time: Date.now(), start_time: null, end_time: null, repair_history: [] } as RunRecord;
    await store.createRun(run, [newTaskRun({ id: id + 1, run, task: settings.tasks![0], now: Date.now(), dataDir: '/tmp', repairId: 0 })]);
  }
  const workers = await Promise.all([0, 1].map(async (w) => {
    const s = await openStore(url);
    const claims = claimStoreOf(url, s);
    await claims.registerWorker({ worker_id: `bench-${w}`, host: 'bench', pid: process.pid, pool: 'default', slots: CONCURRENCY });
    return { s, claims, id: `bench-${w}` };
  }));
  let done = 0;
  const t0 = performance.now();
  await Promise.all(workers.flatMap((w) => Array.from({ length: CONCURRENCY }, async () => {
    for (;;) {
      const [c] = await w.claims.claimRuns(w.id, 'default', 1);
      if (!c) return;
      await w.s.updateRun(c.run.run_id, { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS', end_time: Date.now() });
      await w.claims.releaseRun(c.run.run_id, w.id, c.epoch);
      done++;
    }
  })));
  const secs = (performance.now() - t0) / 1000;
  for (const w of workers) await w.s.close();
  await store.close();
  if (done !== N) throw new Error(`weir claimed ${done} of ${N}`);
  return N / secs;
}

async function graphileClaims(url: string): Promise<number> {
  const utils = await makeWorkerUtils({ connectionString: url });
  await utils.migrate();
  for (let i = 0; i < N; i += 500) await utils.addJobs(Array.from({ length: Math.min(500, N - i) }, () => ({ identifier: 't', payload: {} })));
  await utils.release();
  let done = 0;
  let finish!: () => void;
  const all = new Promise<void>((ok) => (finish = ok));
  const t0 = performance.now();
  const runners = await Promise.all([0, 1].map(() => run({ connectionString: url, concurrency: CONCURRENCY, noHandleSignals: true, pollInterval: 1000, logger: undefined, taskList: { t: async () => { if (++done === N) finish(); } } })));
  await all;
  const secs = (performance.now() - t0) / 1000;
  for (const r of runners) await r.stop();
  return N / secs;
}

async function main() {
  const a = await freshDatabase('claims');
  const b = await freshDatabase('graphile');
  try {
    const weir = await weirClaims(a.url);
    const graphile = await graphileClaims(b.url);
    const ratio = weir / graphile;
    console.log(`claims/s with 2 workers × ${CONCURRENCY} on PostgreSQL, ${N} items: weir ${weir.toFixed(0)}/s | graphile-worker ${graphile.toFixed(0)}/s | ratio weir/graphile ${ratio.toFixed(2)}x (goal ≥ ${GOAL}x) ${verdict(ratio >= GOAL)}`);
  } finally {
    await a.drop();
    await b.drop();
  }
}

await main();
