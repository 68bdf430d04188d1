import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../src/domain/clock.js';
import { parseJobSettings } from '../src/domain/parse-job-settings.js';
import { Backfills } from '../src/scheduler/backfill.js';
import { pathTableProbe } from '../src/scheduler/delta-version-probe.js';
import { listWatchedFiles } from '../src/engine/file-listing.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import type { TickFirer } from '../src/scheduler/tick-firing.js';
import { ScheduleSqlStore } from '../src/store/sql/schedule-sql-store.js';
import { sh, useHarness, type Harness } from './support/weir-harness.js';

const ctx = useHarness({ slots: 4 });

function firer(h: Harness): TickFirer {
  return async (job, tick, trigger) =>
    (await h.runs.runNow(job.job_id, { trigger, idempotency_token: tick.tick_key, trigger_time: tick.scheduled_time, trigger_info: tick.info })).run_id;
}

function backfills(h: Harness): Backfills {
  return new Backfills({ jobs: h.store, runs: h.store, schedules: new ScheduleSqlStore(h.store.kysely), fire: firer(h), clock: systemClock });
}

/** Advances backfills until the given one is done, waiting for its runs as a scheduler would. */
async function finish(h: Harness, b: Backfills, id: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await b.advance();
    const { backfill } = await b.report(id);
    if (backfill.state !== 'RUNNING') return;
    await Promise.all(backfill.active.map((r) => h.executor.waitForRun(r)));
  }
  throw new Error('backfill did not finish');
}

const day = (d: number) => Date.UTC(2026, 0, d, 0, 0, 0);

describe('backfills', () => {
  it('runs one run per tick with its logical time, and never re-runs an interval that succeeded', async () => {
    const h = ctx.h;
    const log = join(h.dir, 'dates.txt');
    writeFileSync(log, '');
    const settings = (failOn: string) =>
      parseJobSettings({
        name: 'daily',
        schedule: { quartz_cron_expression: '0 0 6 * * ?', timezone_id: 'UTC', pause_status: 'PAUSED' },
        max_concurrent_runs: 5,
        tasks: [sh('load', `echo {{job.trigger.time.iso_date}} >> ${log}; test "{{job.trigger.time.iso_date}}" != "${failOn}"`)],
      });
    const jobId = await h.store.createJob({ settings: settings('2026-01-03'), creator_user_name: 't', created_time: Date.now(), source_dir: h.dir });
    const b = backfills(h);

    const first = await b.create(jobId, { from: day(1), to: day(5) + 86_399_999, concurrency: 2 });
    expect(first.pending).toHaveLength(5);
    await finish(h, b, first.backfill_id);
    const r1 = await b.report(first.backfill_id);
    expect(r1.intervals.map((i) => [new Date(i.time).toISOString().slice(0, 10), i.status])).toEqual([
      ['2026-01-01', 'SUCCEEDED'],
      ['2026-01-02', 'SUCCEEDED'],
      ['2026-01-03', 'FAILED'],
      ['2026-01-04', 'SUCCEEDED'],
      ['2026-01-05', 'SUCCEEDED'],
    ]);
    expect(readFileSync(log, 'utf8').trim().split('\n').sort()).toEqual(['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-05']);

    // Fixed: only the failed interval runs again.
    await h.store.replaceSettings(jobId, settings('never'));
    const second = await b.create(jobId, { from: day(1), to: day(5) + 86_399_999, concurrency: 3, only_failed: true });
    expect(second.pending.map((t) => new Date(t).toISOString())).toEqual(['2026-01-03T06:00:00.000Z']);
    expect(second.skipped).toBe(4);
    await finish(h, b, second.backfill_id);
    const r2 = await b.report(second.backfill_id);
    expect(r2.intervals.every((i) => i.status === 'SUCCEEDED')).toBe(true);
    expect(r2.intervals.find((i) => i.time === Date.UTC(2026, 0, 3, 6))?.run_ids).toHaveLength(2);

    // Everything succeeded: a third backfill has nothing to do; a wider one runs only the new days.
    expect((await b.create(jobId, { from: day(1), to: day(5) + 86_399_999 })).state).toBe('DONE');
    const wider = await b.create(jobId, { from: day(1), to: day(7) + 86_399_999, concurrency: 2 });
    expect(wider.pending.map((t) => new Date(t).toISOString().slice(0, 10))).toEqual(['2026-01-06', '2026-01-07']);
    await finish(h, b, wider.backfill_id);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(8);
  });

  it('refuses a job without a schedule and a reversed range', async () => {
    const h = ctx.h;
    const jobId = await h.createJob({ name: 'manual', tasks: [sh('a', 'true')] });
    await expect(backfills(h).create(jobId, { from: day(1), to: day(2) })).rejects.toThrow(/has no schedule/);
    const cron = await h.createJob({ name: 'c', schedule: { quartz_cron_expression: '0 0 6 * * ?', timezone_id: 'UTC' }, tasks: [sh('a', 'true')] });
    await expect(backfills(h).create(cron, { from: day(2), to: day(1) })).rejects.toThrow(/from must not be after to/);
  });
});

