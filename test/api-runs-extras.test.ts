import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, startApiServer } from './support/api-server.js';
import { sh, startHarness, type Harness } from './support/weir-harness.js';

let h: Harness;
let api: { base: string; close(): Promise<void> };
beforeAll(async () => {
  h = await startHarness({ slots: 4 });
  api = await startApiServer(h);
});
afterAll(async () => {
  await api.close();
  await h.close();
});
const call = (method: string, path: string, body?: unknown) => callApi(api.base, method, path, { token: h.adminToken, body });

describe('runs/get paging and resolved values', () => {
  it('pages a run with 130 tasks 100 at a time and shows resolved parameters on request', async () => {
    const tasks = Array.from({ length: 130 }, (_, i) => sh(`t${String(i).padStart(3, '0')}`, 'true'));
    tasks[0] = { task_key: 't000', spark_python_task: { python_file: 'x.py', parameters: ['--day', '{{job.parameters.day}}'] } } as never;
    writeFileSync(join(h.dir, 'x.py'), 'print("ok")\n');
    const jobId = await h.createJob({ name: 'wide', parameters: [{ name: 'day', default: '2026-11-29' }], tasks });
    const { run } = await h.runJob(jobId);
    const page1 = (await call('GET', `/api/2.2/jobs/runs/get?run_id=${run.run_id}&include_resolved_values=true`)).body;
    expect(page1.tasks).toHaveLength(100);
    expect(page1.next_page_token).toBeTruthy();
    expect(page1.tasks[0].resolved_values).toEqual({ spark_python_task: { parameters: ['--day', '2026-11-29'] } });
    const page2 = (await call('GET', `/api/2.2/jobs/runs/get?run_id=${run.run_id}&page_token=${page1.next_page_token}`)).body;
    expect(page2.tasks.map((t: { task_key: string }) => t.task_key)).toEqual(Array.from({ length: 30 }, (_, i) => `t${100 + i}`));
    expect(page2.next_page_token).toBeUndefined();
    expect(page2.tasks[0].resolved_values).toBeUndefined();
  }, 120_000);
});

describe('runs/export', () => {
  it('exports a notebook task run as HTML with its source and output, and refuses other task kinds', async () => {
    mkdirSync(join(h.dir, 'nb'), { recursive: true });
    writeFileSync(join(h.dir, 'nb', 'hello.py'), '# Databricks notebook source\nprint("hello <world>")\n');
    const jobId = await h.createJob({ name: 'nb', tasks: [{ task_key: 'note', notebook_task: { notebook_path: 'nb/hello' } }, sh('plain', 'true')] });
    const { run, tasks } = await h.runJob(jobId);
    expect(run.result_state).toBe('SUCCESS');
    const r = await call('GET', `/api/2.1/jobs/runs/export?run_id=${tasks.note.task_run_id}&views_to_export=CODE`);
    expect(r.status).toBe(200);
    expect(r.body.views).toHaveLength(1);
    expect(r.body.views[0]).toMatchObject({ name: 'nb/hello', type: 'NOTEBOOK' });
    expect(r.body.views[0].content).toContain('print(&quot;hello &lt;world&gt;&quot;)'.replace(/&quot;/g, '"'));
    expect(r.body.views[0].content).toContain('hello &lt;world&gt;');
    const all = await call('GET', `/api/2.1/jobs/runs/export?run_id=${run.run_id}`);
    expect(all.body.views.map((v: { name: string }) => v.name)).toEqual(['nb/hello']);
    expect((await call('GET', `/api/2.1/jobs/runs/export?run_id=${tasks.note.task_run_id}&views_to_export=DASHBOARDS`)).body.views).toEqual([]);
    const bad = await call('GET', `/api/2.1/jobs/runs/export?run_id=${tasks.plain.task_run_id}`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/not a notebook task/);
  }, 60_000);
});
