import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from './support/api-server.js';
import { startHarness, type Harness } from './support/weir-harness.js';

// Replays, request by request, what the Airflow Databricks provider sends and reads (hooks/databricks.py,
// hooks/databricks_base.py, operators/databricks.py, triggers/databricks.py; reference section 5): its headers,
// its numbers-as-strings bodies, GET parameters as a query (sync) or as a JSON body (deferrable), and the fields
// it reads from every answer, with their types.
let h: Harness;
let srv: { base: string; close(): Promise<void> };
beforeAll(async () => {
  h = await startHarness();
  srv = await startApiServer(h);
});
afterAll(async () => {
  await srv.close();
  await h.close();
});

const UA = (op: string) => `databricks-airflow/7.3.0 _/0.0.0 python/3.11.9 os/linux airflow/2.10.4 operator/${op}`;
/** What RunState(**state) accepts (AF hooks/databricks.py RUN_LIFE_CYCLE_STATES); anything else raises in Airflow. */
const LIFE_CYCLE_STATES = ['PENDING', 'RUNNING', 'TERMINATING', 'TERMINATED', 'SKIPPED', 'INTERNAL_ERROR', 'BLOCKED', 'WAITING_FOR_RETRY', 'QUEUED'];
const TERMINAL = ['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'];

/** One call as the provider's `requests` (sync) or `aiohttp` (deferrable, GET params as a JSON body) makes it. */
function airflowCall(method: 'GET' | 'POST', endpoint: string, o: { op: string; json?: Record<string, unknown>; query?: Record<string, string>; deferrable?: boolean }): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { 'user-agent': UA(o.op), authorization: `Bearer ${h.adminToken}`, accept: '*/*' };
  let data: Buffer | undefined;
  const url = new URL(`${srv.base}/${endpoint}`);
  if (o.json && (method === 'POST' || o.deferrable)) {
    data = Buffer.from(JSON.stringify(o.json));
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(data.length);
  } else if (o.json) {
    for (const [k, v] of Object.entries(o.json)) url.searchParams.set(k, String(v));
  }
  for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v);
  return new Promise((ok, fail) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', fail);
    req.end(data);
  });
}

