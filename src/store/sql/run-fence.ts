import { sql, type Kysely } from 'kysely';
import { WeirError } from '../../domain/weir-error.js';

/**
 * Who may write a run (scale-out, ADR 0007): a worker writes a run and its task runs only while the run's claim
 * is still its own (`claimed_by` = its id and `claim_epoch` = the epoch it claimed with). A run whose claim was
 * taken away (the worker was declared lost) answers zero rows, and the worker must stop working on it.
 */
export interface RunFence {
  workerId: string;
  /** The epoch this worker claimed the run with; undefined when it does not own the run. */
  epochOf(runId: number): number | undefined;
  /** Told when a write was refused because the run is no longer this worker's. */
  onFenced(runId: number): void;
}

/** The error of a refused (fenced) write: the run belongs to another worker now. */
export function fencedError(runId: number, workerId: string): WeirError {
  return new WeirError('RUN.INVALID_STATE', `run ${runId} is no longer claimed by worker ${workerId} (it was declared lost and the run was given to another worker); this worker stops working on it`, {
    params: { run_id: runId, fenced: true },
  });
}

/** True for the error of a fenced write. */
export function isFencedError(e: unknown): boolean {
  return e instanceof WeirError && (e.params as { fenced?: boolean } | undefined)?.fenced === true;
}

/**
 * Inside a write transaction: locks the run row in share mode when this worker still owns it, else throws the
 * fenced error. The share lock makes the lost-worker sweep (which updates the row) wait until the write commits,
 * so a write lands either wholly before the claim moves or not at all.
 */
export async function assertOwned(tx: Kysely<any>, fence: RunFence | undefined, runId: number): Promise<void> {
  if (!fence) return;
  const epoch = fence.epochOf(runId);
  const ok =
    epoch !== undefined &&
    (await sql`select 1 from runs where run_id = ${runId} and claimed_by = ${fence.workerId} and claim_epoch = ${epoch} for share`.execute(tx)).rows.length > 0;
  if (!ok) {
    fence.onFenced(runId);
    throw fencedError(runId, fence.workerId);
  }
}

/** One-statement fenced write of a whole task run record: zero rows when the run is not this worker's any more. */
export async function saveTaskRunFenced(db: Kysely<any>, fence: RunFence, runId: number, taskRunId: number, data: string): Promise<void> {
  const epoch = fence.epochOf(runId);
  const r =
    epoch === undefined
      ? { numAffectedRows: 0n }
      : await sql`with f as (select 1 from runs where run_id = ${runId} and claimed_by = ${fence.workerId} and claim_epoch = ${epoch} for share)
          update task_runs set data = ${data} where task_run_id = ${taskRunId} and exists (select 1 from f)`.execute(db);
  if (Number(r.numAffectedRows ?? 0) === 0) {
    fence.onFenced(runId);
    throw fencedError(runId, fence.workerId);
  }
}

/** True when `e` is a unique-key violation (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE). */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: string } | undefined)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
