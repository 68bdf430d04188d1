import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/domain/clock.js';
import type { JobSettings } from '../src/domain/job-settings.js';
import { nodeTypeCatalog } from '../src/domain/node-types.js';
import { desiredWorkers } from '../src/executor/compute/autoscale.js';
import { clusterCost, dailyCost, runCost, taskRunCost, type CostModel } from '../src/executor/compute/cost.js';
import { createCompute, type Compute } from '../src/executor/compute/create-compute.js';
import { ClusterSqlStore } from '../src/store/sql/cluster-sql-store.js';
import type { TaskRunRecord } from '../src/store/records.js';
import { callApi, startApiServer } from './support/api-server.js';
import { runRecord, taskRunRecord } from './support/store-fixtures.js';
import { startHarness, type Harness } from './support/weir-harness.js';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const HOUR = 3_600_000;
const catalog = nodeTypeCatalog();
const model: CostModel = { catalog };

const settings = {
  name: 'costly',
  job_clusters: [{ job_cluster_key: 'big', new_cluster: { node_type_id: 'i3.xlarge', num_workers: 2 } }],
  tasks: [
    { task_key: 'etl', job_cluster_key: 'big', shell_task: { command: 'true' } },
    { task_key: 'small', new_cluster: { node_type_id: 'm5d.large', driver_node_type_id: 'weir.large', autoscale: { min_workers: 1, max_workers: 8 } }, shell_task: { command: 'true' } },
    { task_key: 'plain', shell_task: { command: 'true' } },
    { task_key: 'check', condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } },
    { task_key: 'pool', existing_cluster_id: 'pool-1', shell_task: { command: 'true' } },
  ],
} as unknown as JobSettings;
const run = runRecord(1, { settings, start_time: T0 });
const attempt = (id: number, key: string, start: number | null, end: number | null, o: Partial<TaskRunRecord> = {}) =>
  taskRunRecord(id, 1, key, { task: settings.tasks!.find((t) => t.task_key === key)!, start_time: start, end_time: end, ...o });

