import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { parseJobSettings } from '../src/domain/parse-job-settings.js';
import { WeirError } from '../src/domain/weir-error.js';
import { startWeir } from '../src/main.js';
import { openStore } from '../src/store/open-store.js';
import { isPostgresUrl, parsePostgresUrl } from '../src/store/postgres/postgres-url.js';
import { callApi } from './support/api-server.js';
import { postgresSkipReason, usePostgresDatabase } from './support/store-fixtures.js';

const ROOT = join(import.meta.dirname, '..');

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'weir-pg-compose-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(WeirError);
    return { code: (e as WeirError).code, message: (e as WeirError).message };
  }
  throw new Error('expected a WeirError');
}

describe('store selection', () => {
  test('the default store is SQLite in the data folder; --store and WEIR_STORE choose another', () => {
    const dir = tempDir();
    expect(loadConfig({ dataDir: dir }, {}).store).toBe(join(dir, 'weir.sqlite'));
    expect(loadConfig({ dataDir: dir }, { WEIR_STORE: 'postgres://u@h/db' }).store).toBe('postgres://u@h/db');
    expect(loadConfig({ dataDir: dir, store: 'postgresql://a@b/c' }, { WEIR_STORE: 'postgres://u@h/db' }).store).toBe('postgresql://a@b/c');
    expect(loadConfig({ dataDir: dir, store: 'rel/meta.sqlite' }, {}).store).toBe(join(process.cwd(), 'rel/meta.sqlite'));
  });

  test('postgres URLs are parsed with their schema, and shown without the password', () => {
    expect(isPostgresUrl('postgres://x@y/z')).toBe(true);
    expect(isPostgresUrl('/var/lib/weir.sqlite')).toBe(false);
    const t = parsePostgresUrl('postgres://weir:s3cret@db.internal:6543/meta?schema=team_a&sslmode=disable');
    expect(t.schema).toBe('team_a');
    expect(t.connectionString).toBe('postgres://weir:s3cret@db.internal:6543/meta?sslmode=disable');
    expect(t.display).not.toContain('s3cret');
    expect(t.display).toContain('db.internal:6543/meta');
  });

  test('bad store URLs fail with STORE.INVALID_URL naming the setting, without leaking the password', async () => {
    const noDb = await codeOf(openStore('postgres://u:pw@localhost'));
    expect(noDb.code).toBe('STORE.INVALID_URL');
    expect(noDb.message).toMatch(/names no database/);
    expect(noDb.message).toMatch(/WEIR_STORE/);
    expect(noDb.message).not.toContain(':pw@');
    expect((await codeOf(openStore('mysql://u@localhost/db'))).code).toBe('STORE.INVALID_URL');
    expect((await codeOf(openStore('postgres://u@localhost/db?schema=Bad-Name'))).message).toMatch(/schema "Bad-Name"/);
  });

  test('an unreachable server fails with STORE.UNAVAILABLE, saying where and how to fix', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const e = await codeOf(openStore('postgres://weir:hidden@127.0.0.1:1/weir'));
    expect(e.code).toBe('STORE.UNAVAILABLE');
    expect(e.message).toContain('127.0.0.1:1/weir');
    expect(e.message).not.toContain('hidden');
    expect(e.message).toMatch(/start PostgreSQL or fix --store/);
  });
});

