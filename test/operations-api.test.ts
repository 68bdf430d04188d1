import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../src/domain/clock.js';
import type { ResultState } from '../src/domain/run-state.js';
import type { DeliveryState, NewDelivery } from '../src/store/ports/notification-store.js';
import type { RunRecord } from '../src/store/records.js';
import { NotificationSqlStore } from '../src/store/sql/notification-sql-store.js';
import { OperationsSqlStore } from '../src/store/sql/operations-sql-store.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { callApi, startApiServer } from './support/api-server.js';
import { jobInput, runRecord, storeDialects, useStore } from './support/store-fixtures.js';
import { sh, startHarness, type Harness } from './support/weir-harness.js';

const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;
const SINCE = NOW - 24 * HOUR;

/** A completed run that started `ago` ms before NOW and ran `seconds`. */
function done(id: number, jobId: number | null, result: ResultState, seconds: number, ago = HOUR, o: Partial<RunRecord> = {}): RunRecord {
  const start = NOW - ago;
  return runRecord(id, { job_id: jobId, life_cycle_state: 'TERMINATED', result_state: result, created_time: start - 10, start_time: start, end_time: start + seconds * 1000, ...o });
}

function delivery(run_id: number, channel: 'EMAIL' | 'WEBHOOK' | 'SLACK', state: DeliveryState, created_time: number): NewDelivery {
  return {
    run_id,
    event: 'on_failure',
    target: { channel, destination: channel === 'EMAIL' ? 'ops@example.com' : 'dest-1' },
    message: { event: 'on_failure', run_id } as unknown as NewDelivery['message'],
    state,
    attempts: state === 'FAILED' ? 3 : 1,
    next_attempt_time: created_time,
    created_time,
    last_error: state === 'FAILED' ? 'HTTP 500 from the webhook' : null,
  };
}

