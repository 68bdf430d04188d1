/**
 * The jobs-engine benchmark's 1,000-task DAG (bench/layered-dag.ts) on PostgreSQL with 2 `weir worker`s
 * (--slots 2 each) and `weir server --roles api`, submitted through the API and timed from run-now until the
 * store shows the run ended; against the same DAG on one in-process engine on SQLite (2 slots, as
 * bench/dag-vs-make.ts) and `make -j2`. A run belongs to one worker (ADR 0007), so its DAG runs in that worker's
 * 2 slots; the second worker is idle for it. Goal: PostgreSQL ≤ 1.5 × make, as the SQLite engine's goal.
 * Median of 3 runs each.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ScaleOutCluster } from '../test/support/scale-out-cluster.js';
import { openStore } from '../src/store/open-store.js';
import { dagJob, generateDag, makefile } from './layered-dag.js';
import { freshDatabase } from './pg-database.js';
import { median, ms, startEngine, tempDir, verdict } from './lib.js';

const REPEATS = 3;
const GOAL = 1.5;
const sleep = (n: number) => new Promise((ok) => setTimeout(ok, n));

async function timeSqlite(job: Record<string, unknown>, tasks: number): Promise<number> {
  const eng = await startEngine({ slots: 2 });
  try {
    const jobId = await eng.createJob(job);
    const t0 = performance.now();
    const run = await eng.runs.runNow(jobId);
    const done = await eng.executor.waitForRun(run.run_id);
    const wall = performance.now() - t0;
    const ok = (await eng.store.listTaskRuns(run.run_id)).filter((t) => t.result_state === 'SUCCESS').length;
    if (done.result_state !== 'SUCCESS' || ok !== tasks) throw new Error(`SQLite run ended ${done.result_state} with ${ok}/${tasks} tasks SUCCESS`);
    return wall;
  } finally {
    await eng.close();
  }
}

function timeMake(dir: string): number {
  const t0 = performance.now();
  const r = spawnSync('make', ['-j2', '-s', '-f', join(dir, 'Makefile'), 'all'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`make exited with ${r.status}`);
  return performance.now() - t0;
}

async function main() {
  const nodes = generateDag();
  const job = dagJob(nodes, 'dag-bench');
  const db = await freshDatabase('dag');
  const cluster = new ScaleOutCluster(db.url);
  const store = await openStore(db.url);
  const mkDir = tempDir('make');
  try {
    writeFileSync(join(mkDir, 'Makefile'), makefile(nodes));
    const api = await cluster.start('api');
    await Promise.all([cluster.start('worker', ['--slots', '2']), cluster.start('worker', ['--slots', '2'])]);
    const { job_id } = await cluster.api(api.url!, 'jobs/create', job);
    const pgTimes: number[] = [];
    const sqliteTimes: number[] = [];
    const makeTimes: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const t0 = performance.now();
      const { run_id } = await cluster.api(api.url!, 'jobs/run-now', { job_id });
      let run = await store.getRun(Number(run_id));
      while (run && !['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'].includes(run.life_cycle_state)) {
        await sleep(20);
        run = await store.getRun(Number(run_id));
      }
      pgTimes.push(performance.now() - t0);
      if (run?.result_state !== 'SUCCESS') throw new Error(`PostgreSQL run ended ${run?.result_state}: ${run?.state_message}`);
      sqliteTimes.push(await timeSqlite(job, nodes.length));
      makeTimes.push(timeMake(mkDir));
      console.log(`  run ${i + 1}: PostgreSQL (2 workers) ${ms(pgTimes[i])}  SQLite (one process) ${ms(sqliteTimes[i])}  make -j2 ${ms(makeTimes[i])}`);
    }
    const [p, s, m] = [median(pgTimes), median(sqliteTimes), median(makeTimes)];
    console.log(`dag-postgres: ${nodes.length} tasks, 2 slots, median of ${REPEATS}: PostgreSQL ${ms(p)} (${(p / nodes.length).toFixed(2)} ms/task) | SQLite ${ms(s)} | make -j2 ${ms(m)} | ratio PostgreSQL/SQLite ${(p / s).toFixed(2)}x, PostgreSQL/make ${(p / m).toFixed(2)}x (goal ≤ ${GOAL}x) ${verdict(p / m <= GOAL)}`);
  } finally {
    rmSync(mkDir, { recursive: true, force: true });
    await store.close();
    await cluster.close();
    await db.drop();
  }
}

await main();
