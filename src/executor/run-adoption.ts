import { readFileSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { taskKindOf } from '../domain/task.js';
import type { TaskRunRecord } from '../store/records.js';
import type { ActiveRun } from './active-run.js';
import { killGroup, processAlive } from './runners/child-process.js';
import { logPath } from './task-run-factory.js';

/** state_message of an attempt a crash of this process interrupted (the crash test matches the "lost" prefix). */
export const LOST_IN_CRASH = 'lost: weir stopped while this attempt was running, so its process was lost';

/** state_message of an attempt whose worker was declared lost (stopped heartbeating) or gave its runs back. */
export const LOST_WORKER = 'lost worker: the worker running this attempt stopped heartbeating (or stopped), so the attempt was given up and retried per the task\'s max_retries';

/** This machine's name, as attempts record it beside their pid. */
export const HOST = hostname();

/** How long recovery waits for a killed process group to be gone before the retry may start. */
const KILL_WAIT_MS = 2000;

/**
 * Kills what is left of an interrupted attempt's process group, when it ran on this machine (a pid from another
 * host means nothing here), and waits until it is gone, so the retry never runs beside it. The pid is written
 * after the process started (it cannot be known before), so a worker killed in between leaves a RUNNING attempt
 * without a pid whose process still runs: it is then found by its environment and log file (`attemptProcesses`).
 */
export async function endLostProcess(tr: TaskRunRecord): Promise<void> {
  if (tr.host && tr.host !== HOST) return;
  const pids = tr.pid !== null ? [tr.pid] : await attemptProcesses(tr);
  for (const pid of pids) killGroup(pid, 'SIGKILL');
  const until = Date.now() + KILL_WAIT_MS;
  while (pids.some(running) && Date.now() < until) await new Promise((ok) => setTimeout(ok, 20));
}

/** True while a process runs (a zombie, which an orphan becomes when nobody reaps it, no longer runs). */
function running(pid: number): boolean {
  return processAlive(pid) && !zombie(pid);
}

function zombie(pid: number): boolean {
  return readFileSyncOrEmpty(`/proc/${pid}/stat`).replace(/^.*\) /s, '').startsWith('Z');
}

/**
 * Processes on this machine that belong to an attempt: their environment names its run and task run (the
 * launcher sets WEIR_RUN_ID and WEIR_TASK_RUN_ID) and their stdout or stderr is the attempt's log file, which is
 * unique on a machine (another store's attempt with the same ids writes elsewhere). Reads /proc: on systems
 * without it (macOS) an attempt whose pid was never stored cannot be found, and none is returned.
 */
export async function attemptProcesses(tr: Pick<TaskRunRecord, 'run_id' | 'task_run_id' | 'log_dir'>): Promise<number[]> {
  return (await processesOfAttempts([tr])).get(tr.task_run_id) ?? [];
}

/** attemptProcesses for many attempts, reading /proc once: task run id → pids (attempts without a process left out). */
export async function processesOfAttempts(trs: Pick<TaskRunRecord, 'run_id' | 'task_run_id' | 'log_dir'>[]): Promise<Map<number, number[]>> {
  const found = new Map<number, number[]>();
  if (trs.length === 0) return found;
  const byMark = new Map(trs.map((tr) => [`WEIR_TASK_RUN_ID=${tr.task_run_id}`, tr]));
  const entries = await readdir('/proc').catch(() => [] as string[]);
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const env = (await readFile(`/proc/${e}/environ`, 'latin1').catch(() => '')).split('\0');
    const tr = byMark.get(env.find((v) => v.startsWith('WEIR_TASK_RUN_ID=')) ?? '');
    if (!tr || !env.includes(`WEIR_RUN_ID=${tr.run_id}`)) continue;
    const logs = new Set([resolve(logPath(tr, 'stdout')), resolve(logPath(tr, 'stderr'))]);
    const fds = await Promise.all([1, 2].map((fd) => readlink(`/proc/${e}/fd/${fd}`).catch(() => '')));
    if (fds.some((f) => logs.has(f))) found.set(tr.task_run_id, [...(found.get(tr.task_run_id) ?? []), Number(e)]);
  }
  return found;
}

/**
 * Kills the processes of attempts stored as not started (PENDING) that nevertheless run: an attempt started on
 * standby (ADR 0011) is stored as RUNNING only after its process started, so a crash in between leaves one. Its
 * next start must not run beside it. One /proc scan for all of them.
 */
export async function endStrayProcesses(trs: TaskRunRecord[]): Promise<void> {
  const pending = trs.filter((tr) => tr.life_cycle_state === 'PENDING' && tr.is_current && (!tr.host || tr.host === HOST));
  const pids = [...(await processesOfAttempts(pending)).values()].flat();
  for (const pid of pids) killGroup(pid, 'SIGKILL');
  const until = Date.now() + KILL_WAIT_MS;
  while (pids.some(running) && Date.now() < until) await new Promise((ok) => setTimeout(ok, 20));
}

/** Child runs of RUNNING run_job_task attempts that are not among `active` runs (another worker runs them). */
export function awaitedChildRuns(active: Iterable<ActiveRun>): number[] {
  const runs = [...active];
  const here = new Set(runs.map((a) => a.run.run_id));
  const out: number[] = [];
  for (const a of runs) {
    for (const tr of a.taskRuns.values()) {
      if (tr.life_cycle_state !== 'RUNNING' || tr.child_run_id === null || taskKindOf(tr.task) !== 'run_job_task') continue;
      if (!here.has(tr.child_run_id)) out.push(tr.child_run_id);
    }
  }
  return out;
}

function readFileSyncOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
