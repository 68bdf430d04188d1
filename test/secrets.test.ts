import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkspaceClient } from '@databricks/sdk-experimental';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWeirError } from '../src/domain/weir-error.js';
import { redactText } from '../src/secrets/redact-secrets.js';
import { SecretCipher } from '../src/secrets/secret-cipher.js';
import { loadSecretsKey } from '../src/secrets/secret-key.js';
import { resolveSecretReferences } from '../src/secrets/secret-references.js';
import { logPath } from '../src/executor/task-run-factory.js';
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

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => p.then(() => undefined, (e: { errorCode?: string }) => e.errorCode);

describe('SecretCipher and the secrets key', () => {
  const key = Buffer.alloc(32, 7);
  it('seals with a fresh IV per value and opens only with the same key and scope/key', () => {
    const c = new SecretCipher(key);
    const a = c.seal(Buffer.from('hunter2'), 's/k');
    const b = c.seal(Buffer.from('hunter2'), 's/k');
    expect(a).not.toBe(b);
    expect(a.split(':')[1]).not.toBe(b.split(':')[1]);
    expect(a).not.toContain(Buffer.from('hunter2').toString('base64'));
    expect(c.open(a, 's/k').toString()).toBe('hunter2');
    expect(() => c.open(a, 's/other')).toThrow(/cannot be decrypted/);
    expect(() => new SecretCipher(Buffer.alloc(32, 8)).open(a, 's/k')).toThrow(/cannot be decrypted/);
    const [v, iv, tag, body] = a.split(':');
    const flipped = Buffer.from(body!, 'base64');
    flipped[0] ^= 1;
    expect(() => c.open([v, iv, tag, flipped.toString('base64')].join(':'), 's/k')).toThrow(/cannot be decrypted/);
  });

  it('takes the key from WEIR_SECRETS_KEY, else creates <dataDir>/secrets.key with mode 0600 once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-key-'));
    try {
      const env = loadSecretsKey(dir, { WEIR_SECRETS_KEY: key.toString('base64') });
      expect(env.key.equals(key)).toBe(true);
      const first = loadSecretsKey(dir, {});
      expect(statSync(join(dir, 'secrets.key')).mode & 0o777).toBe(0o600);
      expect(loadSecretsKey(dir, {}).key.equals(first.key)).toBe(true);
      let err: unknown;
      try {
        loadSecretsKey(dir, { WEIR_SECRETS_KEY: 'c2hvcnQ=' });
      } catch (e) {
        err = e;
      }
      expect(isWeirError(err, 'SECRET.KEY')).toBe(true);
      expect((err as Error).message).toMatch(/WEIR_SECRETS_KEY.*32 bytes.*openssl rand -base64 32/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('resolveSecretReferences and redaction', () => {
  it('replaces every {{secrets/scope/key}} and rejects a missing one', async () => {
    const lookup = async (s: string, k: string) => {
      if (k === 'missing') throw new Error(`no ${s}/${k}`);
      return `<${s}.${k}>`;
    };
    expect(await resolveSecretReferences('a={{secrets/s1/k1}} b={{ secrets/s-2/k.2 }} c={{job.id}}', lookup)).toBe('a=<s1.k1> b=<s-2.k.2> c={{job.id}}');
    await expect(resolveSecretReferences('{{secrets/s/missing}}', lookup)).rejects.toThrow('no s/missing');
    expect(redactText('pw=abc abcd', ['abc', 'abcd'])).toBe('pw=[REDACTED] [REDACTED]');
  });
});

describe('Secrets API', () => {
  it('creates scopes, puts string and bytes values, lists keys without values and gets base64 values', async () => {
    await w.secrets.createScope({ scope: 'app' });
    expect(await codeOf(w.secrets.createScope({ scope: 'app' }))).toBe('RESOURCE_ALREADY_EXISTS');
    await w.secrets.putSecret({ scope: 'app', key: 'db.password', string_value: 's3cr3t-value' });
    await w.secrets.putSecret({ scope: 'app', key: 'blob', bytes_value: Buffer.from([0, 1, 2, 255]).toString('base64') });
    const scopes: string[] = [];
    for await (const s of w.secrets.listScopes()) scopes.push(`${s.name}:${s.backend_type}`);
    expect(scopes).toContain('app:DATABRICKS');
    const listed = await callApi(srv.base, 'GET', '/api/2.0/secrets/list?scope=app', { token: h.adminToken });
    expect(listed.body.secrets.map((s: { key: string }) => s.key)).toEqual(['blob', 'db.password']);
    expect(JSON.stringify(listed.body)).not.toContain('s3cr3t');
    expect(Object.keys(listed.body.secrets[0]).sort()).toEqual(['key', 'last_updated_timestamp']);
    const got = await w.secrets.getSecret({ scope: 'app', key: 'db.password' });
    expect(Buffer.from(got.value!, 'base64').toString()).toBe('s3cr3t-value');
    const blob = await callApi(srv.base, 'GET', '/api/2.0/secrets/get?scope=app&key=blob', { token: h.adminToken });
    expect(Buffer.from(blob.body.value, 'base64')).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('keeps values encrypted at rest', async () => {
    const rows = await h.store.kysely.selectFrom('secrets').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    const raw = readFileSync(join(h.dir, 'weir.sqlite'));
    expect(raw.includes(Buffer.from('s3cr3t-value'))).toBe(false);
    expect(JSON.stringify(rows)).not.toContain('s3cr3t');
  });

  it("answers Databricks' error codes for bad names, missing scopes and keys, and bad puts", async () => {
    expect(await codeOf(w.secrets.createScope({ scope: 'bad name!' }))).toBe('INVALID_PARAMETER_VALUE');
    expect(await codeOf(w.secrets.createScope({ scope: 'x'.repeat(129) }))).toBe('INVALID_PARAMETER_VALUE');
    expect(await codeOf(w.secrets.putSecret({ scope: 'nope', key: 'k', string_value: 'v' }))).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(await codeOf(w.secrets.getSecret({ scope: 'app', key: 'nope' }))).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(await codeOf(w.secrets.deleteSecret({ scope: 'app', key: 'nope' }))).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(await codeOf(w.secrets.deleteScope({ scope: 'nope' }))).toBe('RESOURCE_DOES_NOT_EXIST');
    const both = await callApi(srv.base, 'POST', '/api/2.0/secrets/put', { token: h.adminToken, body: { scope: 'app', key: 'k', string_value: 'a', bytes_value: 'YQ==' } });
    expect(both).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    const bad = await callApi(srv.base, 'POST', '/api/2.0/secrets/put', { token: h.adminToken, body: { scope: 'app', key: 'k', bytes_value: 'not base64!' } });
    expect(bad.status).toBe(400);
  });

  it('deletes a secret, then the scope with its secrets', async () => {
    await w.secrets.createScope({ scope: 'tmp' });
    await w.secrets.putSecret({ scope: 'tmp', key: 'a', string_value: '1' });
    await w.secrets.putSecret({ scope: 'tmp', key: 'b', string_value: '2' });
    await w.secrets.deleteSecret({ scope: 'tmp', key: 'a' });
    const keys: string[] = [];
    for await (const s of w.secrets.listSecrets({ scope: 'tmp' })) keys.push(s.key!);
    expect(keys).toEqual(['b']);
    await w.secrets.deleteScope({ scope: 'tmp' });
    expect(await codeOf(w.secrets.getSecret({ scope: 'tmp', key: 'b' }))).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(await h.store.kysely.selectFrom('secrets').selectAll().where('scope', '=', 'tmp').execute()).toEqual([]);
  });
});

describe('secrets in runs', () => {
  it('resolves {{secrets/…}} in task parameters at run time and redacts the value from outputs and logs', async () => {
    await h.secrets.createScope('run');
    await h.secrets.put('run', 'token', Buffer.from('tok-9f8e7d'));
    const job = await h.createJob({ name: 'uses-secret', tasks: [{ task_key: 't', shell_task: { command: 'echo "got $1"; echo "err $1" >&2; exit 3', parameters: ['{{secrets/run/token}}'] } }] });
    const { tasks } = await h.runJob(job);
    const tr = tasks.t!;
    expect(readFileSync(logPath(tr, 'stdout'), 'utf8')).toBe('got tok-9f8e7d\n'); // the task really received it
    expect(JSON.stringify(tr.resolved_values)).toContain('{{secrets/run/token}}');
    expect(JSON.stringify(await h.store.getTaskRun(tr.task_run_id))).not.toContain('tok-9f8e7d');
    const out = await callApi(srv.base, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${tr.task_run_id}`, { token: h.adminToken });
    expect(out.status).toBe(200);
    expect(out.body.logs).toBe('got [REDACTED]\n');
    expect(JSON.stringify(out.body)).not.toContain('tok-9f8e7d');
    const err = await callApi(srv.base, 'GET', `/api/2.2/jobs/runs/logs?run_id=${tr.task_run_id}&stream=stderr`, { token: h.adminToken });
    expect(err.body.content).toBe('err [REDACTED]\n');
  }, 60_000);

  it('fails the task with a clear error when a referenced secret is missing', async () => {
    const job = await h.createJob({ name: 'missing-secret', tasks: [{ task_key: 't', shell_task: { command: 'echo "$1"', parameters: ['{{secrets/run/absent}}'] } }] });
    const { tasks } = await h.runJob(job);
    expect(tasks.t!.result_state).toBe('FAILED');
    expect(tasks.t!.error).toMatch(/Secret absent does not exist in scope run/);
  }, 60_000);

  it('serves dbutils.secrets.get in notebooks and redacts printed and exit values', async () => {
    await h.secrets.put('run', 'api-key', Buffer.from('AKIA-SECRET-42'));
    writeFileSync(
      join(h.dir, 'secret_nb.py'),
      '# Databricks notebook source\nv = dbutils.secrets.get("run", "api-key")\nprint("key is", v)\nassert dbutils.secrets.getBytes("run", "api-key") == b"AKIA-SECRET-42"\ndbutils.notebook.exit("exit:" + v)\n',
    );
    const job = await h.createJob({ name: 'nb-secret', tasks: [{ task_key: 'nb', notebook_task: { notebook_path: 'secret_nb' } }] });
    const { tasks } = await h.runJob(job);
    const tr = tasks.nb!;
    expect(tr.result_state).toBe('SUCCESS');
    const out = await callApi(srv.base, 'GET', `/api/2.2/jobs/runs/get-output?run_id=${tr.task_run_id}`, { token: h.adminToken });
    expect(out.body.notebook_output.result).toBe('exit:[REDACTED]');
    expect(out.body.logs).toContain('key is [REDACTED]');
    expect(JSON.stringify(out.body)).not.toContain('AKIA-SECRET-42');
    const run = await callApi(srv.base, 'GET', `/api/2.2/jobs/runs/get?run_id=${tr.run_id}`, { token: h.adminToken });
    expect(JSON.stringify(run.body)).not.toContain('AKIA-SECRET-42');
  }, 60_000);
});