describe('cost arithmetic', () => {
  it('prices each attempt by its cluster: (driver + workers × worker rate) × hours; condition tasks cost nothing', () => {
    // i3.xlarge 0.31/h, 2 workers + driver = 0.93/h, for half an hour.
    expect(taskRunCost(run, attempt(10, 'etl', T0, T0 + HOUR / 2), [], model, T0)).toEqual({ compute_seconds: 1800, cost: { amount: 0.465, currency: 'USD' } });
    // Driver weir.large 0.40/h + min_workers 1 × m5d.large 0.11/h = 0.51/h, for 2 hours.
    expect(taskRunCost(run, attempt(11, 'small', T0, T0 + 2 * HOUR), [], model, T0).cost.amount).toBe(1.02);
    // No cluster: the default node type (weir.medium, 0.10/h).
    expect(taskRunCost(run, attempt(12, 'plain', T0, T0 + HOUR), [], model, T0).cost.amount).toBe(0.1);
    expect(taskRunCost(run, attempt(13, 'check', T0, T0 + HOUR), [], model, T0)).toEqual({ compute_seconds: 0, cost: { amount: 0, currency: 'USD' } });
    // An all-purpose cluster is priced at its current size when the model knows it, else as default compute.
    const pool = { spec: { node_type_id: 'weir.small' }, current_workers: 3 };
    expect(taskRunCost(run, attempt(14, 'pool', T0, T0 + HOUR), [], { catalog, clusters: new Map([['pool-1', pool]]) }, T0).cost.amount).toBe(0.2);
    expect(taskRunCost(run, attempt(14, 'pool', T0, T0 + HOUR), [], model, T0).cost.amount).toBe(0.1);
  });

  it('a running attempt accrues up to now; an attempt that never started costs nothing; a run sums every attempt (retries too)', () => {
    const clock = new ManualClock(T0 + HOUR);
    const all = [
      attempt(10, 'etl', T0, T0 + HOUR / 4, { is_current: false, result_state: 'FAILED' }),
      attempt(11, 'etl', T0 + HOUR / 4, null, { attempt_number: 1 }),
      attempt(12, 'plain', null, null),
      attempt(13, 'check', T0, T0 + 1000),
    ];
    expect(taskRunCost(run, all[1], all, model, clock.now()).compute_seconds).toBe(2700);
    expect(taskRunCost(run, all[2], all, model, clock.now()).cost.amount).toBe(0);
    expect(runCost(run, all, model, clock.now())).toEqual({ compute_seconds: 3600, cost: { amount: 0.93, currency: 'USD' } });
    clock.advance(HOUR);
    expect(runCost(run, all, model, clock.now()).cost.amount).toBe(1.86);
  });

  it('a for_each task costs the sum of its iterations', () => {
    const fe = { task_key: 'loop', for_each_task: { inputs: '[1,2]', task: { task_key: 'loop_iter', new_cluster: { node_type_id: 'weir.small', num_workers: 1 }, shell_task: { command: 'true' } } } };
    const r = runRecord(2, { settings: { name: 'fe', tasks: [fe] } as unknown as JobSettings });
    const parent = taskRunRecord(20, 2, 'loop', { task: fe as never, start_time: T0, end_time: T0 + HOUR });
    const its = [21, 22].map((id) => taskRunRecord(id, 2, 'loop', { task: fe.for_each_task.task as never, parent_task_run_id: 20, start_time: T0, end_time: T0 + HOUR / 2 }));
    expect(taskRunCost(r, parent, [parent, ...its], model, T0).cost.amount).toBe(0.1);
    expect(runCost(r, [parent, ...its], model, T0)).toEqual({ compute_seconds: 3600, cost: { amount: 0.1, currency: 'USD' } });
  });

  it('prices follow the override file; all-purpose clusters accrue closed spans plus the open one', () => {
    const custom = nodeTypeCatalog({ node_types: { 'i3.xlarge': { hourly_rate: 1 }, 'my.box': { num_cores: 2, memory_mb: 2048, hourly_rate: 0.5 } } });
    expect(taskRunCost(run, attempt(10, 'etl', T0, T0 + HOUR), [], { catalog: custom }, T0).cost.amount).toBe(3);
    expect(custom.get('my.box')).toMatchObject({ num_cores: 2, hourly_rate: 0.5 });
    expect(() => nodeTypeCatalog({ node_types: { 'new.one': { hourly_rate: 1 } } })).toThrow('node types file: node_types.new.one: a new node type needs num_cores, memory_mb and hourly_rate');
    const c = { spec: { node_type_id: 'weir.small' }, current_workers: 1, accrued_seconds: 600, accrued_cost: 0.5, running_since: T0 } as never;
    expect(clusterCost(c, catalog, T0 + HOUR)).toEqual({ compute_seconds: 4200, cost: { amount: 0.6, currency: 'USD' } });
  });

  it('dailyCost groups runs by the UTC day they started', () => {
    const day = (n: number) => runRecord(n, { start_time: T0 + (n - 1) * 24 * HOUR });
    const days = dailyCost([
      { run: day(1), cost: { compute_seconds: 10, cost: { amount: 0.1, currency: 'USD' } } },
      { run: day(1), cost: { compute_seconds: 5, cost: { amount: 0.2, currency: 'USD' } } },
      { run: day(3), cost: { compute_seconds: 1, cost: { amount: 1, currency: 'USD' } } },
    ]);
    expect(days).toEqual([
      { date: '2026-11-01', run_count: 2, compute_seconds: 15, cost: { amount: 0.3, currency: 'USD' } },
      { date: '2026-11-03', run_count: 1, compute_seconds: 1, cost: { amount: 1, currency: 'USD' } },
    ]);
  });

  it('autoscale: grows to the demand at once within max, shrinks one worker at a time and only without a queue', () => {
    const base = { minWorkers: 1, maxWorkers: 5, currentWorkers: 1 };
    expect(desiredWorkers({ ...base, runningTasks: 0, queuedTasks: 0 })).toBe(1);
    expect(desiredWorkers({ ...base, runningTasks: 3, queuedTasks: 1 })).toBe(4);
    expect(desiredWorkers({ ...base, runningTasks: 3, queuedTasks: 9 })).toBe(5);
    expect(desiredWorkers({ ...base, currentWorkers: 5, runningTasks: 1, queuedTasks: 0 })).toBe(4);
    expect(desiredWorkers({ ...base, currentWorkers: 5, runningTasks: 1, queuedTasks: 0, scaleDownStep: 10 })).toBe(1);
    expect(desiredWorkers({ ...base, currentWorkers: 5, runningTasks: 1, queuedTasks: 1, slotsPerWorker: 4 })).toBe(5);
    expect(desiredWorkers({ ...base, runningTasks: 6, queuedTasks: 2, slotsPerWorker: 4 })).toBe(2);
  });
});

