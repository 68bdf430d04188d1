import type { ClaimStore, RunRequestKind } from '../store/ports/claim-store.js';

/**
 * What an executor does with runs it does not hold when work is shared through the store (scale-out, ADR 0007):
 * new runs are announced for workers to claim, cancels are requested from the run's owner, and a finished run's
 * claim is given back. Without it (one process) the executor works on every run itself.
 */
export interface RemoteRuns {
  /** Tells the workers there is new or requeued work. */
  wake(): void;
  /** Asks the owner of a run (whichever worker claims it) to cancel it, or one of its task runs. */
  request(runId: number, taskRunId: number | null, kind: RunRequestKind): Promise<void>;
  /** Gives back the claim of a run this process finished. */
  release(runId: number): Promise<void>;
}

/** RemoteRuns of a process that only creates and cancels runs (the API and scheduler roles): it owns none. */
export function storeRemoteRuns(claims: ClaimStore): RemoteRuns {
  return {
    wake: () => void claims.notifyWork().catch((e) => process.emitWarning(`weir: waking workers failed: ${(e as Error).message}`)),
    request: (runId, taskRunId, kind) => claims.requestRunAction({ run_id: runId, task_run_id: taskRunId, kind }),
    release: async () => undefined,
  };
}
