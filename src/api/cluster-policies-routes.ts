import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import { parsePolicyDefinition } from '../domain/cluster-policy.js';
import { IntLike } from '../domain/wire.js';
import type { ClusterPolicyRecord } from '../store/ports/cluster-store.js';
import type { ComputeApi } from './clusters-routes.js';
import { ApiError } from './errors.js';
import { handle } from './handle.js';
import { parseParams } from './params.js';
import { compact } from './wire-run.js';

/** policies/clusters/create parameters (`definition` is a JSON string, as Databricks carries it; an object is accepted). */
export const PolicyCreateParams = z.object({
  name: z.string().min(1).max(100),
  definition: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  description: z.string().max(1000).optional(),
  max_clusters_per_user: IntLike.optional(),
});
/** policies/clusters/edit parameters. */
export const PolicyEditParams = PolicyCreateParams.extend({ policy_id: z.string().min(1) });
/** Parameters of the routes that take only a policy id. */
export const PolicyIdParams = z.object({ policy_id: z.string().min(1) });

function policyNotFound(id: string): ApiError {
  return new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Cluster policy ${id} does not exist; list policies with policies/clusters/list`);
}

function nameTaken(name: string): ApiError {
  return new ApiError(400, 'INVALID_PARAMETER_VALUE', `name: a cluster policy named "${name}" already exists; pick another name or edit that policy`);
}

/** The definition as stored: validated, kept as the JSON text (an object body is serialised). */
function definitionText(definition: string | Record<string, unknown> | undefined): string {
  const text = definition === undefined ? '{}' : typeof definition === 'string' ? definition : JSON.stringify(definition);
  parsePolicyDefinition(text);
  return text;
}

/** Policy: a stored cluster policy in the Cluster Policies API's wire form. */
export function wirePolicy(p: ClusterPolicyRecord): Record<string, unknown> {
  return compact({ ...p, is_default: false });
}

/** Routes of policies/clusters/* (Cluster Policies API subset). */
export function clusterPoliciesRoutes(api: ComputeApi): Hono {
  const app = new Hono();
  const { store } = api;
  const require = async (id: string) => {
    const p = await store.getPolicy(id);
    if (!p) throw policyNotFound(id);
    return p;
  };

  app.post('/policies/clusters/create', handle(async (params) => {
    const q = parseParams(PolicyCreateParams, params);
    const rec: ClusterPolicyRecord = {
      policy_id: randomBytes(8).toString('hex').toUpperCase(),
      name: q.name,
      definition: definitionText(q.definition),
      description: q.description,
      max_clusters_per_user: q.max_clusters_per_user,
      creator_user_name: 'admin',
      created_at_timestamp: api.clock.now(),
    };
    if (!(await store.createPolicy(rec))) throw nameTaken(q.name);
    return { policy_id: rec.policy_id };
  }));
  app.get('/policies/clusters/get', handle(async (params) => wirePolicy(await require(parseParams(PolicyIdParams, params).policy_id))));
  app.get('/policies/clusters/list', handle(async () => {
    const all = await store.listPolicies();
    return compact({ policies: all.length ? all.map(wirePolicy) : undefined, total_count: all.length });
  }));
  app.post('/policies/clusters/edit', handle(async (params) => {
    const q = parseParams(PolicyEditParams, params);
    const old = await require(q.policy_id);
    const rec: ClusterPolicyRecord = { ...old, name: q.name, definition: definitionText(q.definition), description: q.description, max_clusters_per_user: q.max_clusters_per_user };
    const r = await store.savePolicy(rec);
    if (r === 'missing') throw policyNotFound(q.policy_id);
    if (r === 'name_taken') throw nameTaken(q.name);
    return {};
  }));
  app.post('/policies/clusters/delete', handle(async (params) => {
    const { policy_id } = parseParams(PolicyIdParams, params);
    if (!(await store.deletePolicy(policy_id))) throw policyNotFound(policy_id);
    return {};
  }));
  return app;
}