describe('cost over the API', () => {
  let h: Harness;
  let compute: Compute;
  let server: { base: string; close(): Promise<void> };
  const clock = new ManualClock(T0 + 10 * 24 * HOUR);
  beforeAll(async () => {
    h = await startHarness();
    compute = createCompute({ store: new ClusterSqlStore(h.store.kysely), clock, catalog, dataDir: h.dir, workspaceDir: h.dir });
    server = await startApiServer(h, { compute });
  });
  afterAll(async () => {
    await server?.close();
    await h?.close();
  });
  const api = (path: string) => callApi(server.base, 'GET', path, { token: h.adminToken });

  it('runs/get reports compute_seconds and cost on the run and each task, consistent with the rates', async () => {
    const jobId = await h.createJob({ name: 'real', job_clusters: settings.job_clusters, tasks: [{ task_key: 'etl', job_cluster_key: 'big', shell_task: { command: 'sleep 0.2' } }] });
    const { run: r } = await h.runJob(jobId);
    const got = (await api(`/api/2.2/jobs/runs/get?run_id=${r.run_id}`)).body;
    const task = got.tasks[0];
    expect(task.compute_seconds).toBeGreaterThan(0);
    expect(task.cost).toEqual({ amount: Math.round((task.compute_seconds / 3600) * 0.93 * 1e6) / 1e6, currency: 'USD' });
    expect(got.compute_seconds).toBe(task.compute_seconds);
    expect(got.cost).toEqual(task.cost);
  });

  it('jobs/cost sums a job’s runs per UTC day within the window', async () => {
    const jobId = await h.createJob(settings);
    for (const [n, day] of [[0, 0], [1, 0], [2, 1]]) {
      const ids = await h.store.allocateIds(2);
      const start = T0 + day * 24 * HOUR + n * HOUR;
      await h.store.createRun(runRecord(ids, { job_id: jobId, settings, start_time: start, life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' }), [
        taskRunRecord(ids + 1, ids, 'etl', { task: settings.tasks![0], start_time: start, end_time: start + HOUR, life_cycle_state: 'TERMINATED' }),
      ]);
    }
    const all = (await api(`/api/2.2/jobs/cost?job_id=${jobId}`)).body;
    expect(all).toMatchObject({ job_id: jobId, currency: 'USD', compute_seconds: 3 * 3600, cost: { amount: 2.79, currency: 'USD' } });
    expect(all.days).toEqual([
      { date: '2026-11-01', run_count: 2, compute_seconds: 7200, cost: { amount: 1.86, currency: 'USD' } },
      { date: '2026-11-02', run_count: 1, compute_seconds: 3600, cost: { amount: 0.93, currency: 'USD' } },
    ]);
    expect(all.runs).toHaveLength(3);
    const window = (await api(`/api/2.2/jobs/cost?job_id=${jobId}&start_time_from=${T0 + 12 * HOUR}`)).body;
    expect(window.days.map((d: { date: string }) => d.date)).toEqual(['2026-11-02']);
    expect((await api('/api/2.2/jobs/cost?job_id=999999')).body.message).toBe('Job 999999 does not exist.');
  });
});
