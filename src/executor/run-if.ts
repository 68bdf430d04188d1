import type { ResultState } from '../domain/run-state.js';
import type { RunIf } from '../domain/task.js';

/** How a finished dependency counts for run_if. */
export type DependencyStatus = 'success' | 'failed' | 'canceled' | 'excluded';

/** Classifies a parent's result for one edge (an outcome edge whose outcome differs counts as excluded). */
export function dependencyStatus(
  result: ResultState | null,
  parentOutcome: string | null,
  edgeOutcome: string | undefined,
): DependencyStatus {
  switch (result) {
    case 'SUCCESS':
    case 'SUCCESS_WITH_FAILURES':
      if (edgeOutcome !== undefined && parentOutcome !== edgeOutcome) return 'excluded';
      return 'success';
    case 'CANCELED':
    case 'UPSTREAM_CANCELED':
      return 'canceled';
    case 'EXCLUDED':
    case 'DISABLED':
      return 'excluded';
    default:
      return 'failed';
  }
}

/** What happens to a task whose dependencies are all done: run it, or settle it without running. */
export type RunIfDecision = { run: true } | { run: false; result: ResultState; message: string };

/** Applies a run_if condition to the statuses of a task's dependencies (Databricks semantics). */
export function decideRunIf(runIf: RunIf, deps: DependencyStatus[]): RunIfDecision {
  if (deps.length === 0) return { run: true };
  const n = (s: DependencyStatus) => deps.filter((d) => d === s).length;
  const success = n('success');
  const failed = n('failed');
  const canceled = n('canceled');
  const notMet = (): RunIfDecision => {
    if (runIf === 'ALL_SUCCESS' || runIf === 'AT_LEAST_ONE_SUCCESS' || runIf === 'NONE_FAILED') {
      if (failed > 0) return { run: false, result: 'UPSTREAM_FAILED', message: 'Upstream task failed.' };
      if (canceled > 0) return { run: false, result: 'UPSTREAM_CANCELED', message: 'Upstream task was canceled.' };
    }
    return { run: false, result: 'EXCLUDED', message: `The run_if condition ${runIf} was not met.` };
  };
  let met = false;
  switch (runIf) {
    case 'ALL_SUCCESS':
      met = success === deps.length;
      break;
    case 'AT_LEAST_ONE_SUCCESS':
      met = success > 0;
      break;
    case 'NONE_FAILED':
      met = failed === 0 && canceled === 0 && success > 0;
      break;
    case 'ALL_DONE':
      met = true;
      break;
    case 'AT_LEAST_ONE_FAILED':
      met = failed > 0;
      break;
    case 'ALL_FAILED':
      met = failed === deps.length;
      break;
  }
  return met ? { run: true } : notMet();
}

/** The overall result of a run from its tasks' results: leaf tasks decide (SUCCESS_WITH_FAILURES when only inner tasks failed). */
export function runResult(
  tasks: { key: string; result: ResultState | null; dependsOn: string[] }[],
): ResultState {
  const ok = (r: ResultState | null) => r === 'SUCCESS' || r === 'EXCLUDED' || r === 'DISABLED' || r === 'SUCCESS_WITH_FAILURES';
  if (tasks.every((t) => ok(t.result))) return 'SUCCESS';
  if (tasks.some((t) => t.result === 'CANCELED') && !tasks.some((t) => t.result === 'FAILED' || t.result === 'TIMEDOUT')) {
    return 'CANCELED';
  }
  const parents = new Set(tasks.flatMap((t) => t.dependsOn));
  const leaves = tasks.filter((t) => !parents.has(t.key));
  if (leaves.every((t) => ok(t.result))) return 'SUCCESS_WITH_FAILURES';
  return 'FAILED';
}

/** condition_task: EQUAL_TO/NOT_EQUAL compare strings, the orderings compare numbers. */
export function evaluateCondition(left: string, op: string, right: string): boolean {
  if (op === 'EQUAL_TO') return left === right;
  if (op === 'NOT_EQUAL') return left !== right;
  const l = Number(left);
  const r = Number(right);
  if (left.trim() === '' || right.trim() === '' || Number.isNaN(l) || Number.isNaN(r)) {
    throw new Error(`condition_task ${op} compares numbers, but got "${left}" and "${right}"`);
  }
  switch (op) {
    case 'GREATER_THAN':
      return l > r;
    case 'GREATER_THAN_OR_EQUAL':
      return l >= r;
    case 'LESS_THAN':
      return l < r;
    case 'LESS_THAN_OR_EQUAL':
      return l <= r;
  }
  throw new Error(`condition_task: unknown op ${op}`);
}
