import { Hono, type MiddlewareHandler } from 'hono';
import { ADMIN_USER } from '../auth/token-service.js';
import { WeirError } from '../domain/weir-error.js';
import { principalOf } from './auth.js';
import { z } from 'zod';
import type { ServicePrincipals } from '../auth/service-principals.js';
import type { ServicePrincipalRecord } from '../store/ports/auth-store.js';
import { handle } from './handle.js';
import { parseParams } from './params.js';

const Create = z.object({ displayName: z.string() });

/** Managing service principals is for workspace admins, as on Databricks: others get 403 PERMISSION_DENIED. */
const adminOnly: MiddlewareHandler = async (c, next) => {
  const { userName } = principalOf(c);
  if (userName !== ADMIN_USER) {
    throw new WeirError('AUTH.PERMISSION_DENIED', `${userName} may not manage service principals; only the workspace admin may (use the admin token, <data-dir>/admin-token).`);
  }
  return next();
};

/** A service principal as SCIM describes it. */
function scim(sp: ServicePrincipalRecord): Record<string, unknown> {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal'],
    id: sp.id,
    applicationId: sp.application_id,
    displayName: sp.display_name,
    active: true,
  };
}

/**
 * Service principals (`/api/2.0/preview/scim/v2/ServicePrincipals`) and their OAuth secrets
 * (`/api/2.0/accounts/servicePrincipals/{id}/credentials/secrets`, the workspace-level proxy the SDKs call).
 */
export function servicePrincipalsRoutes(sps: ServicePrincipals): Hono {
  const app = new Hono();
  const base = '/preview/scim/v2/ServicePrincipals';
  const secrets = '/accounts/servicePrincipals/:id/credentials/secrets';
  for (const path of [base, `${base}/*`, secrets, `${secrets}/*`]) app.use(path, adminOnly);
  app.post(base, handle(async (p) => scim(await sps.create(parseParams(Create, p).displayName))));
  app.get(base, handle(async () => {
    const all = await sps.list();
    return { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: all.length, startIndex: 1, itemsPerPage: all.length, Resources: all.map(scim) };
  }));
  app.get(`${base}/:id`, handle(async (_p, c) => scim(await sps.get(c.req.param('id') as string))));
  app.delete(`${base}/:id`, handle(async (_p, c) => {
    await sps.delete(c.req.param('id') as string);
    return {};
  }));
  app.post(secrets, handle(async (_p, c) => ({ ...(await sps.createSecret(c.req.param('id') as string)) })));
  app.get(secrets, handle(async (_p, c) => ({ secrets: await sps.listSecrets(c.req.param('id') as string) })));
  app.delete(`${secrets}/:secretId`, handle(async (_p, c) => {
    await sps.deleteSecret(c.req.param('id') as string, c.req.param('secretId') as string);
    return {};
  }));
  return app;
}
