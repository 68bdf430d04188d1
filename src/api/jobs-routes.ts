import { Hono } from 'hono';
import { z } from 'zod';
import type { JobSettings } from '../domain/job-settings.js';
import { parseJobSettings } from '../domain/parse-job-settings.js';
import { BoolLike, IntLike, ParamMap, ParamValue } from '../domain/wire.js';
import type { JobRecord } from '../store/records.js';
import type { ApiDeps, ApiVersion } from './app.js';
import { jobNotFound } from './errors.js';
import { handle } from './handle.js';
import { encodePageToken, pageLinks, pageWindow, PagingParams, parseParams } from './params.js';
import { mergeJobSettings } from './merge-job-settings.js';
import { compact } from './wire-run.js';
import { validateJobTrigger } from '../scheduler/job-trigger.js';

/** Arrays in a job's read form are capped at this many entries (2.2 paging of jobs/get). */
const MAX_ARRAY = 100;

/** Request parameters (query or JSON body) of the route that parses JobIdParams; also documented in /api/openapi.json. */
export const JobIdParams = z.object({ job_id: IntLike });
/** Request parameters (query or JSON body) of the route that parses GetParams; also documented in /api/openapi.json. */
export const GetParams = z.object({ job_id: IntLike, page_token: z.string().optional() });
/** Request parameters (query or JSON body) of the route that parses ListParams; also documented in /api/openapi.json. */
export const ListParams = z.object({ ...PagingParams, name: z.string().optional(), expand_tasks: BoolLike.optional() });
/** Request parameters (query or JSON body) of the route that parses UpdateParams; also documented in /api/openapi.json. */
export const UpdateParams = z.object({
  job_id: IntLike,
  new_settings: z.record(z.string(), z.unknown()).optional(),
  fields_to_remove: z.array(z.string()).optional(),
});
/** Request parameters (query or JSON body) of the route that parses ResetParams; also documented in /api/openapi.json. */
export const ResetParams = z.object({ job_id: IntLike, new_settings: z.record(z.string(), z.unknown()) });
/** Request parameters (query or JSON body) of the route that parses RunNowParams; also documented in /api/openapi.json. */
export const RunNowParams = z.object({
  job_id: IntLike,
  job_parameters: ParamMap.optional(),
  notebook_params: ParamMap.optional(),
  python_params: z.array(ParamValue).optional(),
  python_named_params: ParamMap.optional(),
  jar_params: z.array(ParamValue).optional(),
  sql_params: ParamMap.optional(),
  idempotency_token: z.string().max(64).optional(),
});

/** Fields of a create body that are not settings. */
const NOT_SETTINGS = ['access_control_list'];

/**
 * Job: the read form of a stored job. jobs/get (`full`) pages `tasks` and `job_clusters` 100 at a time from
 * `arrayOffset` (2.2 paging; arrays already complete come back empty on later pages); jobs/list leaves them out
 * unless `expand`, and then flags longer arrays with has_more so clients call jobs/get.
 */
export function wireJob(job: JobRecord, o: { expand: boolean; full: boolean; arrayOffset?: number }): Record<string, unknown> {
  const settings: Record<string, unknown> = { format: 'MULTI_TASK', ...job.settings };
  const from = o.arrayOffset ?? 0;
  let more = false;
  for (const field of ['tasks', 'job_clusters'] as const) {
    const list = job.settings[field];
    if (!o.expand || !list) {
      delete settings[field];
      continue;
    }
    settings[field] = list.slice(from, from + MAX_ARRAY);
    if (list.length > from + MAX_ARRAY) more = true;
  }
  return compact({
    job_id: job.job_id,
    creator_user_name: job.creator_user_name,
    run_as_user_name: o.full ? job.creator_user_name : undefined,
    created_time: job.created_time,
    settings,
    has_more: !o.full && more ? true : undefined,
    next_page_token: o.full && more ? encodePageToken(from + MAX_ARRAY) : undefined,
  });
}

async function requireJob(deps: ApiDeps, jobId: number): Promise<JobRecord> {
  const job = await deps.store.getJob(jobId);
  if (!job) throw jobNotFound(jobId);
  return job;
}

