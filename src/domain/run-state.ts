/** life_cycle_state of a run or task run. */
export type LifeCycleState =
  | 'QUEUED'
  | 'PENDING'
  | 'RUNNING'
  | 'TERMINATING'
  | 'TERMINATED'
  | 'SKIPPED'
  | 'INTERNAL_ERROR'
  | 'BLOCKED'
  | 'WAITING_FOR_RETRY';

/** result_state, set once a run or task run is terminal. */
export type ResultState =
  | 'SUCCESS'
  | 'SUCCESS_WITH_FAILURES'
  | 'FAILED'
  | 'TIMEDOUT'
  | 'CANCELED'
  | 'MAXIMUM_CONCURRENT_RUNS_REACHED'
  | 'EXCLUDED'
  | 'UPSTREAM_CANCELED'
  | 'UPSTREAM_FAILED'
  | 'DISABLED';

/** How a run came to be (Run.trigger). */
export type TriggerType =
  | 'PERIODIC'
  | 'ONE_TIME'
  | 'RETRY'
  | 'RUN_JOB_TASK'
  | 'FILE_ARRIVAL'
  | 'CONTINUOUS'
  | 'TABLE'
  | 'CONTINUOUS_RESTART';

/** run_type of a run. */
export type RunType = 'JOB_RUN' | 'SUBMIT_RUN' | 'WORKFLOW_RUN';

/** Terminal life-cycle states. */
export const TERMINAL_STATES: ReadonlySet<LifeCycleState> = new Set(['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR']);

/** True when the state is terminal. */
export function isTerminal(s: LifeCycleState): boolean {
  return TERMINAL_STATES.has(s);
}

/** 2.2 `status.state` for a life-cycle state. */
export function statusStateOf(s: LifeCycleState): string {
  if (s === 'WAITING_FOR_RETRY') return 'WAITING';
  if (s === 'SKIPPED' || s === 'INTERNAL_ERROR') return 'TERMINATED';
  return s;
}

/** 2.2 termination_details for a terminal run: code and type from the result. */
export function terminationOf(
  life: LifeCycleState,
  result: ResultState | null,
  userCanceled: boolean,
): { code: string; type: string } | undefined {
  if (!isTerminal(life)) return undefined;
  if (life === 'INTERNAL_ERROR') return { code: 'INTERNAL_ERROR', type: 'INTERNAL_ERROR' };
  switch (result) {
    case 'SUCCESS':
      return { code: 'SUCCESS', type: 'SUCCESS' };
    case 'SUCCESS_WITH_FAILURES':
      return { code: 'SUCCESS_WITH_FAILURES', type: 'SUCCESS' };
    case 'CANCELED':
    case 'UPSTREAM_CANCELED':
      return { code: userCanceled ? 'USER_CANCELED' : 'CANCELED', type: 'SUCCESS' };
    case 'TIMEDOUT':
      return { code: 'CANCELED', type: 'SUCCESS' };
    case 'MAXIMUM_CONCURRENT_RUNS_REACHED':
      return { code: 'MAX_CONCURRENT_RUNS_EXCEEDED', type: 'CLIENT_ERROR' };
    case 'EXCLUDED':
    case 'DISABLED':
      return { code: result === 'DISABLED' ? 'DISABLED' : 'SKIPPED', type: 'SUCCESS' };
    case 'UPSTREAM_FAILED':
    case 'FAILED':
    default:
      return { code: 'RUN_EXECUTION_ERROR', type: 'CLIENT_ERROR' };
  }
}
