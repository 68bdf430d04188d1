import type { RunRecord, TaskRunRecord } from '../store/records.js';
import { durationThreshold } from './notification-events.js';
import type { Timer } from './timer.js';

interface Watch {
  cancel: () => void;
  run: RunRecord;
  taskRun?: TaskRunRecord;
}

/**
 * Health rules: a RUN_DURATION_SECONDS GREATER_THAN rule (job or task) arms a timer when the run (or the task's
 * first attempt) starts; if it is still going when the timer fires, the warning is raised once. Timers live in
 * this process only: a run that was running across a restart gets no duration warning.
 */
export class HealthMonitor {
  private readonly watches = new Map<string, Watch>();
  /** Keys already armed for a run, so a retried task is measured from its first attempt and warned once. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly timer: Timer,
    private readonly onWarning: (run: RunRecord, taskRun?: TaskRunRecord) => void,
  ) {}

  /** Arms the job-level duration rule. */
  runStarted(run: RunRecord): void {
    const secs = durationThreshold(run.settings.health);
    if (secs === undefined || run.start_time === null) return;
    this.arm(`${run.run_id}`, run.start_time + secs * 1000, run);
  }

  /** Arms the task-level rule on the task's first attempt; later attempts only refresh the reported attempt. */
  taskStarted(run: RunRecord, tr: TaskRunRecord): void {
    if (tr.parent_task_run_id !== null) return;
    const key = `${run.run_id}/${tr.task_key}`;
    const w = this.watches.get(key);
    if (w) w.taskRun = tr;
    const secs = durationThreshold(tr.task.health);
    if (w || secs === undefined || tr.start_time === null || this.seen.has(key)) return;
    this.arm(key, tr.start_time + secs * 1000, run, tr);
  }

  /** Disarms a task's rule once it has no attempt left. */
  taskEnded(run: RunRecord, tr: TaskRunRecord, lastAttempt: boolean): void {
    if (lastAttempt) this.disarm(`${run.run_id}/${tr.task_key}`);
  }

  /** Disarms every rule of the run. */
  runEnded(run: RunRecord): void {
    const prefix = `${run.run_id}/`;
    for (const key of [...this.watches.keys()]) if (key === `${run.run_id}` || key.startsWith(prefix)) this.disarm(key);
    for (const key of [...this.seen]) if (key === `${run.run_id}` || key.startsWith(prefix)) this.seen.delete(key);
  }

  /** Disarms everything (on shutdown). */
  stop(): void {
    for (const key of [...this.watches.keys()]) this.disarm(key);
  }

  private arm(key: string, at: number, run: RunRecord, taskRun?: TaskRunRecord): void {
    this.seen.add(key);
    const cancel = this.timer.at(at, () => {
      const w = this.watches.get(key);
      if (!w) return;
      this.watches.delete(key);
      this.onWarning(w.run, w.taskRun);
    });
    this.watches.set(key, { cancel, run, taskRun });
  }

  private disarm(key: string): void {
    this.watches.get(key)?.cancel();
    this.watches.delete(key);
  }
}
