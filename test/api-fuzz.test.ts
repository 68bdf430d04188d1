import { serve, type ServerType } from '@hono/node-server';
import fc from 'fast-check';
import { sql } from 'kysely';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp } from '../src/api/app.js';
import { MAX_BODY_BYTES } from '../src/api/params.js';
import { loadConfig } from '../src/config/config.js';
import { startWeir, type Weir } from '../src/main.js';
import { callApi } from './support/api-server.js';

// Random and mutated requests against the whole API of a real `startWeir` (every role wired, as `weir server`
// does) over real HTTP: no 5xx, no crash, and a rejected request changes nothing in the store.
let weir: Weir;
let server: ServerType;
let base = '';
let token = '';
let dir = '';
let jobId = 0;
let runId = 0;
let pipelineId = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-fuzz-'));
  weir = await startWeir(loadConfig({ dataDir: dir, port: 0, slots: 2 }, {}));
  const app = createApiApp({
    store: weir.store, runs: weir.runs, executor: weir.executor, workspaceDir: weir.config.workspaceDir, baseUrl: () => base,
    tokens: weir.tokens, secrets: weir.secrets, servicePrincipals: weir.servicePrincipals, scheduler: weir.scheduler,
    backfills: weir.backfills, pipelines: weir.pipelines, notifications: weir.notifications,
  });
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((ok) => (server.listening ? ok() : server.once('listening', () => ok())));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
  const job = await callApi(base, 'POST', '/api/2.2/jobs/create', { token, body: { name: 'fuzz-target', tasks: [{ task_key: 't', shell_task: { command: 'true' } }] } });
  jobId = job.body.job_id;
  runId = (await callApi(base, 'POST', '/api/2.2/jobs/run-now', { token, body: { job_id: jobId } })).body.run_id;
  await weir.executor.waitForRun(runId);
  await callApi(base, 'POST', '/api/2.0/secrets/scopes/create', { token, body: { scope: 'fz' } });
  await callApi(base, 'POST', '/api/2.0/secrets/put', { token, body: { scope: 'fz', key: 'k', string_value: 'v' } });
  const p = await callApi(base, 'POST', '/api/2.0/pipelines', { token, body: { name: 'fuzz-pipe', libraries: [] } });
  pipelineId = p.body.pipeline_id ?? 'none';
}, 60_000);
afterAll(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
  await weir.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Counts and a fingerprint of everything a request could create, change or delete. */
async function snapshot(): Promise<string> {
  const q = sql<Record<string, unknown>>`select
    (select count(*) from jobs) as jobs, (select coalesce(sum(length(data)), 0) from jobs) as job_bytes,
    (select count(*) from runs) as runs, (select count(*) from secret_scopes) as scopes,
    (select count(*) from secrets) as secrets, (select count(*) from pipelines) as pipelines,
    (select count(*) from pipeline_updates) as updates, (select count(*) from tokens) as tokens,
    (select count(*) from service_principals) as sps, (select count(*) from oauth_secrets) as sp_secrets,
    (select count(*) from notification_destinations) as destinations, (select count(*) from backfills) as backfills`;
  return JSON.stringify((await q.execute(weir.store.kysely)).rows[0]);
}

const ROUTES = [
  'jobs/create', 'jobs/get', 'jobs/list', 'jobs/update', 'jobs/reset', 'jobs/delete', 'jobs/run-now', 'jobs/runs/submit',
  'jobs/runs/get', 'jobs/runs/list', 'jobs/runs/cancel', 'jobs/runs/cancel-all', 'jobs/runs/get-output', 'jobs/runs/repair',
  'jobs/runs/delete', 'jobs/runs/export', 'jobs/runs/logs', 'jobs/runs/notifications', 'jobs/schedule/next', 'jobs/backfill',
  'jobs/backfills/get', 'jobs/backfills/cancel',
];
const V20 = [
  'secrets/scopes/create', 'secrets/scopes/list', 'secrets/scopes/delete', 'secrets/put', 'secrets/get', 'secrets/list',
  'secrets/delete', 'token/create', 'token/list', 'token/delete', 'workspace/get-status', 'workspace/list', 'workspace/mkdirs',
  'workspace/import', 'workspace/export', 'workspace/delete', 'workspace-files/import-file/x/y.py', 'pipelines', 'pipelines/PID',
  'pipelines/PID/updates', 'pipelines/PID/updates/u1', 'pipelines/PID/events', 'pipelines/PID/stop', 'preview/scim/v2/Me',
  'preview/scim/v2/ServicePrincipals', 'preview/scim/v2/ServicePrincipals/1', 'accounts/servicePrincipals/1/credentials/secrets',
  'notification-destinations', 'notification-destinations/d1',
];
const OTHER = ['/health', '/api/openapi.json', '/.well-known/databricks-config', '/oidc/.well-known/oauth-authorization-server', '/oidc/v1/token', '/login', '/', '/api', '/api/2.3/jobs/list', '/api/2.2/nope'];
const KEYS = ['job_id', 'run_id', 'name', 'tasks', 'task_key', 'job_parameters', 'notebook_params', 'python_params', 'limit', 'offset', 'page_token', 'expand_tasks', 'active_only', 'scope', 'key', 'string_value', 'path', 'content', 'format', 'overwrite', 'lifetime_seconds', 'token_id', 'new_settings', 'fields_to_remove', 'rerun_tasks', 'rerun_all_failed_tasks', 'latest_repair_id', 'idempotency_token', 'run_name', 'libraries', 'configuration', 'max_results', 'filter', 'include_history', 'stream', 'displayName', 'start_time', 'end_time', 'queue', 'schedule'];

const weirdString = fc.oneof(
  fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('', ' ', 'True', 'False', 'null', '-1', '0', '1e309', '99999999999999999999999', '9007199254740993', 'NaN', '../../etc/passwd', '/', '\u0000', '🦆', '{{secrets/fz/k}}', "'; drop table jobs; --"),
);
const weirdNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 1, 2 ** 53, 2 ** 63, 1e308, -0, Number.MAX_SAFE_INTEGER));
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, weirdString, weirdNumber, fc.boolean(), fc.constant(null), fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string()), tie('v'), { maxKeys: 4 })),
})).v;
const idLike = () => fc.oneof(fc.constant(jobId), fc.constant(runId), fc.constant(String(runId)), weirdNumber, weirdString);

