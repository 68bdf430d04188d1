import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp } from '../src/api/app.js';
import { sh, startHarness, type Harness } from './support/weir-harness.js';

type Json = Record<string, any>;

let h: Harness;
let server: ServerType;
let base = '';

beforeAll(async () => {
  h = await startHarness();
  const app = createApiApp({ store: h.store, runs: h.runs, executor: h.executor, workspaceDir: h.dir, baseUrl: () => base, tokens: h.tokens, secrets: h.secrets });
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await h.close();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json; type: string | null }> {
  const r = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${h.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Json, type: r.headers.get('content-type') };
}
const post = (path: string, body: unknown, v = '2.2') => call('POST', `/api/${v}/jobs/${path}`, body);
const get = (path: string, q: Record<string, string | number> = {}, v = '2.2') =>
  call('GET', `/api/${v}/jobs/${path}?${new URLSearchParams(Object.entries(q).map(([k, x]) => [k, String(x)]))}`);

/** A GET whose parameters travel as a JSON body, as Airflow's deferrable mode sends them (fetch cannot). */
function getWithBody(path: string, body: unknown): Promise<{ status: number; body: Json }> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}/api/2.1/jobs/${path}`, { method: 'GET', headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function createJob(settings: Json, v = '2.2'): Promise<number> {
  const r = await post('create', settings, v);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.job_id;
}

const TERMINAL = ['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'];
/** Polls runs/get the way SDK waiters do until the run is terminal. */
async function waitTerminal(runId: number, timeoutMs = 30_000): Promise<Json> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await get('runs/get', { run_id: runId });
    expect(r.status).toBe(200);
    if (TERMINAL.includes(r.body.state.life_cycle_state)) return r.body;
    if (Date.now() > until) throw new Error(`run ${runId} still ${r.body.state.life_cycle_state}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

