/**
 * Task startup on a job cluster vs on a warm all-purpose cluster: the time from asking for compute
 * (ComputeProvider.acquire) to the end of the task's process (`/bin/sh -c true`), median of RUNS tasks each.
 *  - job cluster: every run gets a fresh job cluster, so its init script runs before the task (Databricks does
 *    the same: job compute is acquired per run);
 *  - all-purpose: the cluster ran its init script once when it started; a task only looks up its environment.
 * Both clusters have the same init script (INIT_MS of work, default 300 ms: a small `pip install` or config
 * download is longer) and the same cached wheel library, so the difference is the cluster preparation.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../src/domain/clock.js';
import type { JobSettings } from '../src/domain/job-settings.js';
import { nodeTypeCatalog } from '../src/domain/node-types.js';
import type { Task } from '../src/domain/task.js';
import { createCompute } from '../src/executor/compute/create-compute.js';
import { runChild } from '../src/executor/runners/child-process.js';
import type { RunRecord } from '../src/store/records.js';
import { ClusterSqlStore } from '../src/store/sql/cluster-sql-store.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import { median, ms, tempDir, verdict } from './lib.js';

const RUNS = Number(process.env.RUNS ?? 10);
const INIT_MS = Number(process.env.INIT_MS ?? 300);

const dir = tempDir('cluster-warm');
const store = await openSqliteStore(join(dir, 'weir.sqlite'));
const compute = createCompute({ store: new ClusterSqlStore(store.kysely), clock: systemClock, catalog: nodeTypeCatalog(), dataDir: dir, workspaceDir: dir });
mkdirSync(join(dir, 'init'), { recursive: true });
writeFileSync(join(dir, 'init', 'setup.sh'), `python3 -c "import time; time.sleep(${INIT_MS / 1000})"\necho ready > "$DB_CLUSTER_ID.ready"\n`);
const wheel = buildWheel(dir);
const initScripts = [{ workspace: { destination: '/init/setup.sh' } }];
const libraries = [{ whl: wheel }];

function run(runId: number, settings: Partial<JobSettings>): RunRecord {
  return {
    run_id: runId, job_id: 1, run_name: 'bench', run_type: 'JOB_RUN', trigger: 'ONE_TIME', life_cycle_state: 'RUNNING', result_state: null,
    state_message: '', user_cancelled_or_timedout: false, settings: { name: 'bench', ...settings } as JobSettings, job_parameters: {},
    overriding_parameters: null, source_dir: dir, parent_task_run_id: null, idempotency_token: null, created_time: Date.now(),
    start_time: Date.now(), end_time: null, repair_history: [],
  };
}

/** acquire → task process → release; returns the wall time and the acquire's setupMs. */
async function startTask(r: RunRecord, task: Task): Promise<{ total: number; setup: number }> {
  const t0 = performance.now();
  const lease = await compute.provider.acquire(r, task);
  const log = join(dir, `task-${r.run_id}.log`);
  const exit = await runChild({ command: '/bin/sh', args: ['-c', 'true'], cwd: dir, env: lease.env, stdoutPath: log, stderrPath: log, signal: new AbortController().signal });
  if (exit.exitCode !== 0) throw new Error(`task exited with ${exit.exitCode}`);
  await lease.release();
  await compute.provider.releaseRun(r.run_id);
  return { total: performance.now() - t0, setup: lease.setupMs };
}

// Warm the library cache once so both sides measure cluster preparation, not the first pip install.
const jobSettings = { job_clusters: [{ job_cluster_key: 'jc', new_cluster: { node_type_id: 'weir.small', num_workers: 1, init_scripts: initScripts } }] } as unknown as JobSettings;
await startTask(run(1, jobSettings), { task_key: 't', job_cluster_key: 'jc', shell_task: { command: 'true' }, libraries } as unknown as Task);

const job: { total: number; setup: number }[] = [];
for (let i = 0; i < RUNS; i++) job.push(await startTask(run(100 + i, jobSettings), { task_key: 't', job_cluster_key: 'jc', shell_task: { command: 'true' }, libraries } as unknown as Task));

const t0 = performance.now();
const pool = await compute.clusters.create({ cluster_name: 'pool', node_type_id: 'weir.small', num_workers: 1, init_scripts: initScripts });
if ((await compute.clusters.whenSettled(pool.cluster_id)).state !== 'RUNNING') throw new Error('the all-purpose cluster did not start');
const poolStart = performance.now() - t0;
const warm: { total: number; setup: number }[] = [];
for (let i = 0; i < RUNS; i++) warm.push(await startTask(run(200 + i, {}), { task_key: 't', existing_cluster_id: pool.cluster_id, shell_task: { command: 'true' }, libraries } as unknown as Task));

const jobMs = median(job.map((x) => x.total));
const warmMs = median(warm.map((x) => x.total));
console.log(`task startup (acquire + process), median of ${RUNS}, init script ${INIT_MS} ms of work, cached wheel:`);
console.log(`  job cluster:           ${ms(jobMs)}  (setup_duration ${ms(median(job.map((x) => x.setup)))})`);
console.log(`  all-purpose (warm):    ${ms(warmMs)}  (setup_duration ${ms(median(warm.map((x) => x.setup)))}; the cluster's own start took ${ms(poolStart)} once)`);
console.log(`  job cluster / warm all-purpose = ${(jobMs / warmMs).toFixed(1)}x  ${verdict(warmMs < jobMs)} (goal: warm all-purpose faster)`);

await compute.clusters.permanentDelete(pool.cluster_id);
await store.close();
rmSync(dir, { recursive: true, force: true });

/** A minimal real wheel built with Python's zipfile. */
function buildWheel(into: string): string {
  const out = join(into, 'benchlib-1.0-py3-none-any.whl');
  const script = String.raw`
import sys, zipfile
di = "benchlib-1.0.dist-info"
with zipfile.ZipFile(sys.argv[1], "w") as z:
  z.writestr("benchlib/__init__.py", "X = 1\n")
  z.writestr(f"{di}/METADATA", "Metadata-Version: 2.1\nName: benchlib\nVersion: 1.0\n")
  z.writestr(f"{di}/WHEEL", "Wheel-Version: 1.0\nGenerator: b\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
  z.writestr(f"{di}/RECORD", "")
`;
  execFileSync('python3', ['-c', script, out]);
  return out;
}