function scheduler(h: Harness): Scheduler {
  return new Scheduler({
    jobs: h.store,
    runs: h.store,
    schedules: new ScheduleSqlStore(h.store.kysely),
    fire: firer(h),
    clock: systemClock,
    listFiles: listWatchedFiles,
    tables: pathTableProbe(async () => undefined),
    options: { minScheduleIntervalMs: 0, pollMs: 50 },
  });
}

describe('continuous jobs and concurrency', () => {
  it('starts a new run when the last one ends, until paused', async () => {
    const h = ctx.h;
    const jobId = await h.createJob({ name: 'stream', continuous: { pause_status: 'UNPAUSED' }, tasks: [sh('a', 'sleep 0.2')] });
    const s = scheduler(h);
    await s.start();
    try {
      for (let i = 0; i < 200; i++) {
        const { runs } = await h.store.listRuns({ jobId, offset: 0, limit: 10 });
        if (runs.filter((r) => r.result_state === 'SUCCESS').length >= 3) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const job = await h.store.getJob(jobId);
      await h.store.replaceSettings(jobId, { ...job!.settings, continuous: { pause_status: 'PAUSED' } });
      s.jobChanged(jobId);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await s.stop();
    }
    const { runs } = await h.store.listRuns({ jobId, offset: 0, limit: 100 });
    for (const r of runs) await h.executor.waitForRun(r.run_id);
    const done = (await h.store.listRuns({ jobId, offset: 0, limit: 100 })).runs.reverse();
    expect(done.length).toBeGreaterThanOrEqual(3);
    expect(done.every((r) => r.trigger === 'CONTINUOUS' && r.result_state === 'SUCCESS')).toBe(true);
    // Never two at once: each run started after the previous one ended.
    for (let i = 1; i < done.length; i++) expect(done[i].start_time!).toBeGreaterThanOrEqual(done[i - 1].end_time!);
    const count = done.length;
    await new Promise((r) => setTimeout(r, 400));
    expect((await h.store.listRuns({ jobId, offset: 0, limit: 100 })).runs.length).toBe(count);
  });

  it('skips scheduled runs over max_concurrent_runs without a queue, and queues them with one', async () => {
    const h = ctx.h;
    const cron = { quartz_cron_expression: '* * * * * ?', timezone_id: 'UTC' };
    const skip = await h.createJob({ name: 'skip', schedule: cron, max_concurrent_runs: 1, tasks: [sh('a', 'sleep 60')] });
    const queue = await h.createJob({ name: 'queue', schedule: cron, max_concurrent_runs: 1, queue: { enabled: true }, tasks: [sh('a', 'sleep 3')] });
    const s = scheduler(h);
    await s.start();
    let waiting = '';
    // Polls until a second tick of "queue" waits behind the first run (which sleeps 3 s); bounded only as a safety net.
    for (let i = 0; i < 400 && !waiting; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const queuedRun = (await h.store.listRuns({ jobId: queue, offset: 0, limit: 10 })).runs.find((r) => r.life_cycle_state === 'QUEUED');
      waiting = queuedRun?.state_message ?? '';
    }
    await s.stop();
    expect(waiting).toMatch(/^Queued: waiting for run\(s\) \d+ of this job to finish \(max_concurrent_runs is 1\)\.$/);
    // The first run of "skip" is still sleeping: every later tick was skipped. Cancel it to finish.
    for (const r of (await h.store.listRuns({ jobId: skip, offset: 0, limit: 100 })).runs) if (!r.result_state) await h.executor.cancelRun(r.run_id);
    for (const jobId of [skip, queue]) for (const r of (await h.store.listRuns({ jobId, offset: 0, limit: 100 })).runs) await h.executor.waitForRun(r.run_id);
    const skipped = (await h.store.listRuns({ jobId: skip, offset: 0, limit: 100 })).runs.map((r) => r.result_state);
    expect(skipped.filter((x) => x === 'CANCELED')).toHaveLength(1);
    expect(skipped.filter((x) => x === 'MAXIMUM_CONCURRENT_RUNS_REACHED').length).toBeGreaterThanOrEqual(1);
    const queued = (await h.store.listRuns({ jobId: queue, offset: 0, limit: 100 })).runs;
    expect(queued.length).toBeGreaterThanOrEqual(2);
    expect(queued.every((r) => r.result_state === 'SUCCESS')).toBe(true);
  });
});
