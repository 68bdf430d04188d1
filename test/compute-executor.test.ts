import { serve, type ServerType } from '@hono/node-server';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiApp } from '../src/api/app.js';
import { loadConfig } from '../src/config/config.js';
import { ManualClock } from '../src/domain/clock.js';
import { isWeirError } from '../src/domain/weir-error.js';
import { loadNodeTypeCatalog } from '../src/executor/compute/node-types-file.js';
import { startWeir, type Weir } from '../src/main.js';
import { callApi } from './support/api-server.js';
import { startReceiver, type Receiver } from './support/notifications-harness.js';

// Jobs on clusters through a real `startWeir` (the compute provider wired into the executor) and its REST API over
// real HTTP: real init scripts (bash), real task processes, SQLite in a temp folder.

/** weir with its API app served on a free port, as `weir server` runs it. */
async function serveWeir(weir: Weir): Promise<{ base: string; token: string; close(): Promise<void> }> {
  let base = '';
  const app = createApiApp({
    store: weir.store, runs: weir.runs, executor: weir.executor, workspaceDir: weir.config.workspaceDir, baseUrl: () => base,
    tokens: weir.tokens, secrets: weir.secrets, servicePrincipals: weir.servicePrincipals, notifications: weir.notifications, compute: weir.compute,
  });
  const server: ServerType = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((ok) => (server.listening ? ok() : server.once('listening', () => ok())));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const token = readFileSync(join(weir.config.dataDir, 'admin-token'), 'utf8').trim();
  return { base, token, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

let dir: string;
let out: string;
let weir: Weir;
let api: Awaited<ReturnType<typeof serveWeir>>;
const call = (method: string, path: string, body?: unknown) => callApi(api.base, method, path, { token: api.token, body });

/** Creates a job over the API, runs it, waits for its end and returns runs/get. */
async function runJob(settings: Record<string, unknown>): Promise<Record<string, any>> {
  const created = await call('POST', '/api/2.2/jobs/create', settings);
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const { run_id } = (await call('POST', '/api/2.2/jobs/run-now', { job_id: created.body.job_id })).body;
  await weir.executor.waitForRun(run_id);
  return (await call('GET', `/api/2.2/jobs/runs/get?run_id=${run_id}`)).body;
}

const taskOf = (run: Record<string, any>, key: string) => (run.tasks as Record<string, any>[]).find((t) => t.task_key === key)!;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-compute-exec-'));
  // A price list file adding a node type (the defaults the tests price with stay as they are).
  writeFileSync(join(dir, 'node-types.json'), JSON.stringify({ node_types: { 'gpu.box': { num_cores: 8, memory_mb: 65536, hourly_rate: 2.1, description: 'our GPU server' }, 'tiny.box': { num_cores: 1, memory_mb: 96, hourly_rate: 0.01, description: 'a 96 MiB node' } } }));
  weir = await startWeir(loadConfig({ dataDir: dir, port: 0, slots: 4 }, { WEIR_NODE_TYPES_FILE: join(dir, 'node-types.json') }));
  api = await serveWeir(weir);
  out = join(dir, 'out');
  mkdirSync(out);
  const init = join(weir.config.workspaceDir, 'init');
  mkdirSync(init, { recursive: true });
  // The setup script takes a while (as a real driver install would) and leaves a file the tasks read.
  writeFileSync(join(init, 'setup.sh'), 'sleep 0.3\necho "prepared by $DB_CLUSTER_ID" > "$MARKER_DIR/$DB_CLUSTER_ID.txt"\necho "$DB_CLUSTER_ID" >> "$MARKER_DIR/starts.log"\n');
  writeFileSync(join(init, 'bad.sh'), 'echo "cannot install the driver" >&2\nexit 3\n');
  writeFileSync(join(init, 'slow.sh'), 'touch "$MARKER_DIR/slow-started"\nsleep 60\n');
});
afterAll(async () => {
  await api?.close();
  await weir?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('tasks on clusters (startWeir + REST API)', () => {
  it('a job cluster runs its init script once per run before the first task; tasks see its files and env; setup_duration and cost are reported', async () => {
    const report = join(out, 'job-cluster.txt');
    const run = await runJob({
      name: 'on-a-job-cluster',
      job_clusters: [{
        job_cluster_key: 'main',
        new_cluster: { spark_version: '15.4.x-scala2.12', node_type_id: 'i3.xlarge', num_workers: 2, spark_env_vars: { MARKER_DIR: out, STAGE: 'prod' }, init_scripts: [{ workspace: { destination: '/init/setup.sh' } }] },
      }],
      tasks: [
        { task_key: 'first', job_cluster_key: 'main', shell_task: { command: `cat "$MARKER_DIR/$DB_CLUSTER_ID.txt" > ${report}; echo "$STAGE $DB_IS_JOB_CLUSTER" >> ${report}` } },
        { task_key: 'second', depends_on: [{ task_key: 'first' }], job_cluster_key: 'main', shell_task: { command: `echo "second on $DB_CLUSTER_ID" >> ${report}` } },
      ],
    });
    expect(run.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' });
    const cluster = `job-${run.run_id}-main`;
    expect(readFileSync(report, 'utf8')).toBe(`prepared by ${cluster}\nprod TRUE\nsecond on ${cluster}\n`);
    // One start for the run, shared by both tasks.
    expect(readFileSync(join(out, 'starts.log'), 'utf8')).toBe(`${cluster}\n`);
    const first = taskOf(run, 'first');
    // The init script sleeps 0.3 s: the first task's setup includes it, and it is part of the task's run_duration.
    expect(first.setup_duration).toBeGreaterThanOrEqual(300);
    expect(first.setup_duration + first.execution_duration).toBe(first.run_duration);
    // A multi-task run reports its phase durations as 0, as Databricks does.
    expect(run.setup_duration).toBe(0);
    // i3.xlarge with 2 workers costs 0.93 USD/h; the run's cost is the sum of its tasks'.
    expect(first.cost.amount).toBeCloseTo((first.compute_seconds / 3600) * 0.93, 5);
    expect(run.cost.amount).toBeCloseTo(first.cost.amount + taskOf(run, 'second').cost.amount, 5);
    expect(readdirSync(join(dir, 'compute', 'job-clusters', `${run.run_id}-main`, 'init_scripts'))).toHaveLength(1);
  });

  it('a task on an all-purpose cluster waits for it to start, runs warm, and starts it again when it was terminated', async () => {
    const created = await call('POST', '/api/2.1/clusters/create', {
      cluster_name: 'shared', spark_version: '15.4.x-scala2.12', node_type_id: 'weir.small', num_workers: 1,
      spark_env_vars: { MARKER_DIR: out }, init_scripts: [{ workspace: { destination: '/init/setup.sh' } }],
    });
    const id = created.body.cluster_id as string;
    const report = join(out, 'all-purpose.txt');
    const settings = {
      name: 'on-a-shared-cluster',
      tasks: [{ task_key: 't', existing_cluster_id: id, shell_task: { command: `{ cat "$MARKER_DIR/$DB_CLUSTER_ID.txt"; echo "$DB_IS_JOB_CLUSTER"; } > ${report}` } }],
    };
    const run = await runJob(settings);
    expect(run.state.result_state).toBe('SUCCESS');
    expect(readFileSync(report, 'utf8')).toBe(`prepared by ${id}\nFALSE\n`);
    expect((await call('GET', `/api/2.1/clusters/get?cluster_id=${id}`)).body.state).toBe('RUNNING');
    // weir.small driver + 1 weir.small worker: 0.10 USD/h.
    const t = taskOf(run, 't');
    expect(t.cost.amount).toBeCloseTo((t.compute_seconds / 3600) * 0.1, 5);

    expect((await call('POST', '/api/2.1/clusters/delete', { cluster_id: id })).status).toBe(200);
    expect((await call('GET', `/api/2.1/clusters/get?cluster_id=${id}`)).body.state).toBe('TERMINATED');
    const again = await runJob({ ...settings, name: 'after-terminate' });
    expect(again.state.result_state).toBe('SUCCESS');
    expect((await call('GET', `/api/2.1/clusters/get?cluster_id=${id}`)).body.state).toBe('RUNNING');
    expect(readFileSync(join(out, 'starts.log'), 'utf8').split('\n').filter((l) => l === id)).toHaveLength(2);
    // The task gave the cluster back when it settled: autotermination may count it idle again.
    expect(weir.compute.provider.isBusy(id)).toBe(false);
  });

  it('cancelling a run while its job cluster starts stops the init script; the task ends CANCELED, not as a cluster error', async () => {
    const created = await call('POST', '/api/2.2/jobs/create', {
      name: 'cancel-during-start',
      job_clusters: [{ job_cluster_key: 'k', new_cluster: { node_type_id: 'weir.small', spark_env_vars: { MARKER_DIR: out }, init_scripts: [{ workspace: { destination: '/init/slow.sh' } }] } }],
      tasks: [{ task_key: 't', job_cluster_key: 'k', shell_task: { command: `touch ${join(out, 'cancelled-task-ran')}` } }],
    });
    const { run_id } = (await call('POST', '/api/2.2/jobs/run-now', { job_id: created.body.job_id })).body;
    await vi.waitFor(() => expect(readdirSync(out)).toContain('slow-started'), { timeout: 20_000, interval: 50 });
    expect((await call('POST', '/api/2.2/jobs/runs/cancel', { run_id })).status).toBe(200);
    await weir.executor.waitForRun(run_id);
    const run = (await call('GET', `/api/2.2/jobs/runs/get?run_id=${run_id}`)).body;
    expect(run.state.result_state).toBe('CANCELED');
    expect(taskOf(run, 't').state.result_state).toBe('CANCELED');
    expect(taskOf(run, 't').status.termination_details.code).not.toBe('CLUSTER_ERROR');
    expect(readdirSync(out)).not.toContain('cancelled-task-ran');
  });

  it('reads the node types file named by WEIR_NODE_TYPES_FILE; a bad file names itself and the field', async () => {
    const types = (await call('GET', '/api/2.1/clusters/list-node-types')).body.node_types as Record<string, any>[];
    expect(types.find((t) => t.node_type_id === 'gpu.box')).toMatchObject({ num_cores: 8, memory_mb: 65536, description: 'our GPU server' });
    const bad = join(dir, 'bad-node-types.json');
    writeFileSync(bad, JSON.stringify({ node_types: { 'new.box': { hourly_rate: 1 } } }));
    const err = (() => {
      try {
        return loadNodeTypeCatalog(bad);
      } catch (e) {
        return e;
      }
    })();
    expect(isWeirError(err, 'VALIDATION.INVALID')).toBe(true);
    expect((err as Error).message).toBe(`node types file ${bad}: node_types.new.box: a new node type needs num_cores, memory_mb and hourly_rate`);
    expect(() => loadNodeTypeCatalog(join(dir, 'missing.json'))).toThrow(`node types file ${join(dir, 'missing.json')} cannot be read (ENOENT)`);
  });

  it('a task over its node type\'s memory is stopped with an out-of-memory error; the next task and the next run go on', async () => {
    const cluster = { spark_version: '15.4.x-scala2.12', node_type_id: 'tiny.box', num_workers: 0 };
    const grow = join(dir, 'grow.py');
    // 400 MiB in 4 MiB steps: far over the node type's 96 MiB, well under the machine's memory.
    writeFileSync(grow, 'chunks = []\nfor _ in range(100):\n    chunks.append(bytearray(4 * 1024 * 1024))\nprint("allocated", len(chunks))\n');
    const run = await runJob({
      name: 'oom',
      job_clusters: [{ job_cluster_key: 'tiny', new_cluster: cluster }],
      tasks: [
        { task_key: 'grow', job_cluster_key: 'tiny', spark_python_task: { python_file: grow } },
        { task_key: 'after', depends_on: [{ task_key: 'grow' }], run_if: 'ALL_DONE', job_cluster_key: 'tiny', shell_task: { command: 'echo still here' } },
      ],
    });
    const grown = taskOf(run, 'grow');
    expect(grown.state.result_state).toBe('FAILED');
    expect(grown.state.state_message).toMatch(/out of memory: the task's processes exceeded the memory limit of 96 MiB of node type tiny\.box/);
    expect(taskOf(run, 'after').state.result_state).toBe('SUCCESS');
    // The same script with no cluster (no limit) allocates it all: the limit, not the script, stopped it.
    const free = await runJob({ name: 'no-limit', tasks: [{ task_key: 'grow', spark_python_task: { python_file: grow } }] });
    expect(taskOf(free, 'grow').state.result_state).toBe('SUCCESS');
  });

  it('a failing init script fails the task (every retry tries the start again) with the cluster error; downstream tasks do not run', async () => {
    const run = await runJob({
      name: 'broken-cluster',
      job_clusters: [{ job_cluster_key: 'k', new_cluster: { node_type_id: 'weir.small', init_scripts: [{ workspace: { destination: '/init/bad.sh' } }] } }],
      tasks: [
        { task_key: 'load', job_cluster_key: 'k', max_retries: 1, shell_task: { command: `touch ${join(out, 'never-ran')}` } },
        { task_key: 'after', depends_on: [{ task_key: 'load' }], shell_task: { command: 'true' } },
      ],
    });
    expect(run.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'FAILED' });
    const load = taskOf(run, 'load');
    expect(load.attempt_number).toBe(1);
    expect(load.state.result_state).toBe('FAILED');
    expect(load.state.state_message).toMatch(/^Init script job cluster k: new_cluster\.init_scripts\[0\] \(.*bad\.sh\) exited with code 3: cannot install the driver \(full log: .*\)$/);
    expect(load.status.termination_details).toMatchObject({ code: 'CLUSTER_ERROR', type: 'CLIENT_ERROR' });
    expect(taskOf(run, 'after').state.result_state).toBe('UPSTREAM_FAILED');
    expect(readdirSync(out)).not.toContain('never-ran');
    // Both attempts ran the script: a failed start is not kept for the retry.
    expect(readdirSync(join(dir, 'compute', 'job-clusters', `${run.run_id}-k`, 'init_scripts'))).toHaveLength(2);
  });
});

describe('weir_cost_limit (startWeir on a manual clock)', () => {
  let cdir: string;
  let cweir: Weir;
  let receiver: Receiver;
  beforeAll(async () => {
    cdir = mkdtempSync(join(tmpdir(), 'weir-cost-limit-e2e-'));
    receiver = await startReceiver();
    cweir = await startWeir(loadConfig({ dataDir: cdir, port: 0, slots: 2 }, {}), new ManualClock(Date.UTC(2026, 10, 1, 12)));
  });
  afterAll(async () => {
    await cweir?.close();
    await receiver?.close();
    rmSync(cdir, { recursive: true, force: true });
  });

  it('cancels a run whose cost reaches the limit, with the cost message as its state_message, and notifies on_failure', async () => {
    const clock = cweir.compute.clock as ManualClock;
    const hook = await cweir.notifications.destinations.create({ display_name: 'costs', config: { generic_webhook: { url: `${receiver.url}/costs` } } });
    const capi = await serveWeir(cweir);
    try {
      const job = await callApi(capi.base, 'POST', '/api/2.2/jobs/create', {
        token: capi.token,
        body: {
          name: 'runaway',
          weir_cost_limit: { max_cost: 0.5, currency: 'USD' },
          webhook_notifications: { on_failure: [{ id: hook.id }] },
          job_clusters: [{ job_cluster_key: 'big', new_cluster: { node_type_id: 'i3.xlarge', num_workers: 2 } }],
          tasks: [{ task_key: 'loop', job_cluster_key: 'big', shell_task: { command: 'sleep 600' } }],
        },
      });
      const { run_id } = (await callApi(capi.base, 'POST', '/api/2.2/jobs/run-now', { token: capi.token, body: { job_id: job.body.job_id } })).body;
      await vi.waitFor(async () => expect((await cweir.store.listTaskRuns(run_id))[0].pid).not.toBeNull(), { timeout: 20_000, interval: 50 });
      // 30 minutes at 0.93 USD/h is 0.465 USD: under the limit, the run goes on.
      clock.advance(30 * 60_000);
      expect(await cweir.costLimits!.check()).toEqual([]);
      clock.advance(10 * 60_000);
      const breaches = await cweir.costLimits!.check();
      expect(breaches.map((b) => b.run.run_id)).toEqual([run_id]);
      const message = 'Run cancelled: cost limit of 0.50 USD reached (cost so far 0.62 USD)';
      const ended = await cweir.executor.waitForRun(run_id);
      expect(ended).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'CANCELED', state_message: message });
      const got = (await callApi(capi.base, 'GET', `/api/2.2/jobs/runs/get?run_id=${run_id}`, { token: capi.token })).body;
      expect(got.state.state_message).toBe(message);
      expect(got.cost).toEqual({ amount: 0.62, currency: 'USD' });
      await vi.waitFor(() => expect(receiver.received).toHaveLength(1), { timeout: 20_000, interval: 50 });
      expect(receiver.received[0].body).toMatchObject({ event_type: 'jobs.on_failure', run: { run_id: String(run_id), result_state: 'CANCELED' }, error: message });
    } finally {
      await capi.close();
    }
  });
});
