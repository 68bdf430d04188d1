import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpsGet, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi } from './support/api-server.js';

// examples/rest/trigger-and-wait.sh (bash + curl) and trigger_and_wait.py (python3, standard library) against a
// live `weir server` child process: they trigger a job with parameters, poll its run and exit with its outcome.
const ROOT = join(import.meta.dirname, '..');
let server: ChildProcess;
let dir = '';
let base = '';
let token = '';
let okJob = 0;
let failJob = 0;
/** Starts `weir server` on `dataDir` with extra flags; resolves with the child and the address it prints. */
async function startWeirServer(dataDir: string, flags: string[] = []): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'server', '--data-dir', dataDir, '--port', '0', ...flags], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((ok, fail) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /weir is running at (https?:\/\/\S+)/.exec(out);
      if (m) ok(m[1]);
    });
    child.once('exit', (code) => fail(new Error(`weir server exited ${code}: ${out}`)));
  });
  return { child, base: url };
}

async function stopWeirServer(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await new Promise((ok) => (child.exitCode !== null ? ok(null) : child.once('exit', ok)));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-rest-'));
  ({ child: server, base } = await startWeirServer(dir));
  token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
  const create = async (name: string, command: string) =>
    (await callApi(base, 'POST', '/api/2.2/jobs/create', { token, body: { name, parameters: [{ name: 'who', default: 'nobody' }], tasks: [{ task_key: 'main', shell_task: { command } }] } })).body.job_id as number;
  okJob = await create('rest-ok', 'echo "hello {{job.parameters.who}}"; test "{{job.parameters.who}}" = "rest client/ü"');
  failJob = await create('rest-fail', 'echo broken >&2; exit 4');
}, 60_000);
afterAll(async () => {
  await stopWeirServer(server);
  rmSync(dir, { recursive: true, force: true });
});

const SCRIPTS = {
  'curl (trigger-and-wait.sh)': ['bash', join(ROOT, 'examples/rest/trigger-and-wait.sh')],
  'python3 (trigger_and_wait.py)': ['python3', join(ROOT, 'examples/rest/trigger_and_wait.py')],
} as const;

/** Runs a script; resolves with its exit code and output (a non-zero exit is a result here, not an error). */
async function runScript(cmd: readonly string[], args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(cmd[0], [cmd[1], ...args], { env: { PATH: process.env.PATH ?? '', POLL_SECONDS: '0.2', ...env }, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

for (const [name, cmd] of Object.entries(SCRIPTS)) {
  describe(`examples/rest with ${name}`, () => {
    it('triggers a job with a parameter, waits, prints the final state and exits 0 on success', async () => {
      const r = await runScript(cmd, [String(okJob), 'who=rest client/ü'], { WEIR_URL: base, WEIR_TOKEN: token });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^started run (\d+) of job \d+\n/);
      expect(r.stdout).toMatch(/run \d+ ended: TERMINATED SUCCESS/);
      const runId = Number(/started run (\d+)/.exec(r.stdout)![1]);
      const run = await callApi(base, 'GET', `/api/2.2/jobs/runs/get?run_id=${runId}`, { token });
      expect(run.body.job_parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'who', value: 'rest client/ü' })]));
      expect(r.stdout).toContain(run.body.run_page_url);
    }, 60_000);

    it('exits non-zero and prints FAILED for a failing job, reading DATABRICKS_HOST and DATABRICKS_TOKEN', async () => {
      const r = await runScript(cmd, [String(failJob)], { DATABRICKS_HOST: base, DATABRICKS_TOKEN: token });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/run \d+ ended: TERMINATED FAILED/);
    }, 60_000);

    it('exits 2 with the API error on a bad token or an unknown job, and on missing settings', async () => {
      const bad = await runScript(cmd, [String(okJob)], { WEIR_URL: base, WEIR_TOKEN: 'dapi-wrong' });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/UNAUTHENTICATED|401/);
      const unknown = await runScript(cmd, ['987654'], { WEIR_URL: base, WEIR_TOKEN: token });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/Job 987654 does not exist/);
      expect((await runScript(cmd, [String(okJob)], {})).code).toBe(2);
    }, 60_000);
  });
}

describe('weir server --tls-cert --tls-key', () => {
  it('serves HTTPS with a certificate the clients trust, and both examples work over it', async () => {
    const tlsDir = join(dir, 'tls');
    mkdirSync(tlsDir);
    const cert = join(tlsDir, 'cert.pem');
    const key = join(tlsDir, 'key.pem');
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    const data = join(dir, 'tls-data');
    const tls = await startWeirServer(data, ['--tls-cert', cert, '--tls-key', key]);
    try {
      expect(tls.base).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const tlsToken = readFileSync(join(data, 'admin-token'), 'utf8').trim();
      // Node with the certificate as its CA: the job list answers over TLS.
      const ca = readFileSync(cert);
      const listed = await new Promise<{ status: number; body: string }>((ok, fail) => {
        httpsGet(`${tls.base}/api/2.2/jobs/list`, { ca, headers: { authorization: `Bearer ${tlsToken}` } }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
        }).on('error', fail);
      });
      expect(listed).toEqual({ status: 200, body: '{}' });
      // Without trusting the certificate the handshake is refused: it really is TLS with this certificate.
      await expect(fetch(`${tls.base}/health`)).rejects.toThrow();
      const jobId = await new Promise<number>((ok, fail) => {
        const req = httpsRequest(`${tls.base}/api/2.2/jobs/create`, { method: 'POST', ca, headers: { authorization: `Bearer ${tlsToken}`, 'content-type': 'application/json' } }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => ok(JSON.parse(body).job_id));
        });
        req.on('error', fail);
        req.end(JSON.stringify({ name: 'tls-job', tasks: [{ task_key: 'a', shell_task: { command: 'echo over tls' } }] }));
      });
      for (const cmd of Object.values(SCRIPTS)) {
        // curl reads its CA bundle from CURL_CA_BUNDLE, Python's ssl module from SSL_CERT_FILE.
        const r = await runScript(cmd, [String(jobId)], { WEIR_URL: tls.base, WEIR_TOKEN: tlsToken, CURL_CA_BUNDLE: cert, SSL_CERT_FILE: cert });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/TERMINATED SUCCESS/);
        expect(r.stdout).toContain(`${tls.base}/#job/${jobId}/run/`);
      }
    } finally {
      await stopWeirServer(tls.child);
    }
  }, 90_000);

  it('refuses --tls-cert without --tls-key, saying what to pass', async () => {
    const r = await runScript([process.execPath, '--import'], ['tsx', join(ROOT, 'src/cli/main.ts'), 'server', '--data-dir', join(dir, 'half-tls'), '--port', '0', '--tls-cert', join(dir, 'nope.pem')], {});
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/pass both --tls-cert and --tls-key/);
  }, 60_000);
});

