import { Hono } from 'hono';
import type { Executor } from '../executor/executor.js';
import type { RunService } from '../executor/run-service.js';
import type { JobStore } from '../store/ports/job-store.js';
import type { RunStore } from '../store/ports/run-store.js';
import { ApiError, toErrorResponse } from './errors.js';
import { jobsRoutes } from './jobs-routes.js';
import { runsRoutes } from './runs-routes.js';

/** What the REST API needs. */
export interface ApiDeps {
  store: JobStore & RunStore;
  runs: RunService;
  executor: Executor;
  /** Folder that relative task paths of API-created jobs and submitted runs resolve against. */
  workspaceDir: string;
  /** Public base URL of the server (for run_page_url), read per request because the port may be chosen late. */
  baseUrl: () => string;
}

/** Jobs API versions served; all share handlers (2.2 differs only in the queue default of jobs/create). */
export const API_VERSIONS = ['2.0', '2.1', '2.2'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];

/** The Databricks-compatible REST API (Jobs 2.0/2.1/2.2 plus weir's runs/logs) as a Hono app. */
export function createApiApp(deps: ApiDeps): Hono {
  const app = new Hono();
  const runs = runsRoutes(deps);
  for (const v of API_VERSIONS) {
    app.route(`/api/${v}`, jobsRoutes(deps, v));
    app.route(`/api/${v}`, runs);
  }
  // The Pipelines API belongs to the declarative pipeline engine, which this version does not have yet: say so
  // clearly instead of pretending, so clients fail with a readable reason.
  app.all('/api/2.0/pipelines/*', () => {
    throw new ApiError(501, 'NOT_IMPLEMENTED', "The Pipelines API is not available yet: weir's declarative pipeline engine has not landed. Jobs with pipeline_task are accepted but their runs fail until it does.");
  });
  app.all('/api/2.0/pipelines', () => {
    throw new ApiError(501, 'NOT_IMPLEMENTED', "The Pipelines API is not available yet: weir's declarative pipeline engine has not landed.");
  });
  app.notFound((c) =>
    c.json({ error_code: 'ENDPOINT_NOT_FOUND', message: `No API found for '${c.req.method} ${new URL(c.req.url).pathname}'` }, 404),
  );
  app.onError((err, c) => {
    const { status, body } = toErrorResponse(err);
    return c.json(body, status);
  });
  return app;
}