describe('api: jobs', () => {
  it('creates, gets and lists jobs with paging and a name filter', async () => {
    const a1 = await createJob({ name: 'list-a', tasks: [sh('t', 'true')] });
    const b = await createJob({ name: 'list-b', tasks: [sh('t', 'true')] }, '2.1');
    const a2 = await createJob({ name: 'list-a', tasks: [sh('t', 'true')] });

    const got = await get('get', { job_id: a1 });
    expect(got.type).toContain('application/json');
    expect(got.body).toMatchObject({ job_id: a1, creator_user_name: 'admin', settings: { name: 'list-a', queue: { enabled: true }, format: 'MULTI_TASK' } });
    expect(got.body.settings.tasks[0].task_key).toBe('t');
    expect((await get('get', { job_id: b }, '2.1')).body.settings.queue).toBeUndefined();

    const page1 = await get('list', { limit: 2 });
    expect(page1.body.jobs.map((j: Json) => j.job_id)).toEqual([a1, b]);
    expect(page1.body.jobs[0].settings.tasks).toBeUndefined();
    expect(page1.body.has_more).toBe(true);
    const page2 = await get('list', { limit: 2, page_token: page1.body.next_page_token, expand_tasks: 'true' });
    expect(page2.body.jobs.map((j: Json) => j.job_id)).toEqual([a2]);
    expect(page2.body.jobs[0].settings.tasks).toHaveLength(1);
    expect(page2.body.next_page_token).toBeUndefined();

    const named = await get('list', { name: 'list-a', page_token: '' });
    expect(named.body.jobs.map((j: Json) => j.job_id)).toEqual([a1, a2]);
    expect((await get('list', { name: 'no-such-job' })).body).toEqual({});
    expect((await get('list', { limit: 101 })).status).toBe(400);
  });

  it('answers a missing job with 400 "Job <id> does not exist."', async () => {
    const r = await get('get', { job_id: 987654 });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Job 987654 does not exist.' });
    expect((await post('run-now', { job_id: '987654' })).body.message).toBe('Job 987654 does not exist.');
  });

  it('coerces numbers sent as strings and rejects wrong types with the field path', async () => {
    const id = await createJob({ name: 'strings', timeout_seconds: '3600', tasks: [sh('t', 'true', { max_retries: '2' })] });
    const job = (await get('get', { job_id: String(id) })).body;
    expect(job.settings.tasks[0].max_retries).toBe(2);
    expect(job.settings.timeout_seconds).toBe(3600);

    const bad = await post('create', { name: 'bad', tasks: [sh('t', 'true', { max_retries: 'two' })] });
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(bad.body.message).toContain('tasks[0].max_retries');
  });

  it('pages the tasks of a job with more than 100 tasks', async () => {
    const tasks = Array.from({ length: 130 }, (_, i) => sh(`t${i}`, 'true'));
    const id = await createJob({ name: 'wide', tasks });
    const p1 = (await get('get', { job_id: id })).body;
    expect(p1.settings.tasks).toHaveLength(100);
    expect(p1.next_page_token).toBeTruthy();
    const p2 = (await get('get', { job_id: id, page_token: p1.next_page_token })).body;
    expect(p2.settings.tasks.map((t: Json) => t.task_key)[0]).toBe('t100');
    expect(p2.settings.tasks).toHaveLength(30);
    expect(p2.next_page_token).toBeUndefined();
    const listed = (await get('list', { name: 'wide', expand_tasks: 'true' })).body.jobs[0];
    expect(listed.has_more).toBe(true);
    expect(listed.settings.tasks).toHaveLength(100);
  });

  it('rejects a dependency cycle', async () => {
    const r = await post('create', {
      name: 'cycle',
      tasks: [sh('a', 'true', { depends_on: [{ task_key: 'b' }] }), sh('b', 'true', { depends_on: [{ task_key: 'a' }] })],
    });
    expect(r.status).toBe(400);
    expect(r.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(r.body.message).toContain('the dependencies form a cycle');
  });

  it('merges tasks by key on update and removes fields', async () => {
    const id = await createJob({ name: 'upd', description: 'old', tags: { x: '1' }, tasks: [sh('a', 'echo a'), sh('b', 'echo b'), sh('c', 'echo c')] });
    const r = await post('update', {
      job_id: id,
      new_settings: { description: 'new', tasks: [sh('b', 'echo B'), sh('d', 'echo d')] },
      fields_to_remove: ['tags', 'tasks/c'],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({});
    const s = (await get('get', { job_id: id })).body.settings;
    expect(s.description).toBe('new');
    expect(s.tags).toBeUndefined();
    expect(s.tasks.map((t: Json) => [t.task_key, t.shell_task.command])).toEqual([['a', 'echo a'], ['b', 'echo B'], ['d', 'echo d']]);

    const broken = await post('update', { job_id: id, new_settings: { tasks: [sh('a', 'true', { depends_on: [{ task_key: 'zz' }] })] } });
    expect(broken.status).toBe(400);
    expect(broken.body.message).toContain('new_settings');
    expect((await post('reset', { job_id: id, new_settings: { name: 'reset', tasks: [sh('only', 'true')] } })).status).toBe(200);
    expect((await get('get', { job_id: id })).body.settings.tasks).toHaveLength(1);
    expect((await post('delete', { job_id: id })).body).toEqual({});
    expect((await get('get', { job_id: id })).status).toBe(400);
  });
});

describe('api: runs', () => {
  it('runs a job to SUCCESS, lists its runs newest first and returns task output with logs', async () => {
    const id = await createJob({ name: 'hello', parameters: [{ name: 'who', default: 'world' }], tasks: [sh('greet', 'echo "hello {{job.parameters.who}}"')] });
    const first = await post('run-now', { job_id: id, job_parameters: { who: 'api' } });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.number_in_job).toBe(first.body.run_id);
    const run = await waitTerminal(first.body.run_id);
    expect(run.state.result_state).toBe('SUCCESS');
    expect(run.status.state).toBe('TERMINATED');
    expect(run.status.termination_details).toMatchObject({ code: 'SUCCESS', type: 'SUCCESS' });
    expect(run.run_page_url).toBe(`${base}/#job/${id}/run/${run.run_id}`);
    expect(run.job_parameters).toEqual([{ name: 'who', default: 'world', value: 'api' }]);
    expect(run.repair_history).toHaveLength(1);
    expect(run.end_time).toBeGreaterThan(0);
    expect(run.tasks).toHaveLength(1);
    const task = run.tasks[0];
    expect(task).toMatchObject({ task_key: 'greet', attempt_number: 0, state: { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' }, run_if: 'ALL_SUCCESS' });
    expect(task.shell_task.command).toContain('echo');

    const out = await get('runs/get-output', { run_id: task.run_id });
    expect(out.status).toBe(200);
    expect(out.body.logs).toBe('hello api\n');
    expect(out.body.metadata).toMatchObject({ run_id: task.run_id, job_id: id, job_run_id: run.run_id, task_key: 'greet' });
    expect(out.body.error).toBeUndefined();
    // A single-task run id also works, as Databricks' legacy single-task runs do.
    expect((await get('runs/get-output', { run_id: run.run_id })).body.logs).toBe('hello api\n');

    const second = await post('run-now', { job_id: String(id), idempotency_token: 'tok-1' });
    const again = await post('run-now', { job_id: id, idempotency_token: 'tok-1' });
    expect(again.body.run_id).toBe(second.body.run_id);
    await waitTerminal(second.body.run_id);
    const other = await createJob({ name: 'other', tasks: [sh('t', 'true')] });
    await waitTerminal((await post('run-now', { job_id: other })).body.run_id);

    const list = await get('runs/list', { job_id: id });
    expect(list.body.runs.map((r: Json) => r.run_id)).toEqual([second.body.run_id, first.body.run_id]);
    expect(list.body.runs[0].tasks).toBeUndefined();
    const paged = await get('runs/list', { job_id: id, limit: 1, expand_tasks: 'True', completed_only: 'True', active_only: 'False' });
    expect(paged.body.runs).toHaveLength(1);
    expect(paged.body.runs[0].tasks).toHaveLength(1);
    expect(paged.body.has_more).toBe(true);
    const rest = await get('runs/list', { job_id: id, limit: 1, page_token: paged.body.next_page_token });
    expect(rest.body.runs.map((r: Json) => r.run_id)).toEqual([first.body.run_id]);
    expect(rest.body.next_page_token).toBeUndefined();
    expect((await get('runs/list', { job_id: id, active_only: 'TRUE' })).body).toEqual({});

    const logs = await get('runs/logs', { run_id: task.run_id, stream: 'stdout', offset: 6 });
    expect(logs.body).toEqual({ content: 'api\n', next_offset: 10, done: true });
  });

  it('reads GET parameters from a JSON body and tolerates True/False', async () => {
    const id = await createJob({ name: 'body-params', tasks: [sh('t', 'true')] });
    const runId = (await post('run-now', { job_id: id })).body.run_id;
    await waitTerminal(runId);
    const r = await getWithBody('runs/get', { run_id: String(runId), include_history: 'True' });
    expect(r.status).toBe(200);
    expect(r.body.run_id).toBe(runId);
    const l = await getWithBody('runs/list', { job_id: id, expand_tasks: false, page_token: '' });
    expect(l.body.runs.map((x: Json) => x.run_id)).toEqual([runId]);
    const jobs = await get('list', { name: 'body-params', expand_tasks: 'False' });
    expect(jobs.body.jobs[0].settings.tasks).toBeUndefined();
  });

  it('refuses get-output of a multi-task run and runs/get of a missing run', async () => {
    const run = await post('runs/submit', { run_name: 'two', tasks: [sh('x', 'echo x'), sh('y', 'echo y', { depends_on: [{ task_key: 'x' }] })] });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    const done = await waitTerminal(run.body.run_id);
    expect(done).toMatchObject({ run_type: 'SUBMIT_RUN', run_name: 'two', state: { result_state: 'SUCCESS' } });
    // The hidden job of a one-time run: a job id no stored job has.
    expect(typeof done.job_id).toBe('number');
    expect((await get('get', { job_id: done.job_id })).status).toBe(400);
    expect(done.tasks.map((t: Json) => t.task_key)).toEqual(['x', 'y']);
    expect(done.tasks[1].depends_on).toEqual([{ task_key: 'x' }]);
    const out = await get('runs/get-output', { run_id: run.body.run_id });
    expect(out.status).toBe(400);
    expect(out.body).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each individual task run instead.',
    });
    const missing = await get('runs/get', { run_id: 99999999 });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Run 99999999 does not exist.' });
    const asTask = await get('runs/get', { run_id: done.tasks[0].run_id });
    expect(asTask.status).toBe(400);
    expect(asTask.body.message).toContain(`task run of run ${run.body.run_id}`);
  });

  it('accepts the legacy single-task runs/submit shape', async () => {
    const r = await post('runs/submit', { run_name: 'legacy one', shell_task: { command: 'echo legacy' }, timeout_seconds: '60' }, '2.1');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const run = await waitTerminal(r.body.run_id);
    expect(run.state.result_state).toBe('SUCCESS');
    expect(run.tasks).toHaveLength(1);
    expect((await get('runs/get-output', { run_id: run.tasks[0].run_id })).body.logs).toBe('legacy\n');
  });

  it('cancels a running task quickly', async () => {
    const id = await createJob({ name: 'sleepy', tasks: [sh('nap', 'sleep 30')] });
    const runId = (await post('run-now', { job_id: id })).body.run_id;
    for (let i = 0; ; i++) {
      const r = (await get('runs/get', { run_id: runId })).body;
      if (r.tasks[0].state.life_cycle_state === 'RUNNING') break;
      if (i > 200) throw new Error('task never started');
      await new Promise((res) => setTimeout(res, 25));
    }
    const deleting = await post('runs/delete', { run_id: runId });
    expect(deleting.status).toBe(400);
    expect(deleting.body.error_code).toBe('INVALID_STATE');
    const started = Date.now();
    expect((await post('runs/cancel', { run_id: runId })).body).toEqual({});
    const run = await waitTerminal(runId, 10_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(run.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'CANCELED', user_cancelled_or_timedout: true });
    expect(run.status.termination_details.code).toBe('USER_CANCELED');
    expect((await post('runs/delete', { run_id: runId })).body).toEqual({});
    expect((await get('runs/get', { run_id: runId })).status).toBe(400);
  });

  it('cancels a task run by its id and all active runs of a job', async () => {
    const id = await createJob({ name: 'sleepy-all', max_concurrent_runs: 2, tasks: [sh('nap', 'sleep 30')] });
    const r1 = (await post('run-now', { job_id: id })).body.run_id;
    const r2 = (await post('run-now', { job_id: id })).body.run_id;
    const t1 = (await get('runs/get', { run_id: r1 })).body.tasks[0].run_id;
    await new Promise((res) => setTimeout(res, 300));
    expect((await post('runs/cancel', { run_id: t1 })).status).toBe(200);
    expect((await post('runs/cancel-all', { job_id: id })).status).toBe(200);
    const [a, b] = [await waitTerminal(r1, 10_000), await waitTerminal(r2, 10_000)];
    expect(a.tasks[0].state.result_state).toBe('CANCELED');
    expect(b.state.result_state).toBe('CANCELED');
  });

  it('queues a second run of a 2.2 job and cancels queued runs with all_queued_runs', async () => {
    const id = await createJob({ name: 'queued', tasks: [sh('nap', 'sleep 30')] });
    const r1 = (await post('run-now', { job_id: id })).body.run_id;
    const r2 = (await post('run-now', { job_id: id })).body.run_id;
    await new Promise((res) => setTimeout(res, 200));
    const queued = (await get('runs/get', { run_id: r2 })).body;
    expect(queued.state.life_cycle_state).toBe('QUEUED');
    expect(queued.status.state).toBe('QUEUED');
    expect(queued.state.result_state).toBeUndefined();
    expect(queued.end_time).toBe(0);
    expect((await post('runs/cancel-all', { all_queued_runs: 'true' })).body).toEqual({});
    const q = await waitTerminal(r2, 10_000);
    expect(q.state.result_state).toBe('CANCELED');
    expect((await get('runs/get', { run_id: r1 })).body.state.life_cycle_state).toBe('RUNNING');
    await post('runs/cancel', { run_id: r1 });
    expect((await waitTerminal(r1, 10_000)).state.result_state).toBe('CANCELED');
  });

  it('repairs a failed run after the cause is fixed', async () => {
    const flag = join(h.dir, 'repair-flag');
    rmSync(flag, { force: true });
    const id = await createJob({
      name: 'repairable',
      tasks: [sh('ok', 'echo ok'), sh('check', `test -f ${flag}`, { depends_on: [{ task_key: 'ok' }] }), sh('after', 'echo after', { depends_on: [{ task_key: 'check' }] })],
    });
    const runId = (await post('run-now', { job_id: id })).body.run_id;
    const failed = await waitTerminal(runId);
    expect(failed.state.result_state).toBe('FAILED');
    expect(failed.status.termination_details.code).toBe('RUN_EXECUTION_ERROR');
    const check = failed.tasks.find((t: Json) => t.task_key === 'check');
    const out = await get('runs/get-output', { run_id: check.run_id });
    expect(out.body.error).toContain('exited with code 1');
    expect(failed.tasks.find((t: Json) => t.task_key === 'after').state.result_state).toBe('UPSTREAM_FAILED');

    writeFileSync(flag, 'fixed');
    const repair = await post('runs/repair', { run_id: runId, rerun_all_failed_tasks: true });
    expect(repair.status, JSON.stringify(repair.body)).toBe(200);
    expect(typeof repair.body.repair_id).toBe('number');
    const fixed = await waitTerminal(runId);
    expect(fixed.state.result_state).toBe('SUCCESS');
    expect(fixed.repair_history).toHaveLength(2);
    expect(fixed.repair_history.map((e: Json) => e.type)).toEqual(['ORIGINAL', 'REPAIR']);
    expect(fixed.repair_history[0].state.result_state).toBe('FAILED');
    expect(fixed.repair_history[1].id).toBe(repair.body.repair_id);
    expect(fixed.tasks.map((t: Json) => t.state.result_state)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(fixed.tasks.find((t: Json) => t.task_key === 'ok').run_id).toBe(failed.tasks[0].run_id);
  });
  it('reports condition outcomes, for_each statistics and run_job children', async () => {
    const child = await createJob({ name: 'child', tasks: [sh('c', 'echo child')] });
    const id = await createJob({
      name: 'control',
      tasks: [
        { task_key: 'cond', condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } },
        { task_key: 'each', depends_on: [{ task_key: 'cond', outcome: 'true' }], for_each_task: { inputs: '[1,2,3]', concurrency: 2, task: sh('it', 'echo {{input}}') } },
        { task_key: 'call', depends_on: [{ task_key: 'each' }], run_job_task: { job_id: child } },
      ],
    });
    const run = await waitTerminal((await post('run-now', { job_id: id })).body.run_id);
    expect(run.state.result_state, JSON.stringify(run)).toBe('SUCCESS');
    const [cond, each, callTask] = run.tasks;
    expect(cond.condition_task).toMatchObject({ op: 'EQUAL_TO', outcome: 'true' });
    expect(each.for_each_task.stats.task_run_stats).toEqual({ total_iterations: 3, succeeded_iterations: 3, failed_iterations: 0, active_iterations: 0, completed_iterations: 3 });
    const childRunId = callTask.run_job_output.run_id;
    const childRun = await waitTerminal(childRunId);
    expect(childRun).toMatchObject({ job_id: child, trigger: 'RUN_JOB_TASK', trigger_info: { run_id: run.run_id } });
    expect((await get('runs/get-output', { run_id: callTask.run_id })).body.run_job_output).toEqual({ run_id: childRunId });
  });
});

describe('api: wire conventions', () => {
  it('answers unknown routes 404 and bad JSON 400 MALFORMED_REQUEST', async () => {
    const nf = await call('GET', '/api/2.2/jobs/nope');
    expect(nf.status).toBe(404);
    expect(nf.body.error_code).toBe('ENDPOINT_NOT_FOUND');
    const bad = await call('POST', '/api/2.2/jobs/create', '{"name": ');
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe('MALFORMED_REQUEST');
    const badToken = await get('list', { page_token: 'not-a-token' });
    expect(badToken.status).toBe(400);
  });

  it('serves the same handlers under 2.0 and 2.1', async () => {
    const id = await createJob({ name: 'v20', tasks: [sh('t', 'true')] }, '2.0');
    expect((await get('get', { job_id: id }, '2.0')).body.settings.name).toBe('v20');
    expect((await get('get', { job_id: id }, '2.1')).body.settings.name).toBe('v20');
  });
});
