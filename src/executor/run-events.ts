import type { RunRecord, TaskRunRecord } from '../store/records.js';

/** A moment in a run's life the executor reports to listeners (notifications, health checks). Records are snapshots. */
export type RunEvent =
  | { type: 'run_started'; run: RunRecord }
  | { type: 'task_started'; run: RunRecord; taskRun: TaskRunRecord }
  /** `lastAttempt` is false when another attempt (a retry) follows this one. */
  | { type: 'task_ended'; run: RunRecord; taskRun: TaskRunRecord; lastAttempt: boolean }
  | { type: 'run_ended'; run: RunRecord };

/** Receives run events; the executor never waits for it and a failure never affects the run. */
export interface RunEventListener {
  onRunEvent(e: RunEvent): void | Promise<void>;
}

/** Calls the listener without waiting; a thrown error or a rejection becomes a process warning. */
export function emitRunEvent(listener: RunEventListener | undefined, e: RunEvent): void {
  if (!listener) return;
  const warn = (err: unknown) => process.emitWarning(`weir: run event listener failed on ${e.type} of run ${e.run.run_id}: ${(err as Error)?.stack ?? err}`);
  try {
    void Promise.resolve(listener.onRunEvent(e)).catch(warn);
  } catch (err) {
    warn(err);
  }
}