describe.skipIf(!!postgresSkipReason)(`weir on PostgreSQL${postgresSkipReason ? ` (skipped: ${postgresSkipReason})` : ''}`, () => {
  const db = usePostgresDatabase();

  test('startWeir with a postgres:// store runs a job to SUCCESS and keeps its metadata in PostgreSQL', async () => {
    const dir = tempDir();
    const location = db.freshLocation();
    const weir = await startWeir(loadConfig({ dataDir: dir, store: location, slots: 2 }, {}));
    try {
      const settings = parseJobSettings({
        name: 'on-postgres',
        tasks: [
          { task_key: 'a', shell_task: { command: 'echo first' } },
          { task_key: 'b', depends_on: [{ task_key: 'a' }], shell_task: { command: 'echo second' } },
        ],
      });
      const jobId = await weir.store.createJob({ settings, creator_user_name: 'test', created_time: Date.now(), source_dir: dir });
      const started = await weir.runs.runNow(jobId);
      const run = await weir.executor.waitForRun(started.run_id);
      expect(run.result_state).toBe('SUCCESS');
      const tasks = await weir.store.listTaskRuns(run.run_id);
      expect(tasks.map((t) => [t.task_key, t.result_state])).toEqual([
        ['a', 'SUCCESS'],
        ['b', 'SUCCESS'],
      ]);
    } finally {
      await weir.close();
    }
    expect(existsSync(join(dir, 'weir.sqlite'))).toBe(false);
    // Read the rows back with a plain pg client: the run really lives in PostgreSQL, in the URL's schema.
    const t = parsePostgresUrl(location);
    const client = new pg.Client({ connectionString: t.connectionString });
    await client.connect();
    try {
      const r = await client.query(`select life_cycle_state, data from ${t.schema}.runs`);
      expect(r.rows).toHaveLength(1);
      expect(r.rows[0].life_cycle_state).toBe('TERMINATED');
      expect(JSON.parse(r.rows[0].data).result_state).toBe('SUCCESS');
    } finally {
      await client.end();
    }
  });

  test('a second server on the same PostgreSQL store is refused with STORE.LOCKED until the first one stops', async () => {
    const location = db.freshLocation();
    const first = await startWeir(loadConfig({ dataDir: tempDir(), store: location }, {}));
    let second: Awaited<ReturnType<typeof startWeir>> | undefined;
    try {
      const e = await codeOf(startWeir(loadConfig({ dataDir: tempDir(), store: location }, {})));
      expect(e.code).toBe('STORE.LOCKED');
      expect(e.message).toContain(`weir executor pid ${process.pid}`);
      expect(e.message).toMatch(/\?schema=/);
      // Another schema in the same database is another store: no conflict.
      second = await startWeir(loadConfig({ dataDir: tempDir(), store: db.freshLocation() }, {}));
    } finally {
      await second?.close();
      await first.close();
    }
    const again = await startWeir(loadConfig({ dataDir: tempDir(), store: location }, {}));
    await again.close();
  });

  test('`weir server --store postgres://…` serves the API on PostgreSQL: a job created over HTTP runs to SUCCESS', async () => {
    const dir = tempDir();
    const location = db.freshLocation();
    const args = ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'server', '--data-dir', dir, '--port', '0', '--store', location];
    const server = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WEIR_STORE: '' } });
    const exited = new Promise<number | null>((ok) => server.once('exit', (code) => ok(code)));
    try {
      const base = await new Promise<string>((ok, fail) => {
        let out = '';
        server.stdout!.on('data', (b) => {
          out += b;
          const m = /running at (http:\/\/\S+)/.exec(out);
          if (m) ok(m[1]!);
        });
        server.stderr!.on('data', (b) => (out += b));
        server.once('exit', () => fail(new Error(`weir server exited: ${out}`)));
      });
      const token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
      const job = { name: 'api-on-postgres', tasks: [{ task_key: 'hello', shell_task: { command: 'echo hello' } }] };
      const created = await callApi(base, 'POST', '/api/2.2/jobs/create', { token, body: job });
      expect(created.status).toBe(200);
      const started = await callApi(base, 'POST', '/api/2.2/jobs/run-now', { token, body: { job_id: created.body.job_id } });
      expect(started.status).toBe(200);
      let state: { life_cycle_state?: string; result_state?: string } = {};
      // Poll until the run is terminal (no time assertion: the test timeout bounds it).
      while (state.life_cycle_state !== 'TERMINATED' && state.life_cycle_state !== 'INTERNAL_ERROR') {
        const got = await callApi(base, 'GET', `/api/2.2/jobs/runs/get?run_id=${started.body.run_id}`, { token });
        expect(got.status).toBe(200);
        state = got.body.state;
        await new Promise((ok) => setTimeout(ok, 50));
      }
      expect(state.result_state).toBe('SUCCESS');
    } finally {
      server.kill('SIGTERM');
      await exited;
    }
    expect(existsSync(join(dir, 'weir.sqlite'))).toBe(false);
    const t = parsePostgresUrl(location);
    const client = new pg.Client({ connectionString: t.connectionString });
    await client.connect();
    try {
      const jobs = await client.query(`select name from ${t.schema}.jobs`);
      expect(jobs.rows.map((r) => r.name)).toEqual(['api-on-postgres']);
    } finally {
      await client.end();
    }
  }, 120_000);
});
