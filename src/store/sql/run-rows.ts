import type { Kysely } from 'kysely';
import type { RunPatch, RunRecord, TaskRunPatch, TaskRunRecord } from '../records.js';
import { assertOwned, type RunFence } from './run-fence.js';

/** The tables of the job and run stores (split from sql-store.ts, with the row helpers below). */
export interface Db {
  id_seq: { name: string; next_id: number };
  jobs: { job_id: number; name: string | null; created_time: number; data: string };
  runs: {
    run_id: number;
    job_id: number | null;
    run_type: string;
    life_cycle_state: string;
    created_time: number;
    start_time: number | null;
    idempotency_token: string | null;
    pool: string;
    data: string;
  };
  task_runs: { task_run_id: number; run_id: number; data: string };
}

/** The task_runs row of a task run record. */
export function trRow(t: TaskRunRecord) {
  return { task_run_id: t.task_run_id, run_id: t.run_id, data: JSON.stringify(t) };
}

/** Merges a patch into a stored run (read, merge, write in the caller's transaction). */
export async function applyRunPatch(tx: Kysely<Db>, runId: number, patch: RunPatch): Promise<void> {
  const row = await tx.selectFrom('runs').select('data').where('run_id', '=', runId).executeTakeFirst();
  if (!row) return;
  const rec = { ...(JSON.parse(row.data) as RunRecord), ...patch };
  await tx
    .updateTable('runs')
    .set({ life_cycle_state: rec.life_cycle_state, start_time: rec.start_time, data: JSON.stringify(rec) })
    .where('run_id', '=', runId)
    .execute();
}

/** Merges a patch into a stored task run, fenced by its run's claim when `fence` is given. */
export async function applyTaskRunPatch(tx: Kysely<Db>, id: number, patch: TaskRunPatch, fence?: RunFence): Promise<void> {
  const row = await tx.selectFrom('task_runs').select(['data', 'run_id']).where('task_run_id', '=', id).executeTakeFirst();
  if (!row) return;
  await assertOwned(tx, fence, Number(row.run_id));
  const rec = { ...(JSON.parse(row.data) as TaskRunRecord), ...patch };
  await tx.updateTable('task_runs').set({ data: JSON.stringify(rec) }).where('task_run_id', '=', id).execute();
}
