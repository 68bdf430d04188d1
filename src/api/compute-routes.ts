import { Hono } from 'hono';
import type { ApiDeps } from './app.js';
import { clusterPoliciesRoutes } from './cluster-policies-routes.js';
import { clustersRoutes } from './clusters-routes.js';
import { costRoutes } from './cost-routes.js';
import { ApiError } from './errors.js';

/**
 * Compute routes under their Databricks paths: clusters/* on 2.0 and 2.1 (the SDKs call 2.1), policies/clusters/*
 * on 2.0, and weir's jobs/cost on 2.0–2.2. A process built without compute answers the cluster routes 501.
 */
export function computeRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  for (const v of ['2.0', '2.1', '2.2']) app.route(`/api/${v}`, costRoutes(deps));
  if (deps.compute) {
    const clusters = clustersRoutes(deps.compute);
    app.route('/api/2.0', clusters);
    app.route('/api/2.1', clusters);
    app.route('/api/2.0', clusterPoliciesRoutes(deps.compute));
    return app;
  }
  const refuse = () => {
    throw new ApiError(501, 'NOT_IMPLEMENTED', 'This weir process serves no clusters: the Clusters API runs in `weir server`.');
  };
  for (const path of ['/api/2.0/clusters/*', '/api/2.1/clusters/*', '/api/2.0/policies/clusters/*']) app.all(path, refuse);
  return app;
}
