// A scheduler process for the restart test: fires the ticks of every job into queued runs (no executor runs
// them), until it is killed. argv: <data dir>
import { join } from 'node:path';
import { systemClock } from '../../src/domain/clock.js';
import { DuckDbWarehouse } from '../../src/engine/duckdb-warehouse.js';
import { Executor } from '../../src/executor/executor.js';
import { RunService } from '../../src/executor/run-service.js';
import { defaultRunners } from '../../src/executor/runners/runner-registry.js';
import { pathTableProbe } from '../../src/scheduler/delta-version-probe.js';
import { listWatchedFiles } from '../../src/engine/file-listing.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { ScheduleSqlStore } from '../../src/store/sql/schedule-sql-store.js';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.js';

const dir = process.argv[2];
const store = await openSqliteStore(join(dir, 'weir.sqlite'));
const sql = await DuckDbWarehouse.open(':memory:');
const executor = new Executor({ store, runners: defaultRunners(), clock: systemClock, dataDir: dir, slots: 1, sql, workspaceUrl: '' });
const runs = new RunService(store, executor, systemClock, dir);
const scheduler = new Scheduler({
  jobs: store,
  runs: store,
  schedules: new ScheduleSqlStore(store.kysely),
  clock: systemClock,
  listFiles: listWatchedFiles,
  tables: pathTableProbe(async () => undefined),
  options: { minScheduleIntervalMs: 0 },
  fire: async (job, tick, trigger) => {
    const run = await runs.runNow(job.job_id, { trigger, idempotency_token: tick.tick_key, trigger_time: tick.scheduled_time }, false);
    return run.run_id;
  },
});
await scheduler.start();
process.on('SIGTERM', () => {
  void scheduler.stop().then(async () => {
    await store.close();
    await sql.close();
    process.exit(0);
  });
});
process.stdout.write('started\n');
