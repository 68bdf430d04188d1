import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { startEngine, tempDir, type Engine } from '../bench/lib.js';
import { HOST, LOST_WORKER, attemptProcesses } from '../src/executor/run-adoption.js';
import { logPath } from '../src/executor/task-run-factory.js';
import type { RunRecord, TaskRunRecord } from '../src/store/records.js';
import { processAlive } from '../src/executor/runners/child-process.js';

const dir = tempDir('adoption');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts a process the way the attempt launcher does: its own group, the attempt's ids in its environment, stdout to the log. */
function attemptProcess(tr: TaskRunRecord, logOf: TaskRunRecord = tr): ChildProcess {
  mkdirSync(logOf.log_dir, { recursive: true });
  const out = openSync(logPath(logOf, 'stdout'), 'a');
  const err = openSync(logPath(logOf, 'stderr'), 'a');
  const p = spawn('sh', ['-c', 'sleep 60; true'], { detached: true, stdio: ['ignore', out, err], env: { ...process.env, WEIR_RUN_ID: String(tr.run_id), WEIR_TASK_RUN_ID: String(tr.task_run_id) } });
  closeSync(out);
  closeSync(err);
  return p;
}

const exited = (p: ChildProcess) => p.exitCode !== null || p.signalCode !== null;
const ended = (p: ChildProcess) => new Promise<void>((ok) => (exited(p) ? ok() : p.once('exit', () => ok())));

describe('adopting a run whose worker was lost', () => {
  let engine: Engine;
  const procs: ChildProcess[] = [];
  let engines = 0;
  afterEach(async () => {
    for (const p of procs) if (!exited(p)) process.kill(-p.pid!, 'SIGKILL');
    await engine?.close();
  });

  /** A run as a lost worker leaves it: RUNNING, its one attempt RUNNING on this host, the pid never stored. */
  async function lostRun(): Promise<{ run: RunRecord; tr: TaskRunRecord }> {
    const at = join(dir, `engine-${++engines}`);
    mkdirSync(at);
    engine = await startEngine({ slots: 2, dir: at });
    const jobId = await engine.createJob({ name: 'j', tasks: [{ task_key: 't', max_retries: 1, shell_task: { command: 'true' } }] });
    const { run_id } = await engine.runs.runNow(jobId, {});
    await engine.executor.waitForRun(run_id);
    const run = { ...(await engine.store.getRun(run_id))!, life_cycle_state: 'RUNNING' as const, result_state: null, end_time: null };
    const [done] = await engine.store.listTaskRuns(run_id);
    const tr: TaskRunRecord = { ...done, life_cycle_state: 'RUNNING', result_state: null, end_time: null, pid: null, host: HOST };
    await engine.store.updateRun(run_id, run);
    await engine.store.saveTaskRun(tr);
    return { run, tr };
  }

  test('an attempt whose pid was never stored is found by its environment and log file, killed, then retried', async () => {
    const { run, tr } = await lostRun();
    const orphan = attemptProcess(tr);
    procs.push(orphan);
    // Another store's attempt with the same run and task run ids (its log file is elsewhere) is left alone.
    const stranger = attemptProcess(tr, { ...tr, log_dir: join(dir, 'other-store', 'logs', String(tr.run_id)) });
    procs.push(stranger);
    await new Promise((ok) => setTimeout(ok, 200));
    // The shell and its `sleep` child both carry the attempt's environment and log file; the stranger's do not.
    const found = await attemptProcesses(tr);
    expect(found).toContain(orphan.pid);
    expect(found).not.toContain(stranger.pid);

    await engine.executor.adopt(run, [tr], true);
    await ended(orphan);
    expect(orphan.signalCode).toBe('SIGKILL');
    expect(processAlive(stranger.pid!)).toBe(true);
    const end = await engine.executor.waitForRun(run.run_id);
    expect(end.result_state).toBe('SUCCESS');
    const attempts = await engine.store.listTaskRuns(run.run_id);
    expect(attempts.map((a) => [a.attempt_number, a.result_state, a.state_message === LOST_WORKER])).toEqual([
      [0, 'FAILED', true],
      [1, 'SUCCESS', false],
    ]);
  }, 30_000);

  test('an attempt whose pid was stored is killed by its process group', async () => {
    const { run, tr } = await lostRun();
    const orphan = attemptProcess(tr);
    procs.push(orphan);
    await engine.executor.adopt(run, [{ ...tr, pid: orphan.pid! }], true);
    await ended(orphan);
    expect((await engine.executor.waitForRun(run.run_id)).result_state).toBe('SUCCESS');
  }, 30_000);
});
