import { CompiledQuery, sql, type Kysely } from 'kysely';
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

const TERMINAL = ['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'];

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

/**
 * Runs one statement as a named prepared statement (PostgreSQL): parsed and planned once per connection, for the
 * hot writes of a worker. `name` must stand for exactly one `text`.
 */
export type PreparedQuery = (name: string, text: string, values: unknown[]) => Promise<{ rows: any[]; rowCount: number }>;

const SAVE_TASK_RUN_FENCED = `with f as (select 1 from runs where run_id = $1 and claimed_by = $2 and claim_epoch = $3 for share)
  update task_runs set data = $4 where task_run_id = $5 and exists (select 1 from f)`;

/** One-statement fenced write of a whole task run record: zero rows when the run is not this worker's any more. */
export async function saveTaskRunFenced(db: Kysely<any>, fence: RunFence, runId: number, taskRunId: number, data: string, prepared?: PreparedQuery): Promise<void> {
  const epoch = fence.epochOf(runId);
  const values = [runId, fence.workerId, epoch, data, taskRunId];
  const rows =
    epoch === undefined
      ? 0
      : prepared
        ? (await prepared('weir_save_task_run_fenced', SAVE_TASK_RUN_FENCED, values)).rowCount
        : Number((await db.executeQuery(CompiledQuery.raw(SAVE_TASK_RUN_FENCED, values))).numAffectedRows ?? 0);
  if (rows === 0) {
    fence.onFenced(runId);
    throw fencedError(runId, fence.workerId);
  }
}

/** The UPDATE of patchRunInPlace: $1 the patch, $2 the run id; fenced adds $3 worker, $4 epoch; ending releases the claim. */
function patchRunSql(fenced: boolean, ends: boolean): string {
  return `update runs set data = (data::jsonb || $1::jsonb)::text, ${ends ? 'claimed_by = null,' : ''}
      life_cycle_state = coalesce($1::jsonb ->> 'life_cycle_state', life_cycle_state),
      start_time = case when $1::jsonb ? 'start_time' then ($1::jsonb ->> 'start_time')::bigint else start_time end
    where run_id = $2 ${fenced ? 'and claimed_by = $3 and claim_epoch = $4' : ''}`;
}
const PATCH_RUN_SQL = [false, true].map((fenced) => [false, true].map((ends) => patchRunSql(fenced, ends)));

/**
 * PostgreSQL: merges a run patch into the stored record in one UPDATE (jsonb `||`, shallow like the object spread
 * of the generic path), fenced by the claim in its WHERE: the row lock of the UPDATE orders it against the
 * lost-worker sweep, which is what the share lock of a multi-statement write does. Zero rows with a fence means
 * the run is no longer this worker's; without a fence, a missing run is ignored as on the generic path. A fenced
 * write that ends the run (TERMINATED, SKIPPED, INTERNAL_ERROR) also releases its claim.
 */
export async function patchRunInPlace(db: Kysely<any>, runId: number, patch: object, fence: RunFence | undefined, prepared?: PreparedQuery): Promise<void> {
  const epoch = fence?.epochOf(runId);
  if (fence && epoch === undefined) {
    fence.onFenced(runId);
    throw fencedError(runId, fence.workerId);
  }
  const p = JSON.stringify(patch);
  // The write that ends a run also gives its claim back (the same round trip; nothing writes an ended run after).
  const ends = fence !== undefined && TERMINAL.includes(String((patch as { life_cycle_state?: string }).life_cycle_state));
  const text = PATCH_RUN_SQL[fence ? 1 : 0][ends ? 1 : 0];
  const values = fence ? [p, runId, fence.workerId, epoch] : [p, runId];
  const rows = prepared
    ? (await prepared(`weir_patch_run_${fence ? 'f' : ''}${ends ? 'e' : ''}`, text, values)).rowCount
    : Number((await db.executeQuery(CompiledQuery.raw(text, values))).numAffectedRows ?? 0);
  if (fence && rows === 0) {
    fence.onFenced(runId);
    throw fencedError(runId, fence.workerId);
  }
}

/** True when `e` is a unique-key violation (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE). */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: string } | undefined)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