/** Asserts the fields of runs/get that the operators and triggers read, with their types. */
function expectRunShape(run: any): void {
  expect(typeof run.run_id).toBe('number');
  // Every run has a job_id: one-time runs (runs/submit) get their hidden job's id, which the deferrable
  // DatabricksSubmitRunOperator reads with hook.get_job_id.
  expect(typeof run.job_id).toBe('number');
  expect(run.run_page_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
  expect(LIFE_CYCLE_STATES).toContain(run.state.life_cycle_state);
  expect(typeof run.state.state_message).toBe('string');
  if (TERMINAL.includes(run.state.life_cycle_state)) expect(typeof run.state.result_state).toBe('string');
  for (const t of run.tasks ?? []) {
    expect(typeof t.run_id).toBe('number');
    expect(typeof t.task_key).toBe('string');
    expect(LIFE_CYCLE_STATES).toContain(t.state.life_cycle_state);
  }
}

/** The operator's poll loop (`_handle_databricks_operator_execution` / `DatabricksExecutionTrigger.run`) until terminal. */
async function pollUntilTerminal(runId: number | string, op: string, deferrable = false): Promise<any> {
  for (;;) {
    const r = await airflowCall('GET', 'api/2.2/jobs/runs/get', { op, json: { run_id: runId }, deferrable });
    expect(r.status).toBe(200);
    expectRunShape(r.body);
    if (TERMINAL.includes(r.body.state.life_cycle_state)) return r.body;
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

/** On FAILED, Airflow walks tasks[] and reads `error` of each failed task's get-output. */
async function failedTaskErrors(run: any, op: string, deferrable = false): Promise<string[]> {
  const errors: string[] = [];
  for (const t of run.tasks) {
    if (t.state.result_state !== 'FAILED') continue;
    const out = await airflowCall('GET', 'api/2.2/jobs/runs/get-output', { op, json: { run_id: t.run_id }, deferrable });
    expect(out.status).toBe(200);
    expect(typeof out.body.error).toBe('string');
    expect(typeof out.body.error_trace).toBe('string');
    errors.push(out.body.error);
  }
  return errors;
}

describe('DatabricksSubmitRunOperator', () => {
  const op = 'DatabricksSubmitRunOperator';

  it('submits a two-task run with numbers as strings and an idempotency token, polls it to SUCCESS', async () => {
    const body = {
      run_name: 'airflow_submit_task',
      timeout_seconds: '3600',
      idempotency_token: 'af-dag-run-2026-11-29-submit',
      tasks: [
        { task_key: 'extract', new_cluster: { spark_version: '15.4.x-scala2.12', num_workers: '2', node_type_id: 'i3.xlarge' }, shell_task: { command: 'echo extracted' }, timeout_seconds: '600', max_retries: '0' },
        { task_key: 'load', depends_on: [{ task_key: 'extract' }], existing_cluster_id: '0101-abc', shell_task: { command: 'echo loaded' } },
      ],
    };
    const first = await airflowCall('POST', 'api/2.2/jobs/runs/submit', { op, json: body });
    expect(first.status).toBe(200);
    expect(typeof first.body.run_id).toBe('number');
    // A retried Airflow task sends the same idempotency token and must get the same run back.
    const again = await airflowCall('POST', 'api/2.2/jobs/runs/submit', { op, json: body });
    expect(again.body.run_id).toBe(first.body.run_id);
    const run = await pollUntilTerminal(first.body.run_id, op);
    expect(run.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' });
    expect(run.tasks.map((t: any) => t.task_key).sort()).toEqual(['extract', 'load']);
  }, 60_000);

  it('submits the legacy single task at the top level (spark_python_task with new_cluster)', async () => {
    const script = join(h.dir, 'af_legacy.py');
    writeFileSync(script, 'import sys\nprint("legacy", sys.argv[1:])\n');
    const r = await airflowCall('POST', 'api/2.1/jobs/runs/submit', {
      op,
      json: { run_name: 'legacy_task', new_cluster: { spark_version: '13.3.x-scala2.12', num_workers: '1' }, spark_python_task: { python_file: script, parameters: ['a', 'b'] }, libraries: [{ pypi: { package: 'requests' } }] },
    });
    expect(r.status).toBe(200);
    const run = await pollUntilTerminal(r.body.run_id, op);
    expect(run.state.result_state).toBe('SUCCESS');
    const out = await airflowCall('GET', 'api/2.1/jobs/runs/get-output', { op, json: { run_id: run.tasks[0].run_id } });
    expect(out.body.logs).toContain("legacy ['a', 'b']");
  }, 60_000);

  it('reads error and error_trace of each failed task in deferrable mode (GET parameters as a JSON body)', async () => {
    const r = await airflowCall('POST', 'api/2.2/jobs/runs/submit', {
      op,
      json: { run_name: 'failing', tasks: [{ task_key: 'ok', shell_task: { command: 'true' } }, { task_key: 'boom', shell_task: { command: 'echo kaput >&2; exit 7' } }] },
    });
    const first = await airflowCall('GET', 'api/2.2/jobs/runs/get', { op, json: { run_id: r.body.run_id }, deferrable: true });
    expect(first.body.run_id).toBe(r.body.run_id);
    const run = await pollUntilTerminal(r.body.run_id, op, true);
    expect(run.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'FAILED' });
    const errors = await failedTaskErrors(run, op, true);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/7/);
  }, 60_000);
});

describe('DatabricksRunNowOperator', () => {
  const op = 'DatabricksRunNowOperator';
  let jobId = 0;
  beforeAll(async () => {
    const marker = join(h.dir, 'af-repair-marker');
    jobId = await h.createJob({
      name: 'airflow_managed_job',
      parameters: [{ name: 'ds', default: 'none' }, { name: 'mode', default: 'ok' }],
      tasks: [
        { task_key: 'ingest', shell_task: { command: 'echo ingest {{job.parameters.ds}}' } },
        { task_key: 'publish', depends_on: [{ task_key: 'ingest' }], shell_task: { command: `if [ "{{job.parameters.mode}}" = fail ] && [ ! -f '${marker}' ]; then exit 1; fi; if [ "{{job.parameters.mode}}" = slow ]; then sleep 60; fi; echo published` } },
      ],
    });
    writeFileSync(join(h.dir, 'marker-path'), marker);
  });

  it('finds the job by job_name, cancels previous runs, runs it with parameters as strings and polls it', async () => {
    const list = await airflowCall('GET', 'api/2.2/jobs/list', { op, query: { name: 'airflow_managed_job', limit: '25', expand_tasks: 'False', page_token: '' } });
    expect(list.status).toBe(200);
    const matches = list.body.jobs.filter((j: any) => j.settings.name === 'airflow_managed_job');
    expect(matches).toHaveLength(1);
    expect(typeof matches[0].job_id).toBe('number');
    const cancelAll = await airflowCall('POST', 'api/2.2/jobs/runs/cancel-all', { op, json: { job_id: String(jobId) } });
    expect(cancelAll).toEqual({ status: 200, body: {} });
    const now = await airflowCall('POST', 'api/2.2/jobs/run-now', { op, json: { job_id: String(matches[0].job_id), job_parameters: { ds: '2026-11-29' }, idempotency_token: 'af-run-now-1' } });
    expect(now.status).toBe(200);
    expect(typeof now.body.run_id).toBe('number');
    // Deferrable mode: the operator reads job_id with a JSON-body GET, then the trigger polls the same way.
    const first = await airflowCall('GET', 'api/2.2/jobs/runs/get', { op, json: { run_id: now.body.run_id }, deferrable: true });
    expect(first.body.job_id).toBe(jobId);
    const run = await pollUntilTerminal(now.body.run_id, op, true);
    expect(run.job_id).toBe(jobId);
    expect(run.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'SUCCESS' });
    const ingest = run.tasks.find((t: any) => t.task_key === 'ingest');
    const out = await airflowCall('GET', 'api/2.2/jobs/runs/get-output', { op, json: { run_id: ingest.run_id } });
    expect(out.body.logs).toBe('ingest 2026-11-29\n');
  }, 60_000);

  it('cancels the run on kill (runs/cancel) and reports it terminated as CANCELED', async () => {
    const now = await airflowCall('POST', 'api/2.2/jobs/run-now', { op, json: { job_id: String(jobId), job_parameters: { mode: 'slow' } } });
    for (;;) {
      const r = await airflowCall('GET', 'api/2.2/jobs/runs/get', { op, json: { run_id: now.body.run_id } });
      if (r.body.tasks?.some((t: any) => t.task_key === 'publish' && t.state.life_cycle_state === 'RUNNING')) break;
      await new Promise((ok) => setTimeout(ok, 50));
    }
    expect(await airflowCall('POST', 'api/2.2/jobs/runs/cancel', { op, json: { run_id: String(now.body.run_id) } })).toEqual({ status: 200, body: {} });
    const run = await pollUntilTerminal(now.body.run_id, op);
    expect(run.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'CANCELED' });
  }, 60_000);

  it('repairs a failed run as repair_run=True does: include_history, repair_history[-1].id, rerun_all_failed_tasks', async () => {
    const now = await airflowCall('POST', 'api/2.2/jobs/run-now', { op, json: { job_id: String(jobId), job_parameters: { mode: 'fail' } } });
    const failed = await pollUntilTerminal(now.body.run_id, op);
    expect(failed.state.result_state).toBe('FAILED');
    expect(await failedTaskErrors(failed, op)).toHaveLength(1);
    writeFileSync(readFileSync(join(h.dir, 'marker-path'), 'utf8'), 'fixed');
    const hist = await airflowCall('GET', 'api/2.2/jobs/runs/get', { op, query: { run_id: String(now.body.run_id), include_history: 'true' } });
    expect(Array.isArray(hist.body.repair_history)).toBe(true);
    expect(hist.body.repair_history).toHaveLength(1); // only the ORIGINAL entry: no repairs yet
    expect(hist.body.repair_history[0].type).toBe('ORIGINAL');
    const repair = await airflowCall('POST', 'api/2.2/jobs/runs/repair', { op, json: { run_id: String(now.body.run_id), rerun_all_failed_tasks: true } });
    expect(repair.status).toBe(200);
    expect(typeof repair.body.repair_id).toBe('number');
    const repaired = await pollUntilTerminal(now.body.run_id, op);
    expect(repaired.state.result_state).toBe('SUCCESS');
    const after = await airflowCall('GET', 'api/2.2/jobs/runs/get', { op, query: { run_id: String(now.body.run_id), include_history: 'True' } });
    expect(after.body.repair_history.at(-1).id).toBe(repair.body.repair_id);
  }, 60_000);
});
