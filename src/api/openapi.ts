import { Hono } from 'hono';
import { z } from 'zod';
import { ClusterSpec } from '../domain/cluster-spec.js';
import { JobSettings } from '../domain/job-settings.js';
import { PipelineSpec, StartUpdate } from '../domain/pipeline-settings.js';
import { API_VERSIONS } from './app.js';
import * as clusters from './clusters-routes.js';
import * as policies from './cluster-policies-routes.js';
import { JobCostParams } from './cost-routes.js';
import * as jobs from './jobs-routes.js';
import * as pipelines from './pipelines-routes.js';
import * as runs from './runs-routes.js';
import * as secrets from './secrets-routes.js';
import * as tokens from './tokens-routes.js';
import * as workspace from './workspace-routes.js';

const TAGS = ['Jobs', 'Pipelines', 'Secrets', 'Token', 'Workspace', 'Clusters', 'Cluster Policies'] as const;
type Tag = (typeof TAGS)[number];

/** One documented operation: how it is called and the zod schema its handler validates parameters with. */
interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  tag: Tag;
  summary: string;
  /** Validated parameters; GET and DELETE take them in the query string (or a JSON body), others in a JSON body. */
  params?: z.ZodType;
}

const SubmitRun = JobSettings.extend({ run_name: z.string().optional(), idempotency_token: z.string().max(64).optional() });
const JobsCreate = JobSettings;

/** Jobs operations, served identically under /api/2.0, /api/2.1 and /api/2.2. */
const JOBS: Omit<Operation, 'tag'>[] = [
  { method: 'post', path: '/jobs/create', summary: 'Create a job', params: JobsCreate },
  { method: 'get', path: '/jobs/get', summary: 'Get a job', params: jobs.GetParams },
  { method: 'get', path: '/jobs/list', summary: 'List jobs (name filter, expand_tasks, offset/limit, page_token)', params: jobs.ListParams },
  { method: 'post', path: '/jobs/update', summary: 'Update some settings of a job', params: jobs.UpdateParams },
  { method: 'post', path: '/jobs/reset', summary: 'Replace all settings of a job', params: jobs.ResetParams },
  { method: 'post', path: '/jobs/delete', summary: 'Delete a job', params: jobs.JobIdParams },
  { method: 'post', path: '/jobs/run-now', summary: 'Trigger a run of a job', params: jobs.RunNowParams },
  { method: 'post', path: '/jobs/runs/submit', summary: 'Submit a one-time run', params: SubmitRun },
  { method: 'get', path: '/jobs/runs/get', summary: 'Get a run with its tasks', params: runs.GetParams },
  { method: 'get', path: '/jobs/runs/list', summary: 'List runs', params: runs.ListParams },
  { method: 'post', path: '/jobs/runs/cancel', summary: 'Cancel a run or a task run', params: runs.RunIdParams },
  { method: 'post', path: '/jobs/runs/cancel-all', summary: 'Cancel all active runs of a job', params: runs.CancelAllParams },
  { method: 'get', path: '/jobs/runs/get-output', summary: 'Get the output of a task run', params: runs.RunIdParams },
  { method: 'post', path: '/jobs/runs/repair', summary: 'Re-run failed or chosen tasks of a run', params: runs.RepairParams },
  { method: 'post', path: '/jobs/runs/delete', summary: 'Delete a finished run', params: runs.RunIdParams },
  { method: 'get', path: '/jobs/runs/logs', summary: "weir: read a task run's stdout or stderr", params: runs.LogsParams },
  { method: 'get', path: '/jobs/cost', summary: "weir: a job's compute cost per UTC day and per run", params: JobCostParams },
];

const ClusterEdit = ClusterSpec.extend({ cluster_id: z.string().min(1) });

