import type { RunRecord, TaskRunRecord } from '../store/records.js';

const MARK: Record<string, string> = { SUCCESS: '✓', FAILED: '✗', TIMEDOUT: '⏱', CANCELED: '⊘', EXCLUDED: '–', UPSTREAM_FAILED: '↑', UPSTREAM_CANCELED: '↑', DISABLED: '–' };

/** Prints what changed in a run since the last call: tasks that started, retried or ended, with elapsed times. */
export class ProgressPrinter {
  private readonly seen = new Map<number, string>();
  constructor(private readonly out: (line: string) => void, private readonly t0: number) {}

  update(tasks: TaskRunRecord[], now: number): void {
    for (const t of tasks) {
      const key = `${t.life_cycle_state}/${t.result_state}`;
      if (this.seen.get(t.task_run_id) === key) continue;
      this.seen.set(t.task_run_id, key);
      const base = t.iteration_index !== null ? `${t.task_key}[${t.iteration_index}]` : t.task_key;
      const name = t.attempt_number > 0 && t.life_cycle_state !== 'RUNNING' ? `${base} (retry ${t.attempt_number})` : base;
      const at = `[${((now - this.t0) / 1000).toFixed(1)}s]`;
      if (t.life_cycle_state === 'RUNNING') this.out(`${at} ▶ ${name} started${t.attempt_number ? ` (retry ${t.attempt_number})` : ''}`);
      else if (t.life_cycle_state === 'WAITING_FOR_RETRY') this.out(`${at} … ${name} waits to retry`);
      else if (t.result_state) {
        const took = t.start_time && t.end_time ? ` in ${((t.end_time - t.start_time) / 1000).toFixed(2)}s` : '';
        const why = t.result_state === 'SUCCESS' ? '' : t.error || t.state_message ? `: ${(t.error || t.state_message).split('\n')[0]}` : '';
        this.out(`${at} ${MARK[t.result_state] ?? '•'} ${name} ${t.result_state}${took}${why}`);
      }
    }
  }

  /** The closing line of a run. */
  summary(run: RunRecord, tasks: TaskRunRecord[]): string {
    const top = tasks.filter((t) => t.is_current && t.parent_task_run_id === null);
    const count = (r: string) => top.filter((t) => t.result_state === r).length;
    const took = run.start_time && run.end_time ? ((run.end_time - run.start_time) / 1000).toFixed(2) : '?';
    return `run ${run.run_id} ${run.result_state} in ${took}s: ${count('SUCCESS')} succeeded, ${top.length - count('SUCCESS')} did not${run.state_message ? ` (${run.state_message})` : ''}`;
  }
}
