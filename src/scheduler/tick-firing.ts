import type { TriggerType } from '../domain/run-state.js';
import type { ScheduleStore, TickRecord } from '../store/ports/schedule-store.js';
import type { JobRecord } from '../store/records.js';

/** Creates the run of a tick (the run service in one process; idempotent on the tick key). Returns the run id. */
export type TickFirer = (job: JobRecord, tick: TickRecord, trigger: TriggerType) => Promise<number>;

/**
 * Fires a tick exactly once: the tick is persisted first (its key decides), then its run is created unless an
 * earlier attempt already recorded one; a crash in between is repaired by the next attempt because the run is
 * created with the tick key as its idempotency token. Returns the tick's run id.
 */
export async function fireTickOnce(schedules: ScheduleStore, fire: TickFirer, job: JobRecord, tick: TickRecord, trigger: TriggerType): Promise<number> {
  const { tick: stored } = await schedules.claimTick(tick);
  if (stored.run_id !== null) return stored.run_id;
  const runId = await fire(job, stored, trigger);
  await schedules.setTickRun(stored.tick_key, runId);
  return runId;
}
