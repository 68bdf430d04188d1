import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { logPath } from '../src/executor/task-run-factory.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import type { TaskRunRecord } from '../src/store/records.js';

const ROOT = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'weir-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Deterministic pseudo-random numbers, so every CI run kills at the same offsets. */
function prng(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

function startServer(): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'server', '--data-dir', join(dir, 'data'), '--port', '0', '--slots', '4'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((ok, fail) => {
    let out = '';
    let err = '';
    proc.stdout!.on('data', (b) => {
      out += b;
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) ok({ proc, url: m[1] });
    });
    proc.stderr!.on('data', (b) => (err += b));
    proc.once('exit', (code) => fail(new Error(`server exited (${code}) before it was ready: ${out}${err}`)));
  });
}

async function api(url: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/api/2.2/${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${readFileSync(join(dir, 'data', 'admin-token'), 'utf8').trim()}` } });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(JSON.stringify(json));
  return json;
}

function kill(proc: ChildProcess): Promise<void> {
  return new Promise((ok) => {
    proc.once('exit', () => ok());
    proc.kill('SIGKILL');
  });
}

async function snapshot() {
  const store = await openSqliteStore(join(dir, 'data', 'weir.sqlite'));
  try {
    const { runs } = await store.listRuns({ offset: 0, limit: 100_000 });
    const tasks: TaskRunRecord[] = [];
    for (const r of runs) tasks.push(...(await store.listTaskRuns(r.run_id)));
    const logs = new Map<string, string>();
    for (const t of tasks) {
      const f = logPath(t, 'stdout');
      if (existsSync(f)) logs.set(f, readFileSync(f, 'utf8'));
    }
    return { runs, tasks, logs };
  } finally {
    await store.close();
  }
}

const MARK = join(dir, 'work.sh');

it('survives SIGKILL at 20 random points of a busy workload without losing or stranding anything', async () => {
  // Each task prints, works for a random short while, prints again; the script path marks our processes.
  writeFileSync(MARK, 'echo "start $1"; sleep "$2"; echo "end $1"\n');
  const task = (key: string, secs: string, deps: string[] = []) => ({
    task_key: key,
    depends_on: deps.map((d) => ({ task_key: d })),
    max_retries: 2,
    shell_task: { command: `sh ${MARK} ${key} ${secs}` },
  });
  const settings = {
    name: 'busy',
    max_concurrent_runs: 4,
    queue: { enabled: true },
    tasks: [task('a', '0.05'), task('b', '0.2', ['a']), task('c', '0.1', ['a']), task('d', '0.3', ['b', 'c']), task('e', '0.05', ['d'])],
  };
  const rand = prng(42);
  let { proc, url } = await startServer();
  const { job_id } = await api(url, 'jobs/create', settings);
  const lost = new Map<number, TaskRunRecord>();
  for (let cycle = 0; cycle < 20; cycle++) {
    for (let i = 0; i < 2; i++) await api(url, 'jobs/run-now', { job_id });
    await new Promise((r) => setTimeout(r, 50 + Math.floor(rand() * 700)));
    await kill(proc);
    const before = await snapshot();
    ({ proc, url } = await startServer());
    const after = await snapshot();
    // Nothing already written is lost: every run, attempt and log line is still there.
    expect(after.runs.length).toBeGreaterThanOrEqual(before.runs.length);
    const ids = new Set(after.tasks.map((t) => t.task_run_id));
    for (const t of before.tasks) expect(ids.has(t.task_run_id)).toBe(true);
    for (const [file, text] of before.logs) expect(readFileSync(file, 'utf8').startsWith(text)).toBe(true);
    // Nothing stays RUNNING without a live process once the server has reconciled.
    for (const t of after.tasks) {
      if (t.life_cycle_state === 'RUNNING' && t.pid !== null && before.tasks.some((b) => b.task_run_id === t.task_run_id && b.life_cycle_state === 'RUNNING')) {
        expect(before.tasks.find((b) => b.task_run_id === t.task_run_id)?.pid).not.toBe(t.pid);
      }
    }
    for (const t of after.tasks) if (t.state_message.startsWith('lost')) lost.set(t.task_run_id, t);
  }
  // Let everything finish, then check the final invariants.
  const deadline = Date.now() + 60_000;
  let final = await snapshot();
  while (final.runs.some((r) => !['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'].includes(r.life_cycle_state)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    final = await snapshot();
  }
  await kill(proc);
  expect(final.runs).toHaveLength(40);
  for (const r of final.runs) expect(r.life_cycle_state).toBe('TERMINATED');
  for (const t of final.tasks) expect(['TERMINATED', 'SKIPPED']).toContain(t.life_cycle_state);
  // Lost attempts were retried: a lost attempt is never the current one of a task that still had retries left.
  const lostAttempts = final.tasks.filter((t) => t.state_message.startsWith('lost'));
  const missing = [...lost.values()].filter((t) => !lostAttempts.some((x) => x.task_run_id === t.task_run_id));
  expect(missing.map((m) => [m, final.tasks.find((x) => x.task_run_id === m.task_run_id)])).toEqual([]);
  for (const t of lostAttempts.filter((x) => x.attempt_number < 2)) expect(t.is_current).toBe(false);
  expect(final.runs.filter((r) => r.result_state === 'SUCCESS').length).toBeGreaterThan(0);
  // No process of a killed server's attempts is left behind.
  const ps = spawnSync('pgrep', ['-f', MARK], { encoding: 'utf8' });
  expect(ps.stdout.trim()).toBe('');
}, 240_000);
