/**
 * Claims per second with 2 workers on PostgreSQL, weir against graphile-worker 0.17.3, each on its own fresh
 * database of the same server, each with N queued items and 2 workers of 4 slots (4 items in flight per worker),
 * each worker with its own connection pool.
 *
 * - weir: what `weir worker` does per run, without running a process: claim runs in one call of the claim store
 *   (up to the worker's free slots: FOR UPDATE SKIP LOCKED + the job's max_concurrent_runs under its lock), then
 *   per run the fenced terminal write (`updateRun`, conditional on the claim), which also releases the claim.
 * - graphile-worker: `run()` with concurrency 4 and a no-op task: get_job, run, complete_job per job.
 * Both sides use their defaults (graphile-worker fetches one job per query; weir's worker claims its free slots
 * at once). graphile-worker gets a silent logger (its default logs a line per job). Each side is timed from starting
 * its workers (connection pools, migration check, registration) until its N-th item is done; the workers' shutdown
 * after that is left out on both sides. Goal: weir ≥ 1.0×.
 */
import { performance } from 'node:perf_hooks';
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import { parseJobSettings } from '../src/domain/parse-job-settings.js';
import { newTaskRun } from '../src/executor/task-run-factory.js';
import { claimStoreOf, openStore } from '../src/store/open-store.js';
import type { ClaimedRun } from '../src/store/ports/claim-store.js';
import type { RunRecord } from '../src/store/records.js';
import { freshDatabase } from './pg-database.js';
import { median, verdict } from './lib.js';

const N = Number(process.env.WEIR_BENCH_CLAIMS ?? 2000);
const SLOTS = 4;
const WORKERS = 2;
const GOAL = 1.0;
const ROUNDS = 3;

/** Milliseconds spent per step of the weir side, summed over all calls (where the time goes). */
const spent = { claim: 0, claims: 0, finish: 0, shutdown: 0 };
/** Runs finished by all weir workers of the current round, and when the last one finished. */
const finished = { runs: 0, at: 0 };

async function queueRuns(url: string): Promise<void> {
  const store = await openStore(url);
  const settings = parseJobSettings({ name: 'b', max_concurrent_runs: 1000, tasks: [{ task_key: 't', shell_task: { command: 'true' } }] });
  const jobId = await store.createJob({ settings, creator_user_name: 'bench', created_time: Date.now(), source_dir: '/' });
  const first = await store.allocateIds(2 * N);
  for (let i = 0; i < N; i++) {
    const id = first + 2 * i;
    const run = { run_id: id, job_id: jobId, run_name: 'b', run_type: 'JOB_RUN', trigger: 'ONE_TIME', life_cycle_state: 'QUEUED', result_state: null, state_message: '', user_cancelled_or_timedout: false, settings, job_parameters: {}, overriding_parameters: null, source_dir: '/', parent_task_run_id: null, idempotency_token: null, created_time: Date.now(), start_time: null, end_time: null, repair_history: [] } as RunRecord;
    await store.createRun(run, [newTaskRun({ id: id + 1, run, task: settings.tasks![0], now: Date.now(), dataDir: '/tmp', repairId: 0 })]);
  }
  await store.close();
}

async function timed<T>(step: keyof typeof spent, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    spent[step] += performance.now() - t0;
  }
}