function settingsOf(body: Record<string, unknown>, where: string): JobSettings {
  const copy = { ...body };
  for (const k of NOT_SETTINGS) delete copy[k];
  return checkedSettings(copy, where);
}

/** Schema, graph, then schedule and triggers: a wrong cron expression is refused here, not at fire time. */
function checkedSettings(body: unknown, where: string): JobSettings {
  const settings = parseJobSettings(body, where);
  validateJobTrigger(settings, where);
  return settings;
}

/** Routes of jobs/* (create, get, list, update, reset, delete, run-now) for one API version. */
export function jobsRoutes(deps: ApiDeps, version: ApiVersion): Hono {
  const app = new Hono();

  app.post('/jobs/create', handle(async (p) => {
    const settings = settingsOf(p, '');
    await deps.compute?.checkJob(settings, '');
    // Jobs created through 2.2 queue by default (Databricks "Updating from Jobs API 2.1 to 2.2").
    if (version === '2.2' && settings.queue === undefined) settings.queue = { enabled: true };
    const jobId = await deps.store.createJob({ settings, creator_user_name: 'admin', created_time: Date.now(), source_dir: deps.workspaceDir });
    deps.scheduler?.jobChanged(jobId);
    return { job_id: jobId };
  }));

  app.get('/jobs/get', handle(async (p) => {
    const q = parseParams(GetParams, p);
    const { offset } = pageWindow(q, { defaultLimit: MAX_ARRAY, maxLimit: MAX_ARRAY, zeroMeansMax: true });
    return wireJob(await requireJob(deps, q.job_id), { expand: true, full: true, arrayOffset: offset });
  }));

  app.get('/jobs/list', handle(async (p) => {
    const q = parseParams(ListParams, p);
    const { offset, limit } = pageWindow(q, { defaultLimit: 20, maxLimit: 100, zeroMeansMax: false });
    const r = await deps.store.listJobs({ name: q.name, offset, limit });
    return compact({
      jobs: r.jobs.length ? r.jobs.map((j) => wireJob(j, { expand: q.expand_tasks ?? false, full: false })) : undefined,
      ...pageLinks(offset, limit, r.hasMore),
    });
  }));

  app.post('/jobs/update', handle(async (p) => {
    const q = parseParams(UpdateParams, p);
    const job = await requireJob(deps, q.job_id);
    const merged = mergeJobSettings(job.settings as Record<string, unknown>, q.new_settings ?? {}, q.fields_to_remove ?? []);
    const settings = checkedSettings(merged, 'new_settings');
    await deps.compute?.checkJob(settings, 'new_settings');
    await deps.store.replaceSettings(q.job_id, settings);
    deps.scheduler?.jobChanged(q.job_id);
    return {};
  }));

  app.post('/jobs/reset', handle(async (p) => {
    const q = parseParams(ResetParams, p);
    await requireJob(deps, q.job_id);
    const settings = settingsOf(q.new_settings, 'new_settings');
    await deps.compute?.checkJob(settings, 'new_settings');
    await deps.store.replaceSettings(q.job_id, settings);
    deps.scheduler?.jobChanged(q.job_id);
    return {};
  }));

  app.post('/jobs/delete', handle(async (p) => {
    const { job_id } = parseParams(JobIdParams, p);
    if (!(await deps.store.deleteJob(job_id))) throw jobNotFound(job_id);
    deps.scheduler?.jobChanged(job_id);
    return {};
  }));

  app.post('/jobs/run-now', handle(async (p) => {
    const q = parseParams(RunNowParams, p);
    const run = await deps.runs.runNow(q.job_id, {
      job_parameters: q.job_parameters,
      notebook_params: q.notebook_params,
      python_params: q.python_params,
      python_named_params: q.python_named_params,
      jar_params: q.jar_params,
      sql_params: q.sql_params,
      idempotency_token: q.idempotency_token,
    });
    return { run_id: run.run_id, number_in_job: run.run_id };
  }));

  return app;
}
