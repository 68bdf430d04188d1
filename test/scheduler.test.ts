import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/domain/clock.js';
import { parseJobSettings } from '../src/domain/parse-job-settings.js';
import { pathTableProbe } from '../src/scheduler/delta-version-probe.js';
import { listWatchedFiles } from '../src/engine/file-listing.js';
import { Scheduler, type TickFirer } from '../src/scheduler/scheduler.js';
import type { TickRecord } from '../src/store/ports/schedule-store.js';
import { ScheduleSqlStore } from '../src/store/sql/schedule-sql-store.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0); // a Monday, 08:00:00 UTC

let dir: string;
let store: SqlStore;
let clock: ManualClock;
let fired: { job: number; tick: TickRecord; trigger: string }[];

const recorder: TickFirer = async (job, tick, trigger) => {
  fired.push({ job: job.job_id, tick, trigger });
  return 1000 + fired.length;
};

function scheduler(fire: TickFirer = recorder, options: ConstructorParameters<typeof Scheduler>[0]['options'] = {}): Scheduler {
  return new Scheduler({
    jobs: store,
    runs: store,
    schedules: new ScheduleSqlStore(store.kysely),
    fire,
    clock,
    listFiles: listWatchedFiles,
    tables: pathTableProbe(async (name) => join(dir, 'tables', name)),
    options: { pollMs: 1000, ...options },
  });
}

async function job(extra: Record<string, unknown>): Promise<number> {
  const settings = parseJobSettings({ name: 'j', tasks: [{ task_key: 't', shell_task: { command: 'true' } }], ...extra });
  return store.createJob({ settings, creator_user_name: 't', created_time: clock.now(), source_dir: dir });
}

/** Advances the clock in steps, evaluating at each, like the timer would. */
async function runFor(s: Scheduler, ms: number, step = 250): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await s.evaluate();
  }
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-sched-'));
  store = await openSqliteStore(join(dir, 'weir.sqlite'));
  clock = new ManualClock(T0);
  fired = [];
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const iso = (ms: number) => new Date(ms).toISOString();

