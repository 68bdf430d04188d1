import { join } from 'node:path';
import type { Task } from '../domain/task.js';
import type { RunRecord, TaskRunRecord } from '../store/records.js';

/** A new PENDING attempt of a task (or of a for_each iteration) in a run. */
export function newTaskRun(o: {
  id: number;
  run: RunRecord;
  task: Task;
  now: number;
  dataDir: string;
  repairId: number;
  parent?: number | null;
  iteration?: number | null;
  input?: string | null;
}): TaskRunRecord {
  return {
    task_run_id: o.id,
    run_id: o.run.run_id,
    task_key: o.task.task_key,
    attempt_number: 0,
    parent_task_run_id: o.parent ?? null,
    iteration_index: o.iteration ?? null,
    input: o.input ?? null,
    task: o.task,
    is_current: true,
    repair_id: o.repairId,
    life_cycle_state: 'PENDING',
    result_state: null,
    state_message: '',
    created_time: o.now,
    start_time: null,
    end_time: null,
    not_before: null,
    outcome: null,
    pid: null,
    exit_code: null,
    error: null,
    error_trace: null,
    output: {},
    resolved_values: null,
    child_run_id: null,
    task_values: {},
    log_dir: join(o.dataDir, 'logs', String(o.run.run_id)),
  };
}

/**
 * Where one stream of an attempt's log lives. One folder per run (not per attempt): creating a folder for every
 * attempt cost 0.3–0.76 ms per task on the machines measured, a new file in an existing folder far less.
 */
export function logPath(tr: Pick<TaskRunRecord, 'log_dir' | 'task_run_id'>, stream: 'stdout' | 'stderr'): string {
  return join(tr.log_dir, `${tr.task_run_id}.${stream}`);
}
