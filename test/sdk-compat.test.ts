import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { WorkspaceClient } from '@databricks/sdk-experimental';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiApp } from '../src/api/app.js';
import { startHarness, type Harness } from './support/weir-harness.js';

// The official Databricks JS SDK (@databricks/sdk-experimental 0.17.0) against weir over real HTTP, with a
// real personal access token (the harness's bootstrap admin token).
let h: Harness;
let server: ReturnType<typeof serve>;
let host = '';
beforeAll(async () => {
  h = await startHarness();
  const app = createApiApp({ store: h.store, runs: h.runs, executor: h.executor, workspaceDir: h.dir, baseUrl: () => host, tokens: h.tokens, secrets: h.secrets });
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await h.close();
});

const client = () => new WorkspaceClient({ host, token: h.adminToken, authType: 'pat' });

it('creates a job, runs it and waits for it with the official JS SDK', async () => {
  const w = client();
  const created = await w.jobs.create({
    name: 'sdk-job',
    parameters: [{ name: 'who', default: 'sdk' }],
    tasks: [{ task_key: 'hello', shell_task: { command: 'echo hello {{job.parameters.who}}' } } as never],
  });
  expect(created.job_id).toBeGreaterThan(0);
  const job = await w.jobs.get({ job_id: created.job_id! });
  expect(job.settings?.name).toBe('sdk-job');
  const waiter = await w.jobs.runNow({ job_id: created.job_id!, job_parameters: { who: 'js-sdk' } });
  const run = await waiter.wait();
  expect(run.state?.life_cycle_state).toBe('TERMINATED');
  expect(run.state?.result_state).toBe('SUCCESS');
  const out = await w.jobs.getRunOutput({ run_id: run.tasks![0].run_id! });
  expect(out.logs).toBe('hello js-sdk\n');
  const names: string[] = [];
  for await (const j of w.jobs.list({ name: 'sdk-job' })) names.push(j.settings?.name ?? '');
  expect(names).toEqual(['sdk-job']);
}, 60_000);

it('surfaces weir errors as SDK errors with the Databricks error code', async () => {
  await expect(client().jobs.get({ job_id: 987654 })).rejects.toMatchObject({ errorCode: expect.stringMatching(/INVALID_PARAMETER_VALUE|RESOURCE_DOES_NOT_EXIST/) });
});

it('answers the Pipelines API with a clear 501 in a process without the pipeline engine', async () => {
  const res = await fetch(`${host}/api/2.0/pipelines?max_results=10`, { headers: { authorization: `Bearer ${h.adminToken}` } });
  expect(res.status).toBe(501);
  expect(await res.json()).toEqual({ error_code: 'NOT_IMPLEMENTED', message: expect.stringMatching(/serves no pipelines/) });
  await expect(client().pipelines.get({ pipeline_id: 'abc' })).rejects.toMatchObject({ errorCode: 'NOT_IMPLEMENTED' });
});