describe('cron schedules', () => {
  it('fires each tick once, at its logical time, with trigger PERIODIC', async () => {
    const id = await job({ schedule: { quartz_cron_expression: '0/15 * * * * ?', timezone_id: 'UTC' } });
    const s = scheduler();
    await s.evaluate();
    await runFor(s, 60_000);
    expect(fired.map((f) => iso(f.tick.scheduled_time))).toEqual([
      '2026-01-05T08:00:15.000Z',
      '2026-01-05T08:00:30.000Z',
      '2026-01-05T08:00:45.000Z',
      '2026-01-05T08:01:00.000Z',
    ]);
    expect(fired.every((f) => f.job === id && f.trigger === 'PERIODIC' && f.tick.kind === 'cron')).toBe(true);
    const ticks = await new ScheduleSqlStore(store.kysely).listTicks(id);
    expect(ticks.map((t) => t.run_id).sort()).toEqual([1001, 1002, 1003, 1004]);
  });

  it('keeps schedule-triggered runs at least 10 s apart, as Databricks does', async () => {
    await job({ schedule: { quartz_cron_expression: '* * * * * ?', timezone_id: 'UTC' } });
    const s = scheduler();
    await s.evaluate();
    await runFor(s, 30_000, 1000);
    expect(fired.map((f) => (f.tick.scheduled_time - T0) / 1000)).toEqual([1, 11, 21]);
  });

  it('does not fire a paused schedule, and owes no ticks when it is unpaused', async () => {
    const id = await job({ schedule: { quartz_cron_expression: '0 * * * * ?', timezone_id: 'UTC', pause_status: 'PAUSED' } });
    const s = scheduler();
    await s.evaluate();
    await runFor(s, 180_000, 1000);
    expect(fired).toEqual([]);
    const j = await store.getJob(id);
    await store.replaceSettings(id, { ...j!.settings, schedule: { quartz_cron_expression: '0 * * * * ?', timezone_id: 'UTC', pause_status: 'UNPAUSED' } });
    s.jobChanged(id);
    await runFor(s, 60_000, 1000);
    expect(fired.map((f) => iso(f.tick.scheduled_time))).toEqual(['2026-01-05T08:04:00.000Z']);
  });

  it('after downtime fires recent ticks one by one and collapses older ones into one (Quartz misfire rule)', async () => {
    const id = await job({ schedule: { quartz_cron_expression: '0/20 * * * * ?', timezone_id: 'UTC' } });
    const first = scheduler();
    await first.evaluate();
    await runFor(first, 20_000, 1000);
    expect(fired).toHaveLength(1);
    clock.advance(10 * 60_000); // weir is down for 10 minutes
    const second = scheduler();
    await second.evaluate();
    const times = fired.slice(1).map((f) => ({ at: iso(f.tick.scheduled_time), misfire: f.tick.info?.misfire === true }));
    expect(times[0]).toEqual({ at: '2026-01-05T08:00:40.000Z', misfire: true });
    // The ticks within the 60 s misfire threshold each fire.
    // Now is 08:10:20, so the ticks from 08:09:20 on are at most 60 s late.
    expect(times.slice(1)).toEqual([
      { at: '2026-01-05T08:09:20.000Z', misfire: false },
      { at: '2026-01-05T08:09:40.000Z', misfire: false },
      { at: '2026-01-05T08:10:00.000Z', misfire: false },
      { at: '2026-01-05T08:10:20.000Z', misfire: false },
    ]);
    expect((await new ScheduleSqlStore(store.kysely).listTicks(id)).length).toBe(6);
  });

  it('a crash between persisting a tick and creating its run creates the run once on restart', async () => {
    await job({ schedule: { quartz_cron_expression: '0 * * * * ?', timezone_id: 'UTC' } });
    let crash = true;
    const flaky: TickFirer = async (j, t, trigger) => {
      if (crash) throw new Error('process died');
      return recorder(j, t, trigger);
    };
    const s1 = scheduler(flaky);
    await s1.evaluate();
    clock.advance(60_000);
    await s1.evaluate().catch(() => undefined);
    expect(fired).toEqual([]);
    crash = false;
    const s2 = scheduler(flaky);
    await s2.evaluate();
    await runFor(s2, 1000);
    expect(fired.map((f) => iso(f.tick.scheduled_time))).toEqual(['2026-01-05T08:01:00.000Z']);
  });

  it('evaluates cron in the job time zone', async () => {
    // 09:00 in Berlin is 08:00 UTC in winter.
    await job({ schedule: { quartz_cron_expression: '0 0 9 ? * MON-FRI', timezone_id: 'Europe/Berlin' } });
    clock.set(Date.UTC(2026, 0, 5, 7, 59, 0));
    const s = scheduler();
    await s.evaluate();
    expect(s.upcoming(1, 3).map(iso)).toEqual(['2026-01-05T08:00:00.000Z', '2026-01-06T08:00:00.000Z', '2026-01-07T08:00:00.000Z']);
    await runFor(s, 120_000, 1000);
    expect(fired.map((f) => iso(f.tick.scheduled_time))).toEqual(['2026-01-05T08:00:00.000Z']);
  });
});

describe('periodic triggers', () => {
  it('fires every interval from when the trigger was set up', async () => {
    await job({ trigger: { periodic: { interval: 2, unit: 'MINUTES' } } });
    const s = scheduler();
    await s.evaluate();
    await runFor(s, 7 * 60_000, 5000);
    expect(fired.map((f) => (f.tick.scheduled_time - T0) / 60_000)).toEqual([2, 4, 6]);
    expect(fired[0].trigger).toBe('PERIODIC');
  });
});

