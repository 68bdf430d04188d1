import { Hono } from 'hono';
import { guardedHandle } from './job-permission-guard.js';
import { z } from 'zod';
import { BoolLike, IntLike } from '../domain/wire.js';
import type { ApiDeps } from './app.js';
import { ApiError, jobNotFound } from './errors.js';
import { handle } from './handle.js';
import { parseParams } from './params.js';
import { describeQuartzCron, nextFireTimes, parseQuartzCron } from '../scheduler/quartz-cron.js';

/** An instant given as epoch milliseconds or an ISO-8601 string. */
const Instant = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = typeof v === 'number' || /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not an ISO-8601 time (e.g. 2026-01-31T06:00:00Z) or epoch milliseconds` });
    return z.NEVER;
  }
  return ms;
});

const BackfillParams = z.object({
  job_id: IntLike,
  from: Instant,
  to: Instant,
  concurrency: IntLike.optional(),
  only_failed: BoolLike.optional(),
});
const BackfillId = z.object({ backfill_id: IntLike });
const NextParams = z.object({ job_id: IntLike, count: IntLike.optional() });

/**
 * weir extensions beside the Jobs API: the next fire times of a job's schedule, and backfills (one run per
 * schedule tick in a range; intervals that succeeded are never re-run).
 */
export function scheduleRoutes(deps: ApiDeps): Hono {
  // The job permission rules (job-permission-guard.ts) apply here as on the jobs and runs routes.
  const guarded = guardedHandle(deps);
  const app = new Hono();
  const backfills = () => {
    if (!deps.backfills) throw new ApiError(501, 'NOT_IMPLEMENTED', 'This weir process has no scheduler role, so it cannot run backfills; start `weir server` or `weir scheduler`.');
    return deps.backfills;
  };

  app.get('/jobs/schedule/next', guarded(async (p) => {
    const q = parseParams(NextParams, p);
    const job = await deps.store.getJob(q.job_id);
    if (!job) throw jobNotFound(q.job_id);
    const s = job.settings.schedule;
    if (!s) return { job_id: q.job_id, next_fire_times: [] };
    const times = s.pause_status === 'PAUSED' ? [] : nextFireTimes(parseQuartzCron(s.quartz_cron_expression), Date.now(), s.timezone_id, Math.min(q.count ?? 5, 100));
    return {
      job_id: q.job_id,
      quartz_cron_expression: s.quartz_cron_expression,
      timezone_id: s.timezone_id,
      pause_status: s.pause_status ?? 'UNPAUSED',
      description: describeQuartzCron(s.quartz_cron_expression, s.timezone_id),
      next_fire_times: times.map((t) => new Date(t).toISOString()),
    };
  }));

  app.post('/jobs/backfill', guarded(async (p) => {
    const q = parseParams(BackfillParams, p);
    const b = await backfills().create(q.job_id, { from: q.from, to: q.to, concurrency: q.concurrency, only_failed: q.only_failed });
    deps.scheduler?.backfillCreated();
    return { backfill_id: b.backfill_id, state: b.state, intervals_to_run: b.pending.length, intervals_skipped: b.skipped };
  }));

  app.get('/jobs/backfills/get', guarded(async (p) => {
    const { backfill_id } = parseParams(BackfillId, p);
    const { backfill, intervals } = await backfills().report(backfill_id);
    const count = (s: string) => intervals.filter((i) => i.status === s).length;
    return {
      backfill_id,
      job_id: backfill.job_id,
      state: backfill.state,
      from: new Date(backfill.from).toISOString(),
      to: new Date(backfill.to).toISOString(),
      concurrency: backfill.concurrency,
      only_failed: backfill.only_failed,
      summary: { succeeded: count('SUCCEEDED'), failed: count('FAILED'), running: count('RUNNING'), missing: count('MISSING') },
      intervals: intervals.map((i) => ({ logical_time: new Date(i.time).toISOString(), status: i.status, run_ids: i.run_ids })),
    };
  }));

  app.post('/jobs/backfills/cancel', guarded(async (p) => {
    const { backfill_id } = parseParams(BackfillId, p);
    await backfills().cancel(backfill_id);
    return {};
  }));

  return app;
}