/** Valid bodies with one field replaced, removed or duplicated into the wrong type. */
const validBodies = (): Record<string, unknown>[] => [
  { name: 'x', tasks: [{ task_key: 'a', shell_task: { command: 'true' } }] },
  { job_id: jobId, job_parameters: { p: 'v' } },
  { run_name: 'r', tasks: [{ task_key: 'a', shell_task: { command: 'true' } }] },
  { job_id: jobId, new_settings: { name: 'renamed' } },
  { run_id: runId, rerun_all_failed_tasks: true },
  { scope: 'fz', key: 'k2', string_value: 's' },
  { path: '/Shared/f.py', content: Buffer.from('print(1)').toString('base64'), format: 'SOURCE', language: 'PYTHON' },
  { name: 'p2', libraries: [{ file: { path: 'x.sql' } }] },
  { lifetime_seconds: 60, comment: 'c' },
  { display_name: 'd', config: { email: { addresses: ['a@b.c'] } } },
];
const mutatedBody = fc.tuple(fc.nat(), fc.constantFrom('replace', 'drop', 'add'), fc.constantFrom(...KEYS), value).map(([i, op, k, v]) => {
  const bodies = validBodies();
  const b: Record<string, unknown> = { ...bodies[i % bodies.length] };
  const keys = Object.keys(b);
  if (op === 'drop' && keys.length) delete b[keys[i % keys.length]];
  else if (op === 'replace' && keys.length) b[keys[i % keys.length]] = v;
  else b[k] = v;
  return JSON.stringify(b);
});
const body = fc.oneof(
  fc.constant(undefined), mutatedBody, mutatedBody, value.map((v) => JSON.stringify(v)),
  fc.constantFrom('{', '[]', 'null', '"x"', '{"a":}', '\uFFFF', '{"job_id": 1e999}', `{"tasks": ${'['.repeat(2000)}${']'.repeat(2000)}}`),
  fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 6 }).map((d) => JSON.stringify(d)),
);
const path = () => fc.oneof(
  fc.tuple(fc.constantFrom('2.0', '2.1', '2.2'), fc.constantFrom(...ROUTES)).map(([v, r]) => `/api/${v}/${r}`),
  fc.constantFrom(...V20).map((r) => `/api/2.0/${r.replace('PID', pipelineId)}`),
  fc.constantFrom(...OTHER),
  fc.tuple(fc.constantFrom(...ROUTES, ...V20), fc.string({ unit: 'grapheme', maxLength: 12 })).map(([r, s]) => `/api/2.0/${r}/${encodeURIComponent(s)}`),
  fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('..', '%2e%2e', '%00', '//')), { maxLength: 5 }).map((segs) => `/api/2.1/${segs.map(encodeURIComponent).join('/')}`),
);
const query = fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 })), fc.oneof(weirdString, idLike().map(String)), { maxKeys: 4 })
  .map((d) => new URLSearchParams(d as Record<string, string>).toString());
