import type { ResultState } from '../domain/run-state.js';
import { taskKindOf } from '../domain/task.js';
import type { RunRecord, TaskRunPatch, TaskRunRecord } from '../store/records.js';
import type { AttemptResult } from './runners/task-runner.js';
import { newTaskRun } from './task-run-factory.js';

/** Whether an attempt that ended with `result` gets another one (max_retries −1 = forever; condition tasks never retry). */
export function shouldRetry(tr: TaskRunRecord, result: ResultState, runActive: boolean): boolean {
  if (!runActive || taskKindOf(tr.task) === 'condition_task') return false;
  if (!(result === 'FAILED' || (result === 'TIMEDOUT' && tr.task.retry_on_timeout))) return false;
  const max = tr.task.max_retries ?? 0;
  return max === -1 || tr.attempt_number < max;
}

/** The next attempt of a task after a failure: WAITING_FOR_RETRY until min_retry_interval_millis has passed. */
export function retryAttempt(tr: TaskRunRecord, run: RunRecord, id: number, now: number, dataDir: string): TaskRunRecord {
  const next = newTaskRun({ id, run, task: tr.task, now, dataDir, repairId: tr.repair_id, parent: tr.parent_task_run_id, iteration: tr.iteration_index, input: tr.input });
  next.attempt_number = tr.attempt_number + 1;
  next.life_cycle_state = 'WAITING_FOR_RETRY';
  next.not_before = now + (tr.task.min_retry_interval_millis ?? 0);
  return next;
}

/** Parses for_each_task.inputs (after references are resolved) into its elements. */
export function parseForEachInputs(inputs: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(inputs);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed)) {
    throw new Error(`for_each_task.inputs must be a JSON array (or a reference to one), got: ${inputs.slice(0, 200)}`);
  }
  return parsed;
}

/** One PENDING task run per for_each element, owned by the for_each task run `parent`. */
export function iterationRuns(run: RunRecord, parent: TaskRunRecord, inputs: unknown[], firstId: number, now: number, dataDir: string): TaskRunRecord[] {
  const nested = parent.task.for_each_task!.task;
  return inputs.map((input, i) =>
    newTaskRun({ id: firstId + i, run, task: nested, now, dataDir, repairId: parent.repair_id, parent: parent.task_run_id, iteration: i, input: JSON.stringify(input) }),
  );
}

/** The terminal patch of an attempt: its result (a timeout or cancel overrides the runner's), message, error and output. */
export function endedAttemptPatch(run: RunRecord, tr: TaskRunRecord, res: AttemptResult, reason?: 'timeout' | 'cancel'): { patch: TaskRunPatch; result: ResultState } {
  const result: ResultState = reason === 'timeout' ? 'TIMEDOUT' : reason === 'cancel' ? 'CANCELED' : res.result;
  const message =
    reason === 'timeout' ? `Task timed out after ${tr.task.timeout_seconds ?? run.settings.timeout_seconds} seconds.`
      : reason === 'cancel' ? 'Canceled by user.'
        : res.error ?? '';
  const patch: TaskRunPatch = {
    life_cycle_state: 'TERMINATED',
    result_state: result,
    state_message: message,
    exit_code: res.exitCode ?? null,
    error: result === 'SUCCESS' ? null : res.error ?? message,
    error_trace: res.errorTrace ?? null,
    outcome: res.outcome ?? null,
    output: { ...tr.output, ...(res.notebookOutput ? { notebook_output: res.notebookOutput } : {}), ...(res.sqlOutput ? { sql_output: res.sqlOutput } : {}) },
  };
  return { patch, result };
}