/** Clusters operations, served under /api/2.0 and /api/2.1 (the SDKs call 2.1). */
const CLUSTERS: Omit<Operation, 'tag'>[] = [
  { method: 'post', path: '/clusters/create', summary: 'Create an all-purpose cluster (answers at once; PENDING until its init scripts ran)', params: ClusterSpec },
  { method: 'get', path: '/clusters/get', summary: 'Get a cluster with its state and weir cost', params: clusters.ClusterIdParams },
  { method: 'get', path: '/clusters/list', summary: 'List clusters (page_size, page_token, filter_by.cluster_states)', params: clusters.ClusterListParams },
  { method: 'post', path: '/clusters/start', summary: 'Start a terminated cluster', params: clusters.ClusterIdParams },
  { method: 'post', path: '/clusters/restart', summary: 'Restart a running cluster', params: clusters.ClusterIdParams },
  { method: 'post', path: '/clusters/delete', summary: 'Terminate a cluster', params: clusters.ClusterIdParams },
  { method: 'post', path: '/clusters/permanent-delete', summary: 'Terminate and forget a cluster', params: clusters.ClusterIdParams },
  { method: 'post', path: '/clusters/edit', summary: 'Replace the spec of a running (restarted) or terminated cluster', params: ClusterEdit },
  { method: 'post', path: '/clusters/resize', summary: 'Resize a running cluster', params: clusters.ClusterResizeParams },
  { method: 'post', path: '/clusters/events', summary: "List a cluster's events", params: clusters.ClusterEventsParams },
  { method: 'get', path: '/clusters/list-node-types', summary: 'List node types with their hourly rates' },
  { method: 'get', path: '/clusters/spark-versions', summary: 'List Spark versions (accepted and kept; weir runs no Spark)' },
];

/** Pipelines, Secrets, Token and Workspace operations (API 2.0 only). */
const V20: Operation[] = [
  { method: 'post', path: '/pipelines', tag: 'Pipelines', summary: 'Create a pipeline', params: PipelineSpec },
  { method: 'get', path: '/pipelines', tag: 'Pipelines', summary: 'List pipelines', params: pipelines.ListParams },
  { method: 'get', path: '/pipelines/{pipeline_id}', tag: 'Pipelines', summary: 'Get a pipeline' },
  { method: 'put', path: '/pipelines/{pipeline_id}', tag: 'Pipelines', summary: 'Edit a pipeline', params: PipelineSpec },
  { method: 'delete', path: '/pipelines/{pipeline_id}', tag: 'Pipelines', summary: 'Delete a pipeline', params: pipelines.DeleteParams },
  { method: 'post', path: '/pipelines/{pipeline_id}/updates', tag: 'Pipelines', summary: 'Start an update', params: StartUpdate },
  { method: 'get', path: '/pipelines/{pipeline_id}/updates', tag: 'Pipelines', summary: 'List updates', params: pipelines.UpdatesParams },
  { method: 'get', path: '/pipelines/{pipeline_id}/updates/{update_id}', tag: 'Pipelines', summary: 'Get an update' },
  { method: 'post', path: '/pipelines/{pipeline_id}/stop', tag: 'Pipelines', summary: 'Stop the active update' },
  { method: 'get', path: '/pipelines/{pipeline_id}/events', tag: 'Pipelines', summary: 'List events of the event log', params: pipelines.ListParams },
  { method: 'post', path: '/secrets/scopes/create', tag: 'Secrets', summary: 'Create a secret scope', params: secrets.CreateScope },
  { method: 'get', path: '/secrets/scopes/list', tag: 'Secrets', summary: 'List secret scopes' },
  { method: 'post', path: '/secrets/scopes/delete', tag: 'Secrets', summary: 'Delete a secret scope', params: secrets.Scope },
  { method: 'post', path: '/secrets/put', tag: 'Secrets', summary: 'Put a secret', params: secrets.Put },
  { method: 'get', path: '/secrets/get', tag: 'Secrets', summary: 'Get a secret value (base64)', params: secrets.ScopeKey },
  { method: 'get', path: '/secrets/list', tag: 'Secrets', summary: 'List secret keys (never values)', params: secrets.Scope },
  { method: 'post', path: '/secrets/delete', tag: 'Secrets', summary: 'Delete a secret', params: secrets.ScopeKey },
  { method: 'post', path: '/token/create', tag: 'Token', summary: 'Create a personal access token (shown once)', params: tokens.CreateParams },
  { method: 'get', path: '/token/list', tag: 'Token', summary: "List the caller's tokens" },
  { method: 'post', path: '/token/delete', tag: 'Token', summary: 'Revoke a token', params: tokens.DeleteParams },
  { method: 'get', path: '/workspace/get-status', tag: 'Workspace', summary: 'Status of a workspace object', params: workspace.Path },
  { method: 'get', path: '/workspace/list', tag: 'Workspace', summary: 'List a workspace directory', params: workspace.Path },
  { method: 'post', path: '/workspace/mkdirs', tag: 'Workspace', summary: 'Create a directory and its parents', params: workspace.Path },
  { method: 'post', path: '/workspace/import', tag: 'Workspace', summary: 'Import a notebook or file (base64 content)', params: workspace.Import },
  { method: 'get', path: '/workspace/export', tag: 'Workspace', summary: 'Export a notebook or file', params: workspace.Export },
  { method: 'post', path: '/workspace/delete', tag: 'Workspace', summary: 'Delete a workspace object', params: workspace.Delete },
  { method: 'post', path: '/policies/clusters/create', tag: 'Cluster Policies', summary: 'Create a cluster policy', params: policies.PolicyCreateParams },
  { method: 'get', path: '/policies/clusters/get', tag: 'Cluster Policies', summary: 'Get a cluster policy', params: policies.PolicyIdParams },
  { method: 'get', path: '/policies/clusters/list', tag: 'Cluster Policies', summary: 'List cluster policies' },
  { method: 'post', path: '/policies/clusters/edit', tag: 'Cluster Policies', summary: 'Replace a cluster policy', params: policies.PolicyEditParams },
  { method: 'post', path: '/policies/clusters/delete', tag: 'Cluster Policies', summary: 'Delete a cluster policy', params: policies.PolicyIdParams },
];

