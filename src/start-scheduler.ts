import type { Clock } from './domain/clock.js';
import type { RunService } from './executor/run-service.js';
import { Backfills } from './scheduler/backfill.js';
import { pathTableProbe } from './scheduler/delta-version-probe.js';
import { listWatchedFiles } from './engine/file-listing.js';
import { Scheduler } from './scheduler/scheduler.js';
import type { TickFirer } from './scheduler/tick-firing.js';
import { managedTablePath } from './start-pipelines.js';
import { ScheduleSqlStore } from './store/sql/schedule-sql-store.js';
import type { SqlStore } from './store/sql/sql-store.js';

/**
 * Starts the scheduler role (of a one-process weir, or of `weir scheduler`; several may run on one PostgreSQL store): ticks become runs through the run service (the tick key is
 * the run's idempotency token, so a tick never makes two runs). Table-update triggers watch managed tables at
 * `<dataDir>/warehouse/<catalog>/<schema>/<table>`.
 */
export async function startScheduler(store: SqlStore, runs: RunService, clock: Clock, dataDir: string, run = true): Promise<{ scheduler: Scheduler; backfills: Backfills }> {
  const schedules = new ScheduleSqlStore(store.kysely);
  const fire: TickFirer = async (job, tick, trigger) =>
    (await runs.runNow(job.job_id, { trigger, idempotency_token: tick.tick_key, trigger_time: tick.scheduled_time, trigger_info: tick.info })).run_id;
  const backfills = new Backfills({ jobs: store, runs: store, schedules, fire, clock });
  const scheduler = new Scheduler({
    jobs: store,
    runs: store,
    schedules,
    fire,
    clock,
    backfills,
    listFiles: listWatchedFiles,
    tables: pathTableProbe(async (name) => (name.split('.').length === 3 ? managedTablePath(dataDir, name.toLowerCase()) : undefined)),
  });
  // Without the scheduler role the object still answers the API (upcoming ticks are empty) but fires nothing.
  if (run) await scheduler.start();
  return { scheduler, backfills };
}
