import { Hono } from 'hono';
import type { Executor } from '../executor/executor.js';
import type { RunService } from '../executor/run-service.js';
import type { JobStore } from '../store/ports/job-store.js';
import type { RunStore } from '../store/ports/run-store.js';
import { ApiError, toErrorResponse } from './errors.js';
import { jobsRoutes } from './jobs-routes.js';
import { mountSecurity } from './mount-security.js';
import { uiRoutes } from './ui-routes.js';
import { limitBodySize } from './params.js';
import { openApiRoutes } from './openapi.js';
import type { TokenService } from '../auth/token-service.js';
import type { SecretService } from '../secrets/secret-service.js';
import type { LoginLinks } from './ui-login.js';
import type { ServicePrincipals } from '../auth/service-principals.js';
import { runsRoutes } from './runs-routes.js';
import { scheduleRoutes } from './schedule-routes.js';
import { notificationsRoutes, type NotificationsApi } from './notifications-routes.js';
import { pipelinesRoutes } from './pipelines-routes.js';
import { sqlStatementsRoutes } from './sql-statements-routes.js';
import { computeRoutes } from './compute-routes.js';
import type { ComputeApi } from './clusters-routes.js';
import { catalogApiRoutes } from './unity-catalog-routes.js';
import type { CatalogService } from '../catalog/catalog-service.js';
import { operationsRoutes, type OperationsApi } from './operations-routes.js';
import type { StatementExecution } from '../engine/warehouse/statement-execution.js';
import type { PipelineService } from '../pipelines/pipeline-service.js';
import type { Backfills } from '../scheduler/backfill.js';
import type { Scheduler } from '../scheduler/scheduler.js';

/** What the REST API needs. */
export interface ApiDeps {
  store: JobStore & RunStore;
  runs: RunService;
  executor: Executor;
  /** Folder that relative task paths of API-created jobs and submitted runs resolve against. */
  workspaceDir: string;
  /** Public base URL of the server (for run_page_url), read per request because the port may be chosen late. */
  baseUrl: () => string;
  /** Personal access tokens: every route but health and the discovery documents needs one. */
  tokens: TokenService;
  /** Secret scopes and values (Secrets API, redaction of run outputs). */
  secrets: SecretService;
  /** One-time login links for the web UI (printed by `weir server`); without them /login is refused. */
  loginLinks?: LoginLinks;
  /** Service principals and OAuth M2M login (`/oidc/v1/token`); without them only personal access tokens work. */
  servicePrincipals?: ServicePrincipals;
  /** The scheduler role in this process, told about job changes; absent in API-only processes. */
  scheduler?: Scheduler;
  backfills?: Backfills;
  /** Notification destinations and delivery records; without them those routes answer 501. */
  notifications?: NotificationsApi;
  /** The declarative pipeline engine (Pipelines API 2.0). */
  pipelines?: PipelineService;
  /** The SQL warehouse's Statement Execution API (POST/GET /api/2.0/sql/statements). */
  statements?: StatementExecution;
  /** Clusters, cluster policies and node types (Clusters API, Cluster Policies API); without it those routes answer 501. */
  compute?: ComputeApi;
  /** Catalogs, schemas and tables (Unity Catalog API, table lineage); without it those routes answer 501. */
  catalog?: CatalogService;
  /** The operations summary (weir extension `GET /api/2.2/weir/operations/summary`); without it that route answers 501. */
  operations?: OperationsApi;
}

/** Jobs API versions served; all share handlers (2.2 differs only in the queue default of jobs/create). */
export const API_VERSIONS = ['2.0', '2.1', '2.2'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];

/** The Databricks-compatible REST API (Jobs 2.0/2.1/2.2 plus weir's runs/logs) as a Hono app. */
export function createApiApp(deps: ApiDeps): Hono {
  const app = new Hono();
  app.use('*', limitBodySize());
  app.use('*', uiRoutes());
  mountSecurity(app, deps);
  app.route('/', openApiRoutes(deps.baseUrl));
  app.route('/', notificationsRoutes(deps));
  const runs = runsRoutes(deps);
  for (const v of API_VERSIONS) {
    app.route(`/api/${v}`, jobsRoutes(deps, v));
    app.route(`/api/${v}`, runs);
    app.route(`/api/${v}`, scheduleRoutes(deps));
  }
  app.route('/api/2.2', operationsRoutes(deps));
  if (deps.statements) app.route('/api/2.0', sqlStatementsRoutes(deps.statements));
  app.route('/', computeRoutes(deps));
  app.route('/api', catalogApiRoutes(deps));
  if (deps.pipelines) app.route('/api/2.0', pipelinesRoutes(deps.pipelines, { workspaceDir: deps.workspaceDir }));
  else {
    // A process without the pipeline engine (an API built for jobs only) says so instead of answering 404.
    const refuse = () => {
      throw new ApiError(501, 'NOT_IMPLEMENTED', 'This weir process serves no pipelines: the Pipelines API runs in `weir server`.');
    };
    app.all('/api/2.0/pipelines', refuse);
    app.all('/api/2.0/pipelines/*', refuse);
  }
  app.notFound((c) =>
    c.json({ error_code: 'ENDPOINT_NOT_FOUND', message: `No API found for '${c.req.method} ${new URL(c.req.url).pathname}'` }, 404),
  );
  app.onError((err, c) => {
    const { status, body } = toErrorResponse(err);
    return c.json(body, status);
  });
  return app;
}
