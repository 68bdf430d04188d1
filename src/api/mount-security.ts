import type { Hono } from 'hono';
import { WorkspaceTree } from '../workspace/workspace-tree.js';
import type { ApiDeps } from './app.js';
import { authMiddleware } from './auth.js';
import { redactRunOutput } from './redact-run-output.js';
import { scimMeRoutes, WORKSPACE_ID } from './scim-routes.js';
import { secretsRoutes } from './secrets-routes.js';
import { tokensRoutes } from './tokens-routes.js';
import { oauthRoutes } from './oauth-routes.js';
import { servicePrincipalsRoutes } from './service-principals-routes.js';
import { loginRoutes } from './ui-login.js';
import { workspaceRoutes } from './workspace-routes.js';

/**
 * Puts authentication in front of every route (call first, before any other route is added), secret redaction on
 * the run endpoints, and serves health, the UI login link, host metadata, OAuth M2M (discovery, token), service
 * principals, and the Token, SCIM Me, Secrets and Workspace APIs.
 */
export function mountSecurity(app: Hono, deps: ApiDeps): void {
  app.use('*', authMiddleware(deps.tokens));
  app.use('/api/*', redactRunOutput(deps.secrets, deps.store));
  app.get('/health', (c) => c.json({ status: 'ok' }));
  if (deps.loginLinks) app.route('/', loginRoutes(deps.loginLinks));
  // Host metadata that the Go and Python SDKs read when they resolve their configuration.
  app.get('/.well-known/databricks-config', (c) => c.json({ oidc_endpoint: `${deps.baseUrl()}/oidc`, workspace_id: WORKSPACE_ID }));
  if (deps.servicePrincipals) {
    app.route('/', oauthRoutes(deps.servicePrincipals, deps.baseUrl));
    app.route('/api/2.0', servicePrincipalsRoutes(deps.servicePrincipals));
  }
  app.route('/api/2.0', tokensRoutes(deps.tokens));
  app.route('/api/2.0', scimMeRoutes());
  app.route('/api/2.0', secretsRoutes(deps.secrets));
  app.route('/api/2.0', workspaceRoutes(new WorkspaceTree(deps.workspaceDir)));
}