describe('file arrival triggers', () => {
  it('fires for files that arrive after setup, once they are quiet, and passes them to the run', async () => {
    const landing = join(dir, 'landing');
    mkdirSync(landing);
    writeFileSync(join(landing, 'old.csv'), 'a\n');
    clock.set(Date.now());
    await job({ trigger: { file_arrival: { url: landing, wait_after_last_change_seconds: 30, min_time_between_triggers_seconds: 60 } } });
    const s = scheduler();
    await s.evaluate();
    await runFor(s, 5000, 1000);
    expect(fired).toEqual([]);
    writeFileSync(join(landing, 'new1.csv'), 'b\n');
    mkdirSync(join(landing, 'sub'));
    writeFileSync(join(landing, 'sub', 'new2.csv'), 'c\n');
    writeFileSync(join(landing, '_SUCCESS'), '');
    await runFor(s, 20_000, 1000);
    expect(fired).toEqual([]); // still inside wait_after_last_change_seconds
    await runFor(s, 15_000, 1000);
    expect(fired).toHaveLength(1);
    expect(fired[0].trigger).toBe('FILE_ARRIVAL');
    expect(fired[0].tick.info).toEqual({ file_arrival: { location: landing, new_files: [join(landing, 'new1.csv'), join(landing, 'sub', 'new2.csv')] } });
    // A file 10 s later waits for min_time_between_triggers_seconds (60 s after the last run).
    writeFileSync(join(landing, 'new3.csv'), 'd\n');
    utimesSync(join(landing, 'new3.csv'), new Date(clock.now()), new Date(clock.now()));
    await runFor(s, 40_000, 1000);
    expect(fired).toHaveLength(1);
    await runFor(s, 30_000, 1000);
    expect(fired).toHaveLength(2);
    expect(fired[1].tick.info).toEqual({ file_arrival: { location: landing, new_files: [join(landing, 'new3.csv')] } });
  });

  it('watches a glob', async () => {
    const landing = join(dir, 'in');
    mkdirSync(join(landing, 'x'), { recursive: true });
    clock.set(Date.now());
    await job({ trigger: { file_arrival: { url: `${landing}/**/*.json` } } });
    const s = scheduler();
    await s.evaluate();
    writeFileSync(join(landing, 'x', 'a.json'), '{}');
    writeFileSync(join(landing, 'x', 'a.csv'), '');
    await runFor(s, 2000, 1000);
    expect(fired.map((f) => (f.tick.info as any).file_arrival.new_files)).toEqual([[join(landing, 'x', 'a.json')]]);
  });
});

describe('table update triggers', () => {
  const commit = (table: string, v: number) => {
    mkdirSync(join(dir, 'tables', table, '_delta_log'), { recursive: true });
    writeFileSync(join(dir, 'tables', table, '_delta_log', `${String(v).padStart(20, '0')}.json`), '{}\n');
  };

  it('ANY_UPDATED fires on a new version of any table; ALL_UPDATED waits for all of them', async () => {
    commit('main.default.a', 0);
    commit('main.default.b', 0);
    clock.set(Date.now());
    const any = await job({ trigger: { table_update: { table_names: ['main.default.a', 'main.default.b'] } } });
    const all = await job({ trigger: { table_update: { table_names: ['main.default.a', 'main.default.b'], condition: 'ALL_UPDATED' } } });
    const s = scheduler();
    await s.evaluate();
    commit('main.default.a', 1);
    await runFor(s, 2000, 1000);
    expect(fired.map((f) => f.job)).toEqual([any]);
    expect(fired[0].trigger).toBe('TABLE');
    expect((fired[0].tick.info as any).table_update.updated_tables.map((t: any) => [t.table_name, t.version])).toEqual([['main.default.a', 1]]);
    commit('main.default.b', 1);
    await runFor(s, 2000, 1000);
    expect(fired.map((f) => f.job)).toEqual([any, any, all]);
  });
});
