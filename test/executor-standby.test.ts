import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEngine, type Engine } from '../bench/lib.js';
import { logPath } from '../src/executor/task-run-factory.js';
import type { TaskRunRecord } from '../src/store/records.js';
import { sh, useHarness } from './support/weir-harness.js';

/** A shell task that records when it started and ended (ms) in `file`. */
const timed = (key: string, file: string, seconds: number, extra: Record<string, unknown> = {}) =>
  sh(key, `echo "${key} start $(date +%s%3N)" >> ${file}; sleep ${seconds}; echo "${key} end $(date +%s%3N)" >> ${file}`, extra);

/** The most processes running at once, from a file of "key start|end ms" lines. */
function maxOverlap(file: string): number {
  const events = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .map(([, what, at]) => ({ at: Number(at), d: what === 'start' ? 1 : -1 }))
    .sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of events) max = Math.max(max, (now += e.d));
  return max;
}

describe('attempts on standby for a slot (slot-pool.ts, ADR 0011)', () => {
  const ctx = useHarness({ slots: 2 });

  it('never run more processes than slots, and every task runs once', async () => {
    const file = join(ctx.h.dir, 'times');
    const job = await ctx.h.createJob({ name: 'many', tasks: Array.from({ length: 8 }, (_, i) => timed(`t${i}`, file, 0.15)) });
    const { run, all } = await ctx.h.runJob(job);
    expect(run.result_state).toBe('SUCCESS');
    expect(all).toHaveLength(8);
    expect(maxOverlap(file)).toBe(2);
    for (const t of all) expect(t.pid).toBeGreaterThan(0);
    // Stored as started only when its process started: start times follow the slots, not the run's start.
    const starts = all.map((t) => t.start_time!).sort((a, b) => a - b);
    expect(starts[7] - starts[0]).toBeGreaterThanOrEqual(3 * 150 - 50);
  });

  it('a waiting attempt times out only after its process has run for timeout_seconds', async () => {
    const file = join(ctx.h.dir, 'times-timeout');
    const job = await ctx.h.createJob({
      name: 'timeout',
      tasks: [timed('long1', file, 1.2), timed('long2', file, 1.2), timed('waits', file, 0.3, { timeout_seconds: 1 })],
    });
    const { tasks } = await ctx.h.runJob(job);
    expect(tasks.waits.result_state).toBe('SUCCESS');
    expect(maxOverlap(file)).toBe(2);
  });

  it('cancelling the run ends waiting attempts CANCELED without ever starting them', async () => {
    const file = join(ctx.h.dir, 'times-cancel');
    const job = await ctx.h.createJob({ name: 'cancel', tasks: Array.from({ length: 4 }, (_, i) => timed(`c${i}`, file, 5)) });
    const { run_id } = await ctx.h.runs.runNow(job, {});
    // Two processes have started (and written their first line); the other two wait on standby.
    const lines = () => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length : 0);
    await expect.poll(lines, { timeout: 5000 }).toBe(2);
    await ctx.h.executor.cancelRun(run_id);
    const run = await ctx.h.executor.waitForRun(run_id);
    expect(run.result_state).toBe('CANCELED');
    const trs = await ctx.h.store.listTaskRuns(run_id);
    expect(trs.map((t) => t.result_state)).toEqual(['CANCELED', 'CANCELED', 'CANCELED', 'CANCELED']);
    const started = readFileSync(file, 'utf8').trim().split('\n');
    expect(started).toHaveLength(2);
    const never = trs.filter((t) => !started.some((l) => l.startsWith(`${t.task_key} `)));
    expect(never).toHaveLength(2);
    for (const t of never) {
      expect(t.pid).toBeNull();
      expect(existsSync(logPath(t, 'stdout'))).toBe(false);
    }
  });

  it('for_each keeps its concurrency when its iterations wait for slots', async () => {
    const file = join(ctx.h.dir, 'times-each');
    const job = await ctx.h.createJob({
      name: 'each',
      tasks: [
        // Both slots busy when the iterations become ready, so they wait on standby.
        { task_key: 'other1', shell_task: { command: 'sleep 0.3' } },
        { task_key: 'other2', shell_task: { command: 'sleep 0.3' } },
        { task_key: 'each', for_each_task: { inputs: '[1,2,3,4,5]', concurrency: 1, task: sh('it', `echo "it{{input}} start $(date +%s%3N)" >> ${file}; sleep 0.1; echo "it{{input}} end $(date +%s%3N)" >> ${file}`) } },
      ],
    });
    const { run } = await ctx.h.runJob(job);
    expect(run.result_state).toBe('SUCCESS');
    expect(maxOverlap(file)).toBe(1);
  });
});

describe('restart after a crash while a standby attempt was starting', () => {
  let engine: Engine | undefined;
  let orphan: ChildProcess | undefined;
  afterEach(async () => {
    if (orphan && orphan.exitCode === null && orphan.signalCode === null) process.kill(-orphan.pid!, 'SIGKILL');
    await engine?.close();
  });

  it('kills the process of an attempt still stored as PENDING before starting it again', async () => {
    engine = await startEngine({ slots: 2 });
    const dir = engine.dir;
    const jobId = await engine.createJob({ name: 'j', tasks: [{ task_key: 't', shell_task: { command: 'true' } }] });
    const { run_id } = await engine.runs.runNow(jobId);
    await engine.executor.waitForRun(run_id);
    // As a crash leaves it: the run RUNNING, its attempt PENDING in the store, its process started and running.
    const [done] = await engine.store.listTaskRuns(run_id);
    const tr: TaskRunRecord = { ...done, life_cycle_state: 'PENDING', result_state: null, start_time: null, end_time: null, pid: null };
    await engine.store.updateRun(run_id, { life_cycle_state: 'RUNNING', result_state: null, end_time: null });
    await engine.store.saveTaskRun(tr);
    await engine.close();
    mkdirSync(tr.log_dir, { recursive: true });
    const out = openSync(logPath(tr, 'stdout'), 'a');
    orphan = spawn('sh', ['-c', 'sleep 60; true'], { detached: true, stdio: ['ignore', out, out], env: { ...process.env, WEIR_RUN_ID: String(run_id), WEIR_TASK_RUN_ID: String(tr.task_run_id) } });
    closeSync(out);
    await new Promise((ok) => setTimeout(ok, 100));

    engine = await startEngine({ slots: 2, dir });
    expect(running(orphan.pid!)).toBe(false);
    const end = await engine.executor.waitForRun(run_id);
    expect(end.result_state).toBe('SUCCESS');
  });
});

/** True while a process runs (a killed child of this process is a zombie until Node reaps it). */
function running(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').startsWith('Z');
  } catch {
    return false;
  }
}
