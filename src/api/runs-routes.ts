import { Hono } from 'hono';
import { z } from 'zod';
import { isTerminal } from '../domain/run-state.js';
import { WeirError } from '../domain/weir-error.js';
import { BoolLike, IntLike, ParamMap } from '../domain/wire.js';
import type { RunRecord } from '../store/records.js';
import type { ApiDeps } from './app.js';
import { invalidParameter, runNotFound } from './errors.js';
import { guardedHandle, permissionsOf, visibleRuns } from './job-permission-guard.js';
import { principalOf } from './auth.js';
import { isAdmin, parseAclRequest } from '../auth/job-permissions.js';
import { pageLinks, pageWindow, PagingParams, parseParams } from './params.js';
import { exportRun } from './run-export.js';
import { runLogs, runOutput } from './run-output.js';
import { streamRunLogs } from './log-stream.js';
import { compact, wireRun } from './wire-run.js';
import { costModelForRuns } from '../executor/compute/cost.js';

/** Request parameters (query or JSON body) of the route that parses RunIdParams; also documented in /api/openapi.json. */
export const RunIdParams = z.object({ run_id: IntLike });
/** Request parameters (query or JSON body) of the route that parses GetParams; also documented in /api/openapi.json. */
export const GetParams = z.object({ run_id: IntLike, include_history: BoolLike.optional(), include_resolved_values: BoolLike.optional(), page_token: z.string().optional() });
/** runs/export's parameters. */
export const ExportParams = z.object({ run_id: IntLike, views_to_export: z.string().optional() });
/** Request parameters (query or JSON body) of the route that parses ListParams; also documented in /api/openapi.json. */
export const ListParams = z.object({
  ...PagingParams,
  job_id: IntLike.optional(),
  active_only: BoolLike.optional(),
  completed_only: BoolLike.optional(),
  run_type: z.enum(['JOB_RUN', 'SUBMIT_RUN', 'WORKFLOW_RUN']).optional(),
  expand_tasks: BoolLike.optional(),
  start_time_from: IntLike.optional(),
  start_time_to: IntLike.optional(),
});
/** Request parameters (query or JSON body) of the route that parses CancelAllParams; also documented in /api/openapi.json. */
export const CancelAllParams = z.object({ job_id: IntLike.optional(), all_queued_runs: BoolLike.optional() });
/** Request parameters (query or JSON body) of the route that parses RepairParams; also documented in /api/openapi.json. */
export const RepairParams = z.object({
  run_id: IntLike,
  rerun_tasks: z.array(z.string()).optional(),
  rerun_all_failed_tasks: BoolLike.optional(),
  rerun_dependent_tasks: BoolLike.optional(),
  latest_repair_id: IntLike.optional(),
  job_parameters: ParamMap.optional(),
  notebook_params: ParamMap.optional(),
  python_params: z.array(z.string()).optional(),
  python_named_params: ParamMap.optional(),
  jar_params: z.array(z.string()).optional(),
  sql_params: ParamMap.optional(),
});
/** Request parameters (query or JSON body) of the route that parses LogsParams; also documented in /api/openapi.json. */
export const LogsParams = z.object({ run_id: IntLike, stream: z.enum(['stdout', 'stderr']).default('stdout'), offset: IntLike.default(0) });

/** Largest number of runs cancel-all walks through in one call. */
const CANCEL_ALL_PAGE = 1000;

async function requireRun(deps: ApiDeps, runId: number): Promise<RunRecord> {
  const run = await deps.store.getRun(runId);
  if (run) return run;
  const tr = await deps.store.getTaskRun(runId);
  if (tr) {
    throw invalidParameter(`run_id: ${runId} is a task run of run ${tr.run_id}; call runs/get with run_id=${tr.run_id}, or runs/get-output with ${runId} for this task's output`);
  }
  throw runNotFound(runId);
}

/** The wire form of one run, with its tasks when asked. */
async function runForm(deps: ApiDeps, run: RunRecord, tasks: boolean, o: { taskOffset?: number; resolvedValues?: boolean } = {}): Promise<Record<string, unknown>> {
  const all = tasks ? await deps.store.listTaskRuns(run.run_id) : [];
  let parentRunId: number | undefined;
  if (run.parent_task_run_id !== null) parentRunId = (await deps.store.getTaskRun(run.parent_task_run_id))?.run_id;
  // Costs use the configured price list and the all-purpose clusters the run's tasks name (only shown with tasks).
  const compute = deps.compute;
  const cost = tasks && compute ? await costModelForRuns(compute.catalog, compute.store, [run]) : undefined;
  const now = compute?.clock.now() ?? Date.now();
  return wireRun(run, { baseUrl: deps.baseUrl(), now, all, cost }, { tasks, parentRunId, taskOffset: o.taskOffset, resolvedValues: o.resolvedValues });
}

