import type { Clock } from '../domain/clock.js';
import { isTerminal } from '../domain/run-state.js';
import { WeirError } from '../domain/weir-error.js';
import type { JobStore } from '../store/ports/job-store.js';
import type { RunStore } from '../store/ports/run-store.js';
import type { BackfillRecord, ScheduleStore } from '../store/ports/schedule-store.js';
import type { JobRecord } from '../store/records.js';
import { nextFireTime, parseQuartzCron } from './quartz-cron.js';
import { fireTickOnce, type TickFirer } from './tick-firing.js';

/** The outcome of one schedule interval, over every run (scheduled or backfilled) with that logical time. */
export interface IntervalReport {
  time: number;
  status: 'SUCCEEDED' | 'FAILED' | 'RUNNING' | 'MISSING';
  run_ids: number[];
}

/** At most this many intervals per backfill, so a typo in --from cannot queue a million runs. */
export const MAX_BACKFILL_INTERVALS = 10_000;

/** What backfills need. */
export interface BackfillDeps {
  jobs: JobStore;
  runs: RunStore;
  schedules: ScheduleStore;
  fire: TickFirer;
  clock: Clock;
}

/**
 * Backfills: one run per schedule tick in [from, to], each with its logical time as `{{job.trigger.time.*}}`.
 * An interval that already succeeded is never run again; with only_failed, only failed intervals are re-run.
 * The scheduler advances running backfills on every evaluation, keeping at most `concurrency` runs active.
 */
export class Backfills {
  constructor(private readonly d: BackfillDeps) {}

  /** Plans a backfill from the job's cron schedule and stores it; runs start on the next advance. */
  async create(jobId: number, o: { from: number; to: number; concurrency?: number; only_failed?: boolean }): Promise<BackfillRecord> {
    const job = await this.d.jobs.getJob(jobId);
    if (!job) throw new WeirError('JOB.NOT_FOUND', `Job ${jobId} does not exist.`);
    if (!(o.from <= o.to)) throw new WeirError('SCHEDULE.BACKFILL', `from must not be after to (from ${iso(o.from)}, to ${iso(o.to)})`);
    const times = scheduleTimes(job, o.from, o.to);
    const intervals = await this.intervals(jobId, times);
    const wanted = intervals.filter((i) => (o.only_failed ? i.status === 'FAILED' : i.status === 'FAILED' || i.status === 'MISSING'));
    return this.d.schedules.createBackfill({
      job_id: jobId,
      from: o.from,
      to: o.to,
      concurrency: Math.max(1, o.concurrency ?? 1),
      only_failed: o.only_failed ?? false,
      state: wanted.length ? 'RUNNING' : 'DONE',
      created_time: this.d.clock.now(),
      end_time: wanted.length ? null : this.d.clock.now(),
      pending: wanted.map((i) => i.time),
      launched: [],
      active: [],
      skipped: intervals.length - wanted.length,
    });
  }

  /** Starts runs for running backfills up to their concurrency, and marks finished backfills DONE. */
  async advance(): Promise<void> {
    for (const b of await this.d.schedules.runningBackfills()) {
      const job = await this.d.jobs.getJob(b.job_id);
      if (!job) {
        await this.d.schedules.updateBackfill({ ...b, state: 'CANCELED', end_time: this.d.clock.now() });
        continue;
      }
      await this.advanceOne(job, b);
    }
  }

  /** The backfill with the status of each of its intervals. */
  async report(backfillId: number): Promise<{ backfill: BackfillRecord; intervals: IntervalReport[] }> {
    const backfill = await this.d.schedules.getBackfill(backfillId);
    if (!backfill) throw new WeirError('RUN.NOT_FOUND', `Backfill ${backfillId} does not exist.`);
    const job = await this.d.jobs.getJob(backfill.job_id);
    const times = job ? scheduleTimes(job, backfill.from, backfill.to) : [];
    return { backfill, intervals: await this.intervals(backfill.job_id, times) };
  }

  /** Stops launching runs (runs already started go on). */
  async cancel(backfillId: number): Promise<void> {
    const b = await this.d.schedules.getBackfill(backfillId);
    if (b && b.state === 'RUNNING') await this.d.schedules.updateBackfill({ ...b, state: 'CANCELED', end_time: this.d.clock.now() });
  }

  private async advanceOne(job: JobRecord, b: BackfillRecord): Promise<void> {
    const active: number[] = [];
    for (const id of b.active) {
      const run = await this.d.runs.getRun(id);
      if (run && !isTerminal(run.life_cycle_state)) active.push(id);
    }
    const pending = [...b.pending];
    const launched = [...b.launched];
    while (active.length < b.concurrency && pending.length) {
      const time = pending[0];
      const tick = { tick_key: `backfill:${b.backfill_id}:${time}`, job_id: job.job_id, kind: 'backfill' as const, scheduled_time: time, created_time: this.d.clock.now(), run_id: null, info: { backfill_id: b.backfill_id } };
      const runId = await fireTickOnce(this.d.schedules, this.d.fire, job, tick, 'PERIODIC');
      pending.shift();
      launched.push({ time, run_id: runId });
      active.push(runId);
    }
    const done = pending.length === 0 && active.length === 0;
    await this.d.schedules.updateBackfill({ ...b, pending, launched, active, state: done ? 'DONE' : 'RUNNING', end_time: done ? this.d.clock.now() : null });
  }

  private async intervals(jobId: number, times: number[]): Promise<IntervalReport[]> {
    if (times.length === 0) return [];
    const ticks = await this.d.schedules.listTicks(jobId, { from: times[0], to: times[times.length - 1], limit: 10 * MAX_BACKFILL_INTERVALS });
    const byTime = new Map<number, number[]>();
    for (const t of ticks) if (t.run_id !== null) byTime.set(t.scheduled_time, [...(byTime.get(t.scheduled_time) ?? []), t.run_id]);
    const out: IntervalReport[] = [];
    for (const time of times) {
      const ids = (byTime.get(time) ?? []).sort((a, b) => a - b);
      const runs = (await Promise.all(ids.map((id) => this.d.runs.getRun(id)))).filter((r) => r !== undefined);
      let status: IntervalReport['status'] = 'MISSING';
      if (runs.some((r) => r.result_state === 'SUCCESS')) status = 'SUCCEEDED';
      else if (runs.some((r) => !isTerminal(r.life_cycle_state))) status = 'RUNNING';
      else if (runs.length) status = 'FAILED';
      out.push({ time, status, run_ids: ids });
    }
    return out;
  }
}

/** The cron ticks of a job's schedule in [from, to] (at most MAX_BACKFILL_INTERVALS). */
export function scheduleTimes(job: JobRecord, from: number, to: number): number[] {
  const s = job.settings.schedule;
  if (!s) {
    throw new WeirError('SCHEDULE.BACKFILL', `job ${job.job_id} has no schedule: a backfill runs one run per schedule tick, so add schedule.quartz_cron_expression first`);
  }
  const cron = parseQuartzCron(s.quartz_cron_expression);
  const out: number[] = [];
  for (let at = nextFireTime(cron, from - 1, s.timezone_id); at !== null && at <= to; at = nextFireTime(cron, at, s.timezone_id)) {
    if (out.length === MAX_BACKFILL_INTERVALS) {
      throw new WeirError('SCHEDULE.BACKFILL', `the range ${iso(from)} … ${iso(to)} holds more than ${MAX_BACKFILL_INTERVALS} ticks of "${s.quartz_cron_expression}"; backfill a shorter range`);
    }
    out.push(at);
  }
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString();
