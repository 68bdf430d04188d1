import { hostname } from 'node:os';
import { taskKindOf } from '../domain/task.js';
import type { TaskRunRecord } from '../store/records.js';
import type { ActiveRun } from './active-run.js';
import { killGroup, processAlive } from './runners/child-process.js';

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
 * host means nothing here), and waits until it is gone, so the retry never runs beside it.
 */
export async function endLostProcess(tr: TaskRunRecord): Promise<void> {
  if (tr.pid === null || (tr.host && tr.host !== HOST) || !processAlive(tr.pid)) return;
  killGroup(tr.pid, 'SIGKILL');
  const until = Date.now() + KILL_WAIT_MS;
  while (processAlive(tr.pid) && Date.now() < until) await new Promise((ok) => setTimeout(ok, 20));
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
