import { Hono } from 'hono';
import { z } from 'zod';
import type { Clock } from '../domain/clock.js';
import { IntLike } from '../domain/wire.js';
import type { OperationsStore, OperationsSummary, RunStats } from '../store/ports/operations-store.js';
import type { ApiDeps } from './app.js';
import { ApiError, invalidParameter, runNotFound } from './errors.js';
import { handle } from './handle.js';
import { pageLinks, pageWindow, PagingParams, parseParams } from './params.js';
import { compact, wireTaskRun } from './wire-run.js';

/** What the operations routes need: the aggregate queries and the clock that ends the window. */
export interface OperationsApi {
  store: OperationsStore;
  clock: Clock;
}

const HOUR_MS = 3_600_000;

const SummaryParams = z.object({
  window_hours: IntLike.pipe(z.number().min(1, 'window_hours must be at least 1').max(24 * 90, 'window_hours must be at most 2160 (90 days)')).default(24),
  jobs_limit: IntLike.pipe(z.number().min(1).max(1000, 'jobs_limit must be at most 1000')).default(100),
  failures_limit: IntLike.pipe(z.number().min(1).max(500, 'failures_limit must be at most 500')).default(50),
});

const IterationParams = z.object({ run_id: IntLike, ...PagingParams });

/** Active life-cycle states that count as queued on the dashboard; every other non-terminal state counts as running. */
const QUEUED_STATES = new Set(['QUEUED']);

function wireStats(s: RunStats): Record<string, unknown> {
  return {
    runs: s.runs,
    succeeded: s.succeeded,
    failed: s.failed,
    canceled: s.canceled,
    success_rate: s.successRate,
    p50_duration_ms: s.p50DurationMs,
    p95_duration_ms: s.p95DurationMs,
    max_duration_ms: s.maxDurationMs,
  };
}

/** The wire form of a summary (snake_case, like the rest of the API). */
function wireSummary(s: OperationsSummary, start: number, end: number, hours: number): Record<string, unknown> {
  let running = 0;
  let queued = 0;
  for (const [state, n] of Object.entries(s.active)) {
    if (QUEUED_STATES.has(state)) queued += n;
    else running += n;
  }
  const byState: Record<string, number> = { DELIVERED: 0, FAILED: 0, PENDING: 0 };
  for (const d of s.deliveries) byState[d.state] = (byState[d.state] ?? 0) + d.deliveries;
  return {
    window: { start_time: start, end_time: end, hours },
    totals: wireStats(s.totals),
    jobs: s.jobs.map((j) => ({ job_id: j.jobId, job_name: j.jobName, ...wireStats(j) })),
    job_count: s.jobCount,
    active: { running, queued, by_state: s.active },
    failures: s.failures.map((f) => ({
      run_id: f.runId,
      job_id: f.jobId,
      run_name: f.runName,
      life_cycle_state: f.lifeCycleState,
      result_state: f.resultState,
      state_message: f.stateMessage,
      start_time: f.startTime,
      end_time: f.endTime,
    })),
    notifications: {
      by_state: byState,
      by_channel: s.deliveries.map((d) => ({ channel: d.channel, state: d.state, deliveries: d.deliveries })),
      failed: s.failedDeliveries.map((d) => ({
        delivery_id: d.deliveryId,
        run_id: d.runId,
        channel: d.channel,
        destination: d.destination,
        event: d.event,
        attempts: d.attempts,
        last_error: d.lastError,
        created_time: d.createdTime,
      })),
    },
  };
}

/**
 * weir extensions for operating the server (not part of the Databricks API, hence the `/weir/` segment):
 * `GET weir/operations/summary` (run success rates, p50/p95 durations per job, running and queued runs, failures and
 * notification deliveries of a window) and `GET weir/runs/iterations` (the iterations of a for_each task run).
 */
export function operationsRoutes(deps: ApiDeps): Hono {
  const app = new Hono();

  app.get('/weir/operations/summary', handle(async (p) => {
    const ops = deps.operations;
    if (!ops) throw new ApiError(501, 'NOT_IMPLEMENTED', 'This weir process computes no operations summary; it is served by `weir server`.');
    const q = parseParams(SummaryParams, p);
    const end = ops.clock.now();
    const start = end - q.window_hours * HOUR_MS;
    const summary = await ops.store.operationsSummary({ since: start, jobLimit: q.jobs_limit, failureLimit: q.failures_limit, deliveryLimit: 20 });
    return wireSummary(summary, start, end, q.window_hours);
  }));

  app.get('/weir/runs/iterations', handle(async (p) => {
    const q = parseParams(IterationParams, p);
    const { offset, limit } = pageWindow(q, { defaultLimit: 100, maxLimit: 100, zeroMeansMax: true });
    const parent = await deps.store.getTaskRun(q.run_id);
    if (!parent) {
      if (await deps.store.getRun(q.run_id)) throw invalidParameter(`run_id: ${q.run_id} is a job run; pass the run_id of its for_each task (runs/get lists it under tasks[].run_id)`);
      throw runNotFound(q.run_id);
    }
    if (!parent.task.for_each_task) throw invalidParameter(`run_id: ${q.run_id} is a run of task ${parent.task_key}, which is not a for_each task; pass the run_id of a for_each task run`);
    const run = await deps.store.getRun(parent.run_id);
    if (!run) throw runNotFound(parent.run_id);
    const all = await deps.store.listTaskRuns(parent.run_id);
    const its = all
      .filter((t) => t.parent_task_run_id === parent.task_run_id && t.is_current)
      .sort((a, b) => (a.iteration_index ?? 0) - (b.iteration_index ?? 0));
    const ctx = { baseUrl: deps.baseUrl(), now: Date.now(), all };
    const page = its.slice(offset, offset + limit).map((t) => ({ ...wireTaskRun(run, t, ctx), iteration_index: t.iteration_index, input: t.input }));
    return compact({ iterations: page.length ? page : undefined, total_iterations: its.length, ...pageLinks(offset, limit, offset + limit < its.length) });
  }));

  return app;
}