/** Routes of jobs/runs/* for one API version. */
export function runsRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  // Every route checks JOB_ROUTE_RULES (job-permission-guard.ts) before it runs.
  const handle = guardedHandle(deps);

  app.post('/jobs/runs/submit', handle(async (p, c) => {
    const { access_control_list: rawAcl, ...body } = p;
    const acl = parseAclRequest(rawAcl, 'access_control_list');
    const run = await deps.runs.submit(body, deps.workspaceDir);
    // A one-time run is visible to its submitter (its owner), the entries it names and admins.
    await permissionsOf(deps).grantInitial({ object_type: 'run', object_id: run.run_id }, principalOf(c).userName, acl);
    return { run_id: run.run_id };
  }));

  app.get('/jobs/runs/get', handle(async (p) => {
    const q = parseParams(GetParams, p);
    // Jobs API 2.2 pages a run's tasks 100 at a time (next_page_token), like jobs/get.
    const taskOffset = q.page_token !== undefined ? pageWindow({ page_token: q.page_token }, { defaultLimit: 100, maxLimit: 100, zeroMeansMax: true }).offset : 0;
    return runForm(deps, await requireRun(deps, q.run_id), true, { taskOffset, resolvedValues: q.include_resolved_values ?? false });
  }));

  app.get('/jobs/runs/list', handle(async (p, c) => {
    const q = parseParams(ListParams, p);
    if (q.active_only && q.completed_only) throw invalidParameter('active_only and completed_only cannot both be true; pass at most one of them');
    const { offset, limit } = pageWindow(q, { defaultLimit: 20, maxLimit: 25, zeroMeansMax: true });
    const read = (o: number, l: number) => deps.store.listRuns({
      jobId: q.job_id,
      activeOnly: q.active_only,
      completedOnly: q.completed_only,
      runType: q.run_type,
      startTimeFrom: q.start_time_from,
      startTimeTo: q.start_time_to,
      offset: o,
      limit: l,
    });
    const { userName } = principalOf(c);
    if (q.job_id === undefined && !isAdmin(userName)) {
      // The guard checked CAN_VIEW when job_id is given; without it, only runs the caller may view (pages may be short).
      const v = await visibleRuns(deps, userName, read, { offset, limit });
      const shown = await Promise.all(v.items.map((run) => runForm(deps, run, q.expand_tasks ?? false)));
      return compact({ runs: shown.length ? shown : undefined, ...v.links });
    }
    const r = await read(offset, limit);
    const runs = await Promise.all(r.runs.map((run) => runForm(deps, run, q.expand_tasks ?? false)));
    return compact({ runs: runs.length ? runs : undefined, ...pageLinks(offset, limit, r.hasMore) });
  }));

  app.post('/jobs/runs/cancel', handle(async (p) => {
    const { run_id } = parseParams(RunIdParams, p);
    const tr = await deps.store.getTaskRun(run_id);
    if (tr) {
      await deps.executor.cancelTaskRun(tr.run_id, run_id);
      return {};
    }
    if (!(await deps.store.getRun(run_id))) throw runNotFound(run_id);
    await deps.executor.cancelRun(run_id);
    return {};
  }));

  app.post('/jobs/runs/cancel-all', handle(async (p) => {
    const q = parseParams(CancelAllParams, p);
    if (q.job_id === undefined && !q.all_queued_runs) throw invalidParameter('runs/cancel-all: pass job_id, or all_queued_runs=true to cancel every queued run');
    let targets: RunRecord[];
    if (q.all_queued_runs) {
      targets = (await deps.store.runsInStates(['QUEUED'])).filter((r) => q.job_id === undefined || r.job_id === q.job_id);
    } else {
      targets = (await deps.store.listRuns({ jobId: q.job_id, activeOnly: true, offset: 0, limit: CANCEL_ALL_PAGE })).runs;
    }
    for (const r of targets) await deps.executor.cancelRun(r.run_id);
    return {};
  }));

  app.get('/jobs/runs/get-output', handle(async (p) => {
    const { run_id } = parseParams(RunIdParams, p);
    return runOutput(deps, run_id);
  }));

  app.post('/jobs/runs/repair', handle(async (p) => {
    const q = parseParams(RepairParams, p);
    const repairId = await deps.runs.repair(q.run_id, q);
    return { repair_id: repairId };
  }));

  app.post('/jobs/runs/delete', handle(async (p) => {
    const { run_id } = parseParams(RunIdParams, p);
    const run = await requireRun(deps, run_id);
    if (!isTerminal(run.life_cycle_state) || deps.executor.isActive(run_id)) {
      throw new WeirError('RUN.INVALID_STATE', `Run ${run_id} is still active; cancel it (runs/cancel) and wait for it to end before deleting it.`);
    }
    await deps.store.deleteRun(run_id);
    return {};
  }));

  app.get('/jobs/runs/export', handle(async (p) => {
    const q = parseParams(ExportParams, p);
    return { ...(await exportRun(deps, q.run_id, (q.views_to_export ?? 'CODE').toUpperCase())) };
  }));

  app.get('/jobs/runs/logs', handle(async (p) => {
    const q = parseParams(LogsParams, p);
    return runLogs(deps, q.run_id, q.stream, q.offset);
  }));

  app.get('/jobs/runs/logs/stream', (c) => streamRunLogs(deps, c));

  return app;
}
