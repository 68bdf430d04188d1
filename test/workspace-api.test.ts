import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkspaceClient } from '@databricks/sdk-experimental';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, startApiServer } from './support/api-server.js';
import { startHarness, type Harness } from './support/weir-harness.js';

let h: Harness;
let srv: { base: string; close(): Promise<void> };
let w: WorkspaceClient;
beforeAll(async () => {
  h = await startHarness();
  srv = await startApiServer(h);
  w = new WorkspaceClient({ host: srv.base, token: h.adminToken, authType: 'pat' });
});
afterAll(async () => {
  await srv.close();
  await h.close();
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => p.then(() => undefined, (e: { errorCode?: string }) => e.errorCode);

describe('Workspace API with the official JS SDK', () => {
  it('makes folders, imports a SOURCE notebook and a file, and describes them', async () => {
    await w.workspace.mkdirs({ path: '/Users/me/project' });
    await w.workspace.import({ path: '/Users/me/project/etl', format: 'SOURCE', language: 'PYTHON', content: b64('print("hi")\n') });
    await w.workspace.import({ path: '/Users/me/project/data.csv', format: 'AUTO', content: b64('a,b\n1,2\n') });
    // Stored where the notebook runner finds it: <workspace>/Users/me/project/etl.py with the Databricks header.
    expect(readFileSync(join(h.dir, 'Users/me/project/etl.py'), 'utf8')).toBe('# Databricks notebook source\nprint("hi")\n');
    const nb = await w.workspace.getStatus({ path: '/Users/me/project/etl' });
    expect(nb).toMatchObject({ path: '/Users/me/project/etl', object_type: 'NOTEBOOK', language: 'PYTHON' });
    expect(nb.object_id).toBeGreaterThan(0);
    const listed: string[] = [];
    for await (const o of w.workspace.list({ path: '/Users/me/project' })) listed.push(`${o.object_type} ${o.path}`);
    expect(listed).toEqual(['FILE /Users/me/project/data.csv', 'NOTEBOOK /Users/me/project/etl']);
    const top: string[] = [];
    for await (const o of w.workspace.list({ path: '/Users' })) top.push(`${o.object_type} ${o.path}`);
    expect(top).toEqual(['DIRECTORY /Users/me']);
  });

  it('exports SOURCE as base64 and raw bytes with direct_download', async () => {
    const ex = await w.workspace.export({ path: '/Users/me/project/etl', format: 'SOURCE' });
    expect(Buffer.from(ex.content!, 'base64').toString()).toBe('# Databricks notebook source\nprint("hi")\n');
    const raw = await fetch(`${srv.base}/api/2.0/workspace/export?path=/Users/me/project/data.csv&direct_download=true`, { headers: { authorization: `Bearer ${h.adminToken}` } });
    expect(raw.status).toBe(200);
    expect(await raw.text()).toBe('a,b\n1,2\n');
  });

  it('refuses to overwrite unless asked, and imports SQL and Jupyter notebooks', async () => {
    expect(await codeOf(w.workspace.import({ path: '/Users/me/project/etl', format: 'SOURCE', language: 'PYTHON', content: b64('x = 1\n') }))).toBe('RESOURCE_ALREADY_EXISTS');
    await w.workspace.import({ path: '/Users/me/project/etl', format: 'SOURCE', language: 'PYTHON', content: b64('x = 2\n'), overwrite: true });
    expect(readFileSync(join(h.dir, 'Users/me/project/etl.py'), 'utf8')).toContain('x = 2');
    await w.workspace.import({ path: '/Users/me/project/report', format: 'SOURCE', language: 'SQL', content: b64('select 1\n') });
    expect((await w.workspace.getStatus({ path: '/Users/me/project/report' })).language).toBe('SQL');
    const ipynb = JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 });
    await w.workspace.import({ path: '/Users/me/project/explore', format: 'JUPYTER', content: b64(ipynb) });
    expect((await w.workspace.getStatus({ path: '/Users/me/project/explore' })).object_type).toBe('NOTEBOOK');
  });

  it('runs a job whose notebook was uploaded through the Workspace API', async () => {
    await w.workspace.import({ path: '/Shared/hello', format: 'SOURCE', language: 'PYTHON', content: b64('dbutils.notebook.exit("uploaded ok")\n') });
    const job = await h.createJob({ name: 'ws-nb', tasks: [{ task_key: 'nb', notebook_task: { notebook_path: '/Shared/hello' } }] });
    const { tasks } = await h.runJob(job);
    expect(tasks.nb!.result_state).toBe('SUCCESS');
    expect(tasks.nb!.output.notebook_output?.result).toBe('uploaded ok');
  }, 60_000);

  it('deletes objects; a non-empty folder needs recursive', async () => {
    expect(await codeOf(w.workspace.delete({ path: '/Users/me/project' }))).toBe('DIRECTORY_NOT_EMPTY');
    await w.workspace.delete({ path: '/Users/me/project/data.csv' });
    expect(await codeOf(w.workspace.getStatus({ path: '/Users/me/project/data.csv' }))).toBe('RESOURCE_DOES_NOT_EXIST');
    await w.workspace.delete({ path: '/Users/me/project', recursive: true });
    expect(existsSync(join(h.dir, 'Users/me/project'))).toBe(false);
    expect(await codeOf(w.workspace.delete({ path: '/Users/me/project' }))).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});

describe('workspace-files/import-file (bundle deploy uploads)', () => {
  it('writes the raw body at the path and refuses to replace it without overwrite=true', async () => {
    const up = (q: string, body: string) =>
      fetch(`${srv.base}/api/2.0/workspace-files/import-file/Users/me/.bundle/files/run.py${q}`, { method: 'POST', headers: { authorization: `Bearer ${h.adminToken}` }, body });
    expect((await up('', 'print(1)\n')).status).toBe(200);
    expect(readFileSync(join(h.dir, 'Users/me/.bundle/files/run.py'), 'utf8')).toBe('print(1)\n');
    expect((await w.workspace.getStatus({ path: '/Users/me/.bundle/files/run.py' })).object_type).toBe('FILE');
    const again = await up('', 'print(2)\n');
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error_code: string }).error_code).toBe('RESOURCE_ALREADY_EXISTS');
    expect((await up('?overwrite=true', 'print(2)\n')).status).toBe(200);
    expect(readFileSync(join(h.dir, 'Users/me/.bundle/files/run.py'), 'utf8')).toBe('print(2)\n');
    const escape = await fetch(`${srv.base}/api/2.0/workspace-files/import-file/..%2F..%2Fescape.py`, { method: 'POST', headers: { authorization: `Bearer ${h.adminToken}` }, body: 'x' });
    expect(escape.status).toBe(400);
  });
});

