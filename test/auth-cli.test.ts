import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'weir-auth-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the real `weir` CLI; the environment is explicit so no token leaks in from the caller's shell. */
function weir(args: string[], env: Record<string, string>, input?: string) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(WEIR_|DATABRICKS_)/.test(k)));
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...clean, ...env },
    input,
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

it('bootstraps an admin token that the CLI finds, and manages tokens and secrets from the command line', async () => {
  const data = join(dir, 'data');
  const server = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'server', '--data-dir', data, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const out = await new Promise<string>((ok, fail) => {
      let text = '';
      server.stdout!.on('data', (b) => {
        text += b;
        if (/try: curl/.test(text)) ok(text);
      });
      server.once('exit', () => fail(new Error(text)));
    });
    const url = /running at (http:\/\/\S+)/.exec(out)![1]!;
    expect(out).toContain(`created the admin token in ${join(data, 'admin-token')}`);
    expect(statSync(join(data, 'admin-token')).mode & 0o777).toBe(0o600);
    expect(statSync(join(data, 'secrets.key')).mode & 0o777).toBe(0o600);

    const denied = weir(['jobs', 'list'], { WEIR_URL: url, WEIR_DATA_DIR: join(dir, 'elsewhere') });
    expect(denied.code).toBe(2);
    expect(denied.err).toMatch(/UNAUTHENTICATED: Missing credentials/);

    const env = { WEIR_URL: url, WEIR_DATA_DIR: data };
    const created = weir(['token', 'create', '--comment', 'from-cli', '--lifetime', '600'], env);
    expect(created.code).toBe(0);
    const token = created.out.trim();
    expect(token).toMatch(/^dapi[0-9a-f]{32}$/);
    const listed = weir(['token', 'list'], { WEIR_URL: url, WEIR_TOKEN: token });
    expect(listed.out).toMatch(/from-cli/);
    expect(listed.out).toMatch(/weir admin \(created on first start\)/);

    expect(weir(['secrets', 'create-scope', 'etl'], env).code).toBe(0);
    expect(weir(['secrets', 'put', 'etl', 'db-pass'], env, 'pa55-from-stdin').code).toBe(0);
    expect(weir(['secrets', 'list'], env).out).toBe('etl\tDATABRICKS\n');
    const keys = weir(['secrets', 'list', 'etl'], env);
    expect(keys.out).toMatch(/^db-pass\t\d{4}-/);
    expect(keys.out).not.toContain('pa55');
    const dup = weir(['secrets', 'create-scope', 'etl'], env);
    expect(dup.code).toBe(2);
    expect(dup.err).toMatch(/RESOURCE_ALREADY_EXISTS: Scope etl already exists/);
    expect(weir(['secrets', 'delete', 'etl', 'db-pass'], env).code).toBe(0);
    expect(weir(['secrets', 'list', 'etl'], env).out).toBe('');
    expect(readFileSync(join(data, 'admin-token'), 'utf8')).not.toBe(token);

    const sp = weir(['service-principal', 'create', 'airflow'], env);
    expect(sp.code).toBe(0);
    const creds = Object.fromEntries(sp.out.trim().split('\n').map((l) => l.split('=') as [string, string]));
    expect(creds.DATABRICKS_CLIENT_SECRET).toMatch(/^dose[0-9a-f]{64}$/);
    const tokenRes = await fetch(`${url}/oidc/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: creds.DATABRICKS_CLIENT_ID!, client_secret: creds.DATABRICKS_CLIENT_SECRET! }).toString(),
    });
    expect(tokenRes.status).toBe(200);
    expect(weir(['service-principal', 'list'], env).out).toMatch(new RegExp(`\\t${creds.DATABRICKS_CLIENT_ID}\\tairflow`));
  } finally {
    server.kill('SIGTERM');
  }
}, 120_000);
