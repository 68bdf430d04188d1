import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'weir-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the real `weir` CLI (from source) as a child process. */
function weir(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('weir run FILE', () => {
  it('runs the example ETL job end to end and exits 0', () => {
    const r = weir(['run', 'examples/daily_sales.job.yml', '--data-dir', join(dir, 'ex')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/✓ transform SUCCESS/);
    expect(r.out).toMatch(/✓ region_summary\[2\] SUCCESS/);
    expect(r.out).toMatch(/– alert_bad_data EXCLUDED.*condition task quality_gate had outcome true/);
    expect(r.out).toMatch(/✓ report SUCCESS/);
    expect(r.out).toMatch(/run \d+ SUCCESS in/);
  });

  it('exits 1 when the job fails, naming the failed task and its error', () => {
    const f = join(dir, 'fail.yml');
    writeFileSync(f, 'name: fails\ntasks:\n  - task_key: boom\n    shell_task:\n      command: echo broken >&2; exit 4\n');
    const r = weir(['run', f, '--data-dir', join(dir, 'fail')]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/✗ boom FAILED.*exited with code 4/);
    expect(r.out).toMatch(/run \d+ FAILED/);
  });

  it('exits 2 with file:line and the field path for an invalid job file', () => {
    const f = join(dir, 'bad.yml');
    writeFileSync(f, 'name: bad\ntasks:\n  - task_key: a\n    max_retries: lots\n    shell_task:\n      command: "true"\n');
    const r = weir(['run', f, '--data-dir', join(dir, 'bad')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${f}:4: tasks[0].max_retries:`);
  });

  it('names the cycle in a job file', () => {
    const f = join(dir, 'cycle.yml');
    writeFileSync(f, 'tasks:\n  - task_key: a\n    depends_on: [{task_key: b}]\n    shell_task: {command: "true"}\n  - task_key: b\n    depends_on: [{task_key: a}]\n    shell_task: {command: "true"}\n');
    const r = weir(['run', f, '--data-dir', join(dir, 'cyc')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cycle: (a -> b -> a|b -> a -> b)/);
  });
});

describe('weir server with the jobs and runs commands', () => {
  it('creates a job from a file, runs it, follows its logs and repairs it', async () => {
    const server = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'server', '--data-dir', join(dir, 'srv'), '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((ok, fail) => {
        let out = '';
        server.stdout!.on('data', (b) => {
          out += b;
          const m = /running at (http:\/\/\S+)/.exec(out);
          if (m) ok(m[1]);
        });
        server.once('exit', () => fail(new Error(out)));
      });
      const env = { WEIR_URL: url, WEIR_DATA_DIR: join(dir, 'srv') }; // the CLI reads the server's admin-token there
      const flag = join(dir, 'flag');
      const f = join(dir, 'job.yml');
      writeFileSync(f, `name: cli-job\ntasks:\n  - task_key: hello\n    shell_task: {command: "echo hello from weir"}\n  - task_key: check\n    depends_on: [{task_key: hello}]\n    shell_task: {command: "test -f ${flag}"}\n`);
      const created = weir(['jobs', 'create', f], env);
      expect(created.code).toBe(0);
      const jobId = JSON.parse(created.out).job_id as number;
      expect(weir(['jobs', 'list'], env).out).toContain(`${jobId}\tcli-job`);
      const started = weir(['jobs', 'run-now', String(jobId)], env);
      const runId = JSON.parse(started.out).run_id as number;
      const logs = weir(['runs', 'logs', String(runId), '--follow'], env);
      expect(logs.out).toContain('[hello] hello from weir');
      const got = JSON.parse(weir(['runs', 'get', String(runId)], env).out);
      expect(got.state.result_state).toBe('FAILED');
      writeFileSync(flag, '');
      expect(weir(['runs', 'repair', String(runId), '--all-failed'], env).code).toBe(0);
      const deadline = Date.now() + 20_000;
      let state = '';
      while (Date.now() < deadline && state !== 'SUCCESS') {
        state = JSON.parse(weir(['runs', 'get', String(runId)], env).out).state.result_state ?? '';
      }
      expect(state).toBe('SUCCESS');
      expect(weir(['runs', 'list', '--job-id', String(jobId)], env).out).toMatch(new RegExp(`^${runId}\\t${jobId}\\tSUCCESS`, 'm'));
      // Every API area is wired into the real server (a missing dependency answers 501).
      const token = readFileSync(join(dir, 'srv', 'admin-token'), 'utf8').trim();
      for (const path of ['/api/2.1/unity-catalog/catalogs', '/api/2.0/clusters/list', '/api/2.0/policies/clusters/list', '/api/2.2/weir/operations/summary', '/api/2.0/pipelines']) {
        const res = await fetch(url + path, { headers: { authorization: `Bearer ${token}` } });
        expect(`${path} ${res.status}`).toBe(`${path} 200`);
      }
      const lineage = await fetch(`${url}/api/2.0/lineage-tracking/table-lineage?table_name=main.default.nope`, { headers: { authorization: `Bearer ${token}` } });
      expect([lineage.status, ((await lineage.json()) as { error_code?: string }).error_code]).toEqual([404, 'TABLE_DOES_NOT_EXIST']);
    } finally {
      server.kill('SIGTERM');
    }
  }, 120_000);
});

describe('weir run and Ctrl-C', () => {
  it('cancels the run on SIGINT: its processes die and the command exits 1 with the run CANCELED', async () => {
    const f = join(dir, 'long.yml');
    const pidFile = join(dir, 'long.pid');
    writeFileSync(f, `name: long\ntasks:\n  - task_key: wait\n    shell_task: {command: "echo $$ > ${pidFile}; sleep 30"}\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'run', f, '--data-dir', join(dir, 'long')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (b) => (out += b));
    const deadline = Date.now() + 20_000;
    // The task is RUNNING in the store before its process starts; wait for the process itself.
    while (!(existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((ok) => child.once('exit', ok));
    expect(code).toBe(1);
    expect(out).toMatch(/wait CANCELED/);
    expect(out).toMatch(/run \d+ CANCELED/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    // Gone, or a zombie waiting for the container's init to reap it.
    let state = 'gone';
    try {
      state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^\d+ \(.*\) /, '')[0];
    } catch {
      state = 'gone';
    }
    expect(['gone', 'Z']).toContain(state);
  }, 60_000);
});