describe('Workspace API path safety', () => {
  it('refuses .. escapes, relative paths and a file in the way of mkdirs, with clear errors', async () => {
    for (const path of ['/Users/../../etc/passwd', '/Users/me/..', 'relative/path', '/a/./b']) {
      const r = await callApi(srv.base, 'GET', `/api/2.0/workspace/get-status?path=${encodeURIComponent(path)}`, { token: h.adminToken });
      expect(r.status, path).toBe(400);
      expect(r.body.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(r.body.message).toMatch(/path: .*absolute workspace path/);
    }
    const imp = await callApi(srv.base, 'POST', '/api/2.0/workspace/import', { token: h.adminToken, body: { path: '/../escape.py', format: 'AUTO', content: b64('x') } });
    expect(imp.status).toBe(400);
    expect(existsSync(join(h.dir, '..', 'escape.py'))).toBe(false);
    await w.workspace.import({ path: '/f.txt', format: 'AUTO', content: b64('x') });
    expect(await codeOf(w.workspace.mkdirs({ path: '/f.txt/sub' }))).toBe('RESOURCE_ALREADY_EXISTS');
  });

  it('needs a token like every other API', async () => {
    expect((await callApi(srv.base, 'GET', '/api/2.0/workspace/list?path=/')).status).toBe(401);
  });
});