const auth = fc.oneof(
  { weight: 8, arbitrary: fc.constant('admin') },
  { weight: 1, arbitrary: fc.oneof(fc.constant(undefined), fc.string().map((s) => `Bearer ${s}`), fc.constantFrom('Basic Zm9vOmJhcg==', 'Bearer', 'bearer dapi0000', `Bearer ${'x'.repeat(5000)}`)) },
);
/** One generated request; `auth` is 'admin' for the admin token, else the raw Authorization header. */
interface Spec { method: string; path: string; query: string; body: string | undefined; auth: string | undefined; contentType: string | undefined }
const requestSpec = (): fc.Arbitrary<Spec> => fc.record({
  method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
  path: path(), query, body, auth, contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', undefined),
});


/** Sends one request with node:http (which, unlike fetch, can send a GET body, as Airflow's deferrable mode does). */
function send(s: Spec): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  if (s.auth === 'admin') headers.authorization = `Bearer ${token}`;
  else if (s.auth !== undefined) headers.authorization = s.auth;
  if (s.contentType) headers['content-type'] = s.contentType;
  const data = s.body === undefined ? undefined : Buffer.from(s.body, 'utf8');
  if (data) headers['content-length'] = String(data.length);
  const url = new URL(base + s.path + (s.query ? `?${s.query}` : ''));
  return new Promise((ok, fail) => {
    const req = httpRequest(url, { method: s.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(data);
  });
}

/** Sends a `size`-byte body with curl (a real client that reads an early answer), by content-length or chunked. */
async function curlBig(method: string, path: string, size: number, chunked: boolean): Promise<{ status: number; text: string }> {
  const file = join(dir, 'big-body.json');
  if (!existsSync(file)) writeFileSync(file, `{"name": "${'x'.repeat(size)}"}`);
  const args = ['-s', '-X', method, '-H', `Authorization: Bearer ${token}`, '-H', 'Content-Type: application/json', '--data-binary', `@${file}`, '-w', '\n%{http_code}', base + path];
  if (chunked) args.splice(1, 0, '-H', 'Transfer-Encoding: chunked');
  // Asynchronously: the server answering it runs in this process.
  const r = await promisify(execFile)('curl', args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  const lines = r.stdout.trimEnd().split('\n');
  return { status: Number(lines.pop()), text: lines.join('\n') };
}

describe('API fuzzing', () => {
  it('answers 10,000 random and mutated requests without a 5xx, and rejected ones change nothing', async () => {
    const specs = fc.sample(requestSpec(), { numRuns: 10_000, seed: 20261129 });
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    let before = await snapshot();
    for (const s of specs) {
      let res: { status: number; text: string };
      try {
        res = await send(s);
      } catch (e) {
        failures.push(`${s.method} ${s.path}: transport error ${(e as Error).message}`);
        continue;
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const after = await snapshot();
      if (res.status >= 500) failures.push(`${s.method} ${s.path}?${s.query} ${s.body?.slice(0, 200)} -> ${res.status} ${res.text.slice(0, 300)}`);
      if (res.status >= 400 && after !== before) failures.push(`rejected ${s.method} ${s.path} (${res.status}) changed the store: ${before} -> ${after}`);
      if (res.status >= 400 && s.method !== 'HEAD' && s.path.startsWith('/api/')) {
        const b = JSON.parse(res.text) as Record<string, unknown>;
        if (typeof b.error_code !== 'string' || typeof b.message !== 'string') failures.push(`${s.method} ${s.path} -> ${res.status} without {error_code, message}: ${res.text.slice(0, 200)}`);
      }
      before = after;
    }
    expect(failures.slice(0, 20)).toEqual([]);
    // The sample exercises both sides: accepted requests and each kind of rejection.
    expect([...statuses.keys()]).toEqual(expect.arrayContaining([200, 400, 401, 404]));
    expect((await callApi(base, 'GET', '/health')).status).toBe(200);
  }, 120_000);

  it('answers 413 with {error_code, message} to a body over 32 MiB, on POST and on a GET with a body', async () => {
    const before = await snapshot();
    const size = MAX_BODY_BYTES + 1024;
    for (const [method, path, chunked] of [['POST', '/api/2.2/jobs/create', false], ['POST', '/api/2.2/jobs/create', true], ['GET', '/api/2.2/jobs/runs/get', false], ['GET', '/api/2.2/jobs/runs/get', true]] as const) {
      const res = await curlBig(method, path, size, chunked);
      expect(res.status, `${method} ${path} chunked=${chunked}`).toBe(413);
      expect(JSON.parse(res.text)).toEqual({ error_code: 'REQUEST_ENTITY_TOO_LARGE', message: expect.stringMatching(/exceeds the limit of 33554432 bytes \(32 MiB\)/) });
    }
    expect(await snapshot()).toBe(before);
    expect((await callApi(base, 'GET', '/api/2.2/jobs/list', { token })).status).toBe(200);
  }, 60_000);
});

describe('OpenAPI document', () => {
  it('serves /api/openapi.json (with a token) as OpenAPI 3.1.0 built from the zod schemas', async () => {
    expect((await callApi(base, 'GET', '/api/openapi.json')).status).toBe(401);
    const r = await fetch(`${base}/api/openapi.json`, { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    const doc = JSON.parse(await r.text());
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: base }]);
    const paths = Object.keys(doc.paths);
    for (const p of ['/api/2.2/jobs/create', '/api/2.1/jobs/runs/get', '/api/2.0/pipelines/{pipeline_id}', '/api/2.0/secrets/put', '/api/2.0/token/create', '/api/2.0/workspace/import']) expect(paths).toContain(p);
    // Schemas come from the handlers' zod schemas: run-now's job_id accepts a number or a numeric string.
    const runNow = doc.paths['/api/2.2/jobs/run-now'].post.requestBody.content['application/json'].schema;
    expect(runNow.required).toContain('job_id');
    expect(JSON.stringify(runNow.properties.job_id)).toMatch(/integer|number/);
    const runsGet = doc.paths['/api/2.2/jobs/runs/get'].get.parameters;
    expect(runsGet).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'run_id', in: 'query', required: true })]));
    expect(doc.paths['/api/2.0/jobs/create'].post.requestBody.content['application/json'].schema.properties.tasks).toBeDefined();
  });

  it('every documented operation answers at its path and method (never ENDPOINT_NOT_FOUND or 405)', async () => {
    const doc = (await callApi(base, 'GET', '/api/openapi.json', { token })).body;
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      const concrete = path.replace('{pipeline_id}', pipelineId).replace('{update_id}', 'no-such-update');
      for (const method of Object.keys(ops)) {
        // An empty JSON object: enough to reach the handler, which then answers 200 or a 4xx about the parameters.
        const res = await callApi(base, method.toUpperCase(), concrete, { token, body: method === 'get' || method === 'delete' ? undefined : {} });
        expect(res.status, `${method} ${path}`).not.toBe(405);
        expect(res.status, `${method} ${path}`).toBeLessThan(500);
        expect(res.body?.error_code, `${method} ${path}`).not.toBe('ENDPOINT_NOT_FOUND');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(70);
  }, 60_000);
});

