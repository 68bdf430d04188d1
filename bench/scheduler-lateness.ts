/**
 * 10,000 jobs with second-level cron schedules: how late does the scheduler fire each tick, and how much CPU
 * does it use? Each job fires every 10 s (`S/10 * * * * ?`, S = job index mod 10; Databricks' minimum spacing of
 * schedule-triggered runs is 10 s), so 1,000 ticks are due every second. Every tick is persisted in SQLite with
 * its idempotency key, exactly as in production; the run creation itself is replaced by a recorder, because
 * this measures the scheduler, not the executor (the executor's cost per run is measured by the other benches).
 * Reference: the ideal scheduler fires at the scheduled instant (lateness 0). Goal: p99 lateness < 100 ms.
 *
 * `node --import tsx bench/scheduler-lateness.ts [jobs] [seconds]`
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../src/domain/clock.js';
import { parseJobSettings } from '../src/domain/parse-job-settings.js';
import { pathTableProbe } from '../src/scheduler/delta-version-probe.js';
import { listWatchedFiles } from '../src/engine/file-listing.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { ScheduleSqlStore } from '../src/store/sql/schedule-sql-store.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import { median, ms, percentile, tempDir, verdict } from './lib.js';

const JOBS = Number(process.argv[2] ?? 10_000);
const SECONDS = Number(process.argv[3] ?? 30);

const dir = tempDir('sched');
const store = await openSqliteStore(join(dir, 'weir.sqlite'));
const t0 = Date.now();
for (let i = 0; i < JOBS; i++) {
  const settings = parseJobSettings({
    name: `job-${i}`,
    schedule: { quartz_cron_expression: `${i % 10}/10 * * * * ?`, timezone_id: 'UTC' },
    tasks: [{ task_key: 't', shell_task: { command: 'true' } }],
  });
  await store.createJob({ settings, creator_user_name: 'bench', created_time: Date.now(), source_dir: dir });
}
console.log(`created ${JOBS} jobs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const lateness: number[] = [];
let measuring = false;
let nextRun = 1;
const scheduler = new Scheduler({
  jobs: store,
  runs: store,
  schedules: new ScheduleSqlStore(store.kysely),
  clock: systemClock,
  listFiles: listWatchedFiles,
  tables: pathTableProbe(async () => undefined),
  fire: async (_job, tick) => {
    if (measuring) lateness.push(Date.now() - tick.scheduled_time);
    return nextRun++;
  },
});
const loadStart = Date.now();
await scheduler.start();
console.log(`scheduler loaded ${JOBS} jobs in ${((Date.now() - loadStart) / 1000).toFixed(1)} s`);
// Let the first (catch-up) second pass, then measure.
await new Promise((r) => setTimeout(r, 2000));
measuring = true;
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
await new Promise((r) => setTimeout(r, SECONDS * 1000));
measuring = false;
const cpu = process.cpuUsage(cpu0);
const wall = performance.now() - wall0;
await scheduler.stop();
await store.close();
rmSync(dir, { recursive: true, force: true });

const share = (cpu.user + cpu.system) / 1000 / wall;
const p99 = percentile(lateness, 99);
console.log(`ticks fired: ${lateness.length} in ${SECONDS} s (expected about ${(JOBS / 10) * SECONDS})`);
console.log(`lateness: p50 ${ms(median(lateness))}, p99 ${ms(p99)}, max ${ms(Math.max(...lateness))}  (reference: 0 ms; goal p99 < 100 ms) ${verdict(p99 < 100)}`);
console.log(`scheduler CPU share: ${(share * 100).toFixed(1)}% of one core (each tick persisted in SQLite)`);