/** Every documented operation with its full path; `compute` false leaves out the Clusters and Cluster Policies APIs (a process without them). */
export function documentedOperations(o: { compute?: boolean } = {}): Operation[] {
  const out: Operation[] = [];
  for (const v of API_VERSIONS) for (const op of JOBS) out.push({ ...op, tag: 'Jobs', path: `/api/${v}${op.path}` });
  for (const op of V20) out.push({ ...op, path: `/api/2.0${op.path}` });
  if (o.compute !== false) for (const v of ['2.0', '2.1']) for (const op of CLUSTERS) out.push({ ...op, tag: 'Clusters', path: `/api/${v}${op.path}` });
  return o.compute === false ? out.filter((op) => op.tag !== 'Cluster Policies') : out;
}

/** JSON Schema 2020-12 of what a client may send (the input side: "42" and 42 both pass an IntLike). */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return rest;
}

const ERROR = { $ref: '#/components/schemas/Error' };

function operationObject(op: Operation): Record<string, unknown> {
  const o: Record<string, unknown> = {
    tags: [op.tag],
    summary: op.summary,
    operationId: `${op.method}${op.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    responses: {
      '200': { description: 'Success', content: { 'application/json': { schema: { type: 'object' } } } },
      '400': { description: 'Invalid parameters', content: { 'application/json': { schema: ERROR } } },
      '401': { description: 'Missing, expired or unknown token', content: { 'application/json': { schema: ERROR } } },
      '413': { description: 'Body over 32 MiB', content: { 'application/json': { schema: ERROR } } },
    },
  };
  const pathParams = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  let queryParams: Record<string, unknown>[] = [];
  if (op.params && (op.method === 'get' || op.method === 'delete')) {
    const s = jsonSchema(op.params) as { properties?: Record<string, unknown>; required?: string[] };
    queryParams = Object.entries(s.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', required: s.required?.includes(name) ?? false, schema }));
  } else if (op.params) {
    o.requestBody = { required: true, content: { 'application/json': { schema: jsonSchema(op.params) } } };
  }
  if (pathParams.length || queryParams.length) o.parameters = [...pathParams, ...queryParams];
  return o;
}

/** The OpenAPI 3.1 document of weir's REST API, built from the zod schemas the handlers validate with. */
export function openApiDocument(serverUrl: string, o: { compute?: boolean } = {}): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of documentedOperations(o)) (paths[op.path] ??= {})[op.method] = operationObject(op);
  return {
    openapi: '3.1.0',
    info: {
      title: 'weir REST API',
      version: '1.0.0',
      description: 'Databricks-compatible Jobs 2.0/2.1/2.2, Pipelines 2.0, Secrets, Token, Workspace, Clusters and Cluster Policies APIs. Numbers may be sent as strings and GET parameters as a JSON body, as Databricks clients do.',
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    tags: TAGS.filter((t) => o.compute !== false || (t !== 'Clusters' && t !== 'Cluster Policies')).map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A personal access token or an OAuth M2M access token' } },
      schemas: { Error: { type: 'object', required: ['error_code', 'message'], properties: { error_code: { type: 'string' }, message: { type: 'string' } } } },
    },
  };
}

/**
 * GET /api/openapi.json, behind authentication like every API route (only health and the OAuth discovery
 * documents are public, so nothing is open by accident); fetch it with the same bearer token.
 */
export function openApiRoutes(baseUrl: () => string, o: { compute?: boolean } = {}): Hono {
  const app = new Hono();
  let cached: { url: string; body: string } | undefined;
  app.get('/api/openapi.json', (c) => {
    const url = baseUrl();
    if (cached?.url !== url) cached = { url, body: JSON.stringify(openApiDocument(url, o)) };
    return c.body(cached.body, 200, { 'content-type': 'application/json' });
  });
  return app;
}
