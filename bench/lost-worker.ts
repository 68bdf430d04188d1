/**
 * Lost-worker detection time on PostgreSQL: `weir server --roles api` and 2 `weir worker`s with the default
 * --worker-timeout; a run's only task sleeps; the worker running it is SIGKILLed (the attempt's process stays
 * behind, as after a crash). Measured from the SIGKILL to (1) the attempt ended FAILED "lost worker" by the other
 * worker (detection) and (2) its retry RUNNING there. Median and max of 3 rounds. Goal: detection < 10 s.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { ScaleOutCluster, type RoleProcess } from '../test/support/scale-out-cluster.js';
import { openStore } from '../src/store/open-store.js';
import { LOST_WORKER } from '../src/executor/run-adoption.js';
import { freshDatabase } from './pg-database.js';
import { median, verdict } from './lib.js';

const ROUNDS = 3;
const GOAL_MS = 10_000;
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

async function main() {
  const db = await freshDatabase('lost');
  const cluster = new ScaleOutCluster(db.url);
  const store = await openStore(db.url);
  try {
    const api = await cluster.start('api');
    const workers: RoleProcess[] = await Promise.all([cluster.start('worker'), cluster.start('worker')]);
    const { job_id } = await cluster.api(api.url!, 'jobs/create', { name: 'lost', tasks: [{ task_key: 't', max_retries: 1, shell_task: { command: 'sleep 600' } }] });
    const detect: number[] = [];
    const resume: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { run_id } = await cluster.api(api.url!, 'jobs/run-now', { job_id });
      const runId = Number(run_id);
      let owner: string | null = null;
      while (!owner) {
        const [tr] = await store.listTaskRuns(runId);
        const row = await sql<{ claimed_by: string | null }>`select claimed_by from runs where run_id = ${runId}`.execute(store.kysely);
        if (tr?.life_cycle_state === 'RUNNING' && tr.pid !== null) owner = row.rows[0]?.claimed_by ?? null;
        else await sleep(20);
      }
      const victim = workers.findIndex((w) => owner!.includes(`-${w.proc.pid}-`));
      const t0 = performance.now();
      await cluster.kill(workers[victim]);
      let detected = 0;
      for (;;) {
        const trs = await store.listTaskRuns(runId);
        if (!detected && trs[0]?.state_message === LOST_WORKER) detected = performance.now() - t0;
        if (trs[1]?.life_cycle_state === 'RUNNING') break;
        await sleep(20);
      }
      detect.push(detected);
      resume.push(performance.now() - t0);
      console.log(`  round ${round + 1}: lost attempt ended after ${(detected / 1000).toFixed(2)} s, retry running after ${(resume[round] / 1000).toFixed(2)} s`);
      await cluster.api(api.url!, 'jobs/runs/cancel', { run_id: runId });
      workers[victim] = await cluster.start('worker');
    }
    const d = median(detect);
    const worst = Math.max(...detect);
    console.log(`lost-worker: default --worker-timeout, ${ROUNDS} rounds: detection median ${(d / 1000).toFixed(2)} s, max ${(worst / 1000).toFixed(2)} s; retry running median ${(median(resume) / 1000).toFixed(2)} s | ratio max/goal ${(worst / GOAL_MS).toFixed(2)}x (goal detection < ${GOAL_MS / 1000} s) ${verdict(worst < GOAL_MS)}`);
  } finally {
    await store.close();
    await cluster.close();
    await db.drop();
  }
}

await main();