/** One weir worker: claims up to its free slots, finishes each claimed run (fenced write + release) as it comes. */
async function weirWorker(url: string, n: number): Promise<number> {
  const store = await openStore(url);
  const claims = claimStoreOf(url, store);
  const id = `bench-${n}`;
  const epochs = new Map<number, number>();
  store.fence = { workerId: id, epochOf: (r) => epochs.get(r), onFenced: (r) => { throw new Error(`run ${r} fenced`); } };
  await claims.registerWorker({ worker_id: id, host: 'bench', pid: process.pid, pool: 'default', slots: SLOTS });
  let inFlight = 0;
  let done = 0;
  let freed: () => void = () => undefined;
  const finish = async (c: ClaimedRun) => {
    await timed('finish', () => store.updateRun(c.run.run_id, { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS', end_time: Date.now() }));
    epochs.delete(c.run.run_id);
    done++;
    if (++finished.runs === N) finished.at = performance.now();
    inFlight--;
    freed();
  };
  for (;;) {
    if (inFlight === SLOTS) await new Promise<void>((ok) => (freed = ok));
    const got = await timed('claim', () => claims.claimRuns(id, 'default', SLOTS - inFlight));
    spent.claims++;
    if (got.length === 0 && inFlight === 0) break;
    if (got.length === 0) await new Promise<void>((ok) => (freed = ok));
    for (const c of got) {
      epochs.set(c.run.run_id, c.epoch);
      inFlight++;
      void finish(c);
    }
  }
  await claims.removeWorker(id);
  await store.close();
  return done;
}

async function weirClaims(url: string): Promise<number> {
  await queueRuns(url);
  finished.runs = 0;
  const t0 = performance.now();
  const done = (await Promise.all(Array.from({ length: WORKERS }, (_, n) => weirWorker(url, n)))).reduce((a, b) => a + b, 0);
  // Timed until the N-th run finished, as graphile-worker's side is timed until its N-th job ran: the workers'
  // last (empty) claims and their shutdown are not part of either side's rate.
  spent.shutdown += performance.now() - finished.at;
  const secs = (finished.at - t0) / 1000;
  if (done !== N) throw new Error(`weir finished ${done} of ${N} runs`);
  return N / secs;
}

async function graphileClaims(url: string): Promise<number> {
  const logger = new Logger(() => () => undefined);
  const utils = await makeWorkerUtils({ connectionString: url, logger });
  await utils.migrate();
  for (let i = 0; i < N; i += 500) await utils.addJobs(Array.from({ length: Math.min(500, N - i) }, () => ({ identifier: 't', payload: {} })));
  await utils.release();
  let done = 0;
  let finish!: () => void;
  const all = new Promise<void>((ok) => (finish = ok));
  const t0 = performance.now();
  const runners = await Promise.all(Array.from({ length: WORKERS }, () => run({ connectionString: url, concurrency: SLOTS, noHandleSignals: true, pollInterval: 1000, logger, taskList: { t: async () => { if (++done === N) finish(); } } })));
  await all;
  const secs = (performance.now() - t0) / 1000;
  for (const r of runners) await r.stop();
  return N / secs;
}

async function main() {
  // Alternating rounds on fresh databases, medians: the machine's load moves during a run, and both sides see it.
  const weirs: number[] = [];
  const graphiles: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const a = await freshDatabase('claims');
    const b = await freshDatabase('graphile');
    try {
      weirs.push(await weirClaims(a.url));
      graphiles.push(await graphileClaims(b.url));
      console.log(`  round ${round + 1}: weir ${weirs[round].toFixed(0)}/s | graphile-worker ${graphiles[round].toFixed(0)}/s`);
    } finally {
      await a.drop();
      await b.drop();
    }
  }
  const [weir, graphile] = [median(weirs), median(graphiles)];
  const ratio = weir / graphile;
  const per = (k: 'claim' | 'finish' | 'shutdown', n: number) => `${(spent[k] / n).toFixed(2)} ms`;
  console.log(`weir per step (mean latency, ${WORKERS * SLOTS} in flight): claim call ${per('claim', spent.claims)} (${spent.claims} calls, ${((N * ROUNDS) / spent.claims).toFixed(1)} runs each) | fenced terminal write that also releases the claim ${per('finish', N * ROUNDS)} | after the last run (untimed: last empty claims, shutdown) ${per('shutdown', ROUNDS)}`);
  console.log(`claims/s with ${WORKERS} workers × ${SLOTS} slots on PostgreSQL, ${N} items, median of ${ROUNDS}: weir ${weir.toFixed(0)}/s | graphile-worker ${graphile.toFixed(0)}/s | ratio weir/graphile ${ratio.toFixed(2)}x (goal ≥ ${GOAL}x) ${verdict(ratio >= GOAL)}`);
}

await main();