/** Job alpha: 10 runs of 10..100 s (8 ok, 1 failed, 1 cancelled) and an old failure; beta: 1 ok, 1 internal error; … */
async function seed(store: SqlStore): Promise<{ alpha: number; beta: number }> {
  const alpha = await store.createJob(jobInput('alpha'));
  const beta = await store.createJob(jobInput('beta'));
  const results: ResultState[] = ['SUCCESS', 'SUCCESS', 'FAILED', 'SUCCESS', 'SUCCESS', 'CANCELED', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS'];
  const runs: RunRecord[] = results.map((r, i) => done(100 + i, alpha, r, (i + 1) * 10, HOUR + i * 1000, { state_message: r === 'FAILED' ? 'task load failed' : '' }));
  runs.push(done(120, alpha, 'FAILED', 5, 48 * HOUR));
  runs.push(done(130, beta, 'SUCCESS', 5));
  runs.push(runRecord(131, { job_id: beta, life_cycle_state: 'INTERNAL_ERROR', created_time: NOW - 2 * HOUR, state_message: 'cluster lost' }));
  runs.push(done(140, null, 'SUCCESS', 1, HOUR, { run_type: 'SUBMIT_RUN' }));
  runs.push(done(150, 999, 'TIMEDOUT', 7, HOUR, { run_name: 'gone-job' }));
  runs.push(runRecord(160, { job_id: alpha, life_cycle_state: 'QUEUED', created_time: NOW - 5 }));
  runs.push(runRecord(161, { job_id: alpha, life_cycle_state: 'QUEUED', created_time: NOW - 4 }));
  runs.push(runRecord(162, { job_id: beta, life_cycle_state: 'RUNNING', created_time: NOW - 9, start_time: NOW - 8 }));
  runs.push(runRecord(163, { job_id: beta, life_cycle_state: 'PENDING', created_time: NOW - 3, start_time: NOW - 2 }));
  for (const r of runs) await store.createRun(r, []);
  const n = new NotificationSqlStore(store.kysely);
  await n.insertDeliveries([
    delivery(102, 'EMAIL', 'DELIVERED', NOW - HOUR),
    delivery(102, 'EMAIL', 'DELIVERED', NOW - HOUR),
    delivery(131, 'EMAIL', 'DELIVERED', NOW - HOUR),
    delivery(131, 'WEBHOOK', 'FAILED', NOW - HOUR),
    delivery(150, 'SLACK', 'PENDING', NOW - 10),
    delivery(120, 'EMAIL', 'FAILED', NOW - 48 * HOUR),
  ]);
  return { alpha, beta };
}

describe.each(storeDialects())('operations summary in SQL on %s', (name, dialect, skip) => {
  if (skip) {
    test.skip(`${name}: ${skip}`, () => undefined);
    return;
  }
  const s = useStore(dialect);

  test('success rates, nearest-rank p50/p95 per job, active runs, failures and deliveries of the window', async () => {
    const { alpha, beta } = await seed(s.store);
    const ops = new OperationsSqlStore(s.store.kysely);
    const r = await ops.operationsSummary({ since: SINCE, jobLimit: 10, failureLimit: 10, deliveryLimit: 10 });
    // 10 alpha + 2 beta + 1 one-time + 1 of a deleted job; the 48 h old failure and the active runs are not in it.
    expect(r.totals).toMatchObject({ runs: 14, succeeded: 10, failed: 3, canceled: 1 });
    expect(r.totals.successRate).toBeCloseTo(10 / 13, 10);
    expect(r.jobCount).toBe(4);
    const byName = Object.fromEntries(r.jobs.map((j) => [j.jobName, j]));
    // Durations 10..100 s: nearest rank ceil(0.5*10)=5 → 50 s, ceil(0.95*10)=10 → 100 s.
    expect(byName.alpha).toEqual({ jobId: alpha, jobName: 'alpha', runs: 10, succeeded: 8, failed: 1, canceled: 1, successRate: 8 / 9, p50DurationMs: 50_000, p95DurationMs: 100_000, maxDurationMs: 100_000 });
    // The internal error never started: it counts as a failure but has no duration.
    expect(byName.beta).toMatchObject({ jobId: beta, runs: 2, succeeded: 1, failed: 1, successRate: 0.5, p50DurationMs: 5000, p95DurationMs: 5000 });
    expect(byName['one-time runs (runs/submit)']).toMatchObject({ jobId: null, runs: 1, succeeded: 1, successRate: 1 });
    expect(byName['gone-job']).toMatchObject({ jobId: 999, runs: 1, failed: 1, successRate: 0 });
    // The most failures first; ties by number of runs.
    expect(r.jobs.map((j) => j.jobName)).toEqual(['alpha', 'beta', 'gone-job', 'one-time runs (runs/submit)']);
    expect(r.active).toEqual({ QUEUED: 2, RUNNING: 1, PENDING: 1 });
    expect(r.failures.map((f) => [f.runId, f.resultState ?? f.lifeCycleState])).toEqual([[150, 'TIMEDOUT'], [131, 'INTERNAL_ERROR'], [102, 'FAILED']]);
    expect(r.failures[2]).toMatchObject({ jobId: alpha, stateMessage: 'task load failed', startTime: NOW - HOUR - 2000, endTime: NOW - HOUR - 2000 + 30_000 });
    expect(r.deliveries).toEqual([
      { channel: 'EMAIL', state: 'DELIVERED', deliveries: 3 },
      { channel: 'SLACK', state: 'PENDING', deliveries: 1 },
      { channel: 'WEBHOOK', state: 'FAILED', deliveries: 1 },
    ]);
    expect(r.failedDeliveries).toEqual([expect.objectContaining({ runId: 131, channel: 'WEBHOOK', destination: 'dest-1', attempts: 3, lastError: 'HTTP 500 from the webhook' })]);
  });

  test('limits bound the lists, not the totals; an empty store gives zeros and nulls', async () => {
    const ops = new OperationsSqlStore(s.store.kysely);
    const empty = await ops.operationsSummary({ since: SINCE, jobLimit: 10, failureLimit: 10, deliveryLimit: 10 });
    expect(empty).toEqual({ totals: { runs: 0, succeeded: 0, failed: 0, canceled: 0, successRate: null, p50DurationMs: null, p95DurationMs: null, maxDurationMs: null }, jobs: [], jobCount: 0, active: {}, failures: [], deliveries: [], failedDeliveries: [] });
    await seed(s.store);
    const r = await ops.operationsSummary({ since: SINCE, jobLimit: 1, failureLimit: 1, deliveryLimit: 1 });
    expect(r.jobs.map((j) => j.jobName)).toEqual(['alpha']);
    expect(r.jobCount).toBe(4);
    expect(r.failures.map((f) => f.runId)).toEqual([150]);
    expect(r.totals.failed).toBe(3);
    // A wider window takes in the old failure and the old delivery.
    const wide = await ops.operationsSummary({ since: NOW - 72 * HOUR, jobLimit: 10, failureLimit: 10, deliveryLimit: 10 });
    expect(wide.totals.failed).toBe(4);
    expect(wide.failedDeliveries.map((d) => d.runId)).toEqual([120, 131]);
  });
});

describe('operations and iterations routes over HTTP', () => {
  let h: Harness;
  let server: Awaited<ReturnType<typeof startApiServer>>;
  const clock = new ManualClock(NOW);
  const get = (path: string) => callApi(server.base, 'GET', `/api/2.2/${path}`, { token: h.adminToken });

  beforeAll(async () => {
    h = await startHarness();
    server = await startApiServer(h, { operations: { store: new OperationsSqlStore(h.store.kysely), clock } });
  });
  afterAll(async () => {
    await server?.close();
    await h?.close();
  });

  test('GET weir/operations/summary answers the window in snake_case and validates its parameters', async () => {
    await seed(h.store);
    const r = await get('weir/operations/summary?window_hours=24&failures_limit=2');
    expect(r.status).toBe(200);
    expect(r.body.window).toEqual({ start_time: SINCE, end_time: NOW, hours: 24 });
    expect(r.body.totals).toMatchObject({ runs: 14, failed: 3, p50_duration_ms: 40_000, p95_duration_ms: 100_000 });
    expect(r.body.jobs[0]).toMatchObject({ job_name: 'alpha', p50_duration_ms: 50_000, p95_duration_ms: 100_000, success_rate: 8 / 9 });
    expect(r.body.active).toEqual({ running: 2, queued: 2, by_state: { QUEUED: 2, RUNNING: 1, PENDING: 1 } });
    expect(r.body.failures.map((f: { run_id: number }) => f.run_id)).toEqual([150, 131]);
    expect(r.body.notifications.by_state).toEqual({ DELIVERED: 3, FAILED: 1, PENDING: 1 });
    expect(r.body.notifications.failed[0]).toMatchObject({ run_id: 131, channel: 'WEBHOOK', last_error: 'HTTP 500 from the webhook' });

    const bad = await get('weir/operations/summary?window_hours=0');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('window_hours');
    expect((await callApi(server.base, 'GET', '/api/2.2/weir/operations/summary')).status).toBe(401);
  });

  test('without the operations store the summary answers 501 with where it is served', async () => {
    const bare = await startApiServer(h);
    try {
      const r = await callApi(bare.base, 'GET', '/api/2.2/weir/operations/summary', { token: h.adminToken });
      expect(r.status).toBe(501);
      expect(r.body.message).toContain('weir server');
    } finally {
      await bare.close();
    }
  });

  test('GET weir/runs/iterations lists a for_each task run\'s iterations with input and state, paged', async () => {
    const jobId = await h.createJob({
      name: 'fan-out',
      tasks: [{ task_key: 'each', for_each_task: { inputs: '["a","b","c"]', concurrency: 2, task: sh('echo_one', 'echo item-{{input}}; test {{input}} != b') } }],
    });
    const { tasks } = await h.runJob(jobId);
    const each = tasks.each!;
    const r = await get(`weir/runs/iterations?run_id=${each.task_run_id}`);
    expect(r.status).toBe(200);
    expect(r.body.total_iterations).toBe(3);
    expect(r.body.iterations.map((i: { iteration_index: number; input: string; state: { result_state: string } }) => [i.iteration_index, i.input, i.state.result_state])).toEqual([
      [0, '"a"', 'SUCCESS'],
      [1, '"b"', 'FAILED'],
      [2, '"c"', 'SUCCESS'],
    ]);
    const second = r.body.iterations[1];
    const logs = await get(`jobs/runs/logs?run_id=${second.run_id}`);
    expect(logs.body.content).toContain('item-b');

    const page = await get(`weir/runs/iterations?run_id=${each.task_run_id}&limit=2`);
    expect(page.body.iterations).toHaveLength(2);
    const next = await get(`weir/runs/iterations?run_id=${each.task_run_id}&page_token=${page.body.next_page_token}`);
    expect(next.body.iterations.map((i: { iteration_index: number }) => i.iteration_index)).toEqual([2]);
    expect(next.body.has_more).toBeUndefined();

    const ofRun = await get(`weir/runs/iterations?run_id=${each.run_id}`);
    expect(ofRun.status).toBe(400);
    expect(ofRun.body.message).toContain('for_each task');
    const ofIteration = await get(`weir/runs/iterations?run_id=${second.run_id}`);
    expect(ofIteration.status).toBe(400);
    expect(ofIteration.body.message).toContain('not a for_each task');
    const missing = await get('weir/runs/iterations?run_id=987654');
    expect([missing.status, missing.body.message]).toEqual([400, 'Run 987654 does not exist.']);
  }, 60_000);
});
