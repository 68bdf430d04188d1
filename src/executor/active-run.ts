import { isTerminal, type ResultState } from '../domain/run-state.js';
import type { RunRecord, TaskRunPatch, TaskRunRecord } from '../store/records.js';
import type { RunStore } from '../store/ports/run-store.js';
import { decideRunIf, dependencyStatus, runResult, type DependencyStatus } from './run-if.js';
import type { TaskValues } from './runners/task-runner.js';
import { currentTops, noteBlocker, stillBlocked } from './top-index.js';

/** A run the executor is working on: the run and every attempt of it, by task run id. */
export interface ActiveRun {
  run: RunRecord;
  taskRuns: Map<number, TaskRunRecord>;
  timeout?: NodeJS.Timeout;
  /** Set when the run came from a store claim (scale-out): whether the claim admitted it under max_concurrent_runs. */
  admission?: 'admitted' | 'rejected';
}

/** The current attempt of each task (parent null) or of each iteration of a for_each task run. */
export function currentAttempts(a: ActiveRun, parent: number | null = null): TaskRunRecord[] {
  if (parent === null) return [...currentTops(a).tops];
  return [...a.taskRuns.values()].filter((t) => t.is_current && t.parent_task_run_id === parent);
}

/** True when an attempt may start now (PENDING, or WAITING_FOR_RETRY whose wait is over). */
export function isReady(tr: TaskRunRecord, now: number): boolean {
  if (tr.life_cycle_state === 'PENDING') return true;
  return tr.life_cycle_state === 'WAITING_FOR_RETRY' && (tr.not_before ?? 0) <= now;
}

/** Attempts whose dependencies all finished and let them run (they wait only for a slot now). */
const runnable = new WeakSet<TaskRunRecord>();

/**
 * What to do with a ready task given its dependencies: wait (a dependency is not done), run, or settle it
 * without running (disabled, or run_if not met) with the patch to write.
 */
export function dependencyDecision(tr: TaskRunRecord, byKey: ReadonlyMap<string, TaskRunRecord>): 'wait' | 'run' | TaskRunPatch {
  // Most calls are for tasks still waiting on the same unfinished dependency as at the last pass: answer in O(1).
  if (runnable.has(tr)) return 'run';
  if (stillBlocked(tr, byKey)) return 'wait';
  const edges = tr.task.depends_on ?? [];
  const deps: DependencyStatus[] = [];
  for (const d of edges) {
    const p = byKey.get(d.task_key);
    if (!p || !isTerminal(p.life_cycle_state)) {
      if (p) noteBlocker(tr, p);
      return 'wait';
    }
    deps.push(dependencyStatus(p.result_state, p.outcome, d.outcome));
  }
  if (tr.task.disabled) return { life_cycle_state: 'SKIPPED', result_state: 'DISABLED', state_message: 'The task is disabled.' };
  const decision = decideRunIf(tr.task.run_if ?? 'ALL_SUCCESS', deps);
  if (decision.run) {
    // Final: its current dependencies are terminal, and a terminal attempt is never replaced while it is current.
    runnable.add(tr);
    return 'run';
  }
  const branch = edges.find((d, i) => d.outcome !== undefined && deps[i] === 'excluded');
  const message =
    decision.result === 'EXCLUDED' && branch
      ? `Excluded: condition task ${branch.task_key} had outcome ${byKey.get(branch.task_key)?.outcome}, and this task runs on ${branch.outcome}.`
      : decision.message;
  return { life_cycle_state: 'SKIPPED', result_state: decision.result, state_message: message };
}

/** The patch that ends a for_each task run once all its iterations are done. */
export function forEachOutcome(iterations: TaskRunRecord[]): TaskRunPatch {
  const failed = iterations.filter((t) => t.result_state !== 'SUCCESS').length;
  return failed === 0
    ? { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS', state_message: `${iterations.length} iteration(s) succeeded.` }
    : { life_cycle_state: 'TERMINATED', result_state: 'FAILED', state_message: `${failed} of ${iterations.length} iteration(s) did not succeed.` };
}

/** The result and message of a run whose tasks are all done. */
export function finalResult(run: RunRecord, tops: TaskRunRecord[]): { result: ResultState; message: string } {
  let result = runResult(tops.map((t) => ({ key: t.task_key, result: t.result_state, dependsOn: (t.task.depends_on ?? []).map((d) => d.task_key) })));
  if (run.user_cancelled_or_timedout) result = run.state_message === 'Run timed out.' ? 'TIMEDOUT' : 'CANCELED';
  return { result, message: result === 'SUCCESS' ? '' : run.state_message || describeFailures(tops) };
}

function describeFailures(tops: TaskRunRecord[]): string {
  const bad = tops.filter((t) => t.result_state && !['SUCCESS', 'EXCLUDED', 'DISABLED'].includes(t.result_state));
  return bad.length ? `Task ${bad.map((t) => `${t.task_key} ${t.result_state?.toLowerCase()}`).join(', ')}.` : '';
}

/** Task values as one attempt sees them: set on itself (stored at once), get from the current attempts of its run. */
export function runTaskValues(a: ActiveRun, tr: TaskRunRecord, store: RunStore): TaskValues {
  return {
    set: async (key, value) => {
      tr.task_values = { ...tr.task_values, [key]: value };
      await store.saveTaskRun(tr);
    },
    get: async (taskKey, key) => {
      const t = currentTops(a).byKey.get(taskKey);
      return t && key in t.task_values ? { found: true, value: t.task_values[key] } : { found: false };
    },
  };
}
