import { Hono, type Context } from 'hono';
import type { ServicePrincipals } from '../auth/service-principals.js';

/** Client id and secret of a token request: HTTP Basic (values URL-encoded by some clients) or form fields. */
function clientCredentials(c: Context, form: Record<string, unknown>): { id: string; secret: string } | undefined {
  const header = c.req.header('authorization') ?? '';
  if (/^basic\s+/i.test(header)) {
    const decoded = Buffer.from(header.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const unescape = (s: string): string => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s;
      }
    };
    return { id: unescape(decoded.slice(0, colon)), secret: unescape(decoded.slice(colon + 1)) };
  }
  if (typeof form.client_id === 'string' && typeof form.client_secret === 'string') return { id: form.client_id, secret: form.client_secret };
  return undefined;
}

const oauthError = (c: Context, status: 400 | 401, error: string, description: string) => c.json({ error, error_description: description }, status);

/**
 * OAuth machine-to-machine login as Databricks SDKs do it: the discovery document at
 * `/oidc/.well-known/oauth-authorization-server` (absolute URLs) and the client credentials grant at
 * `POST /oidc/v1/token`, answering `{access_token, token_type, expires_in, scope}`.
 */
export function oauthRoutes(sps: ServicePrincipals, baseUrl: () => string): Hono {
  const app = new Hono();
  app.get('/oidc/.well-known/oauth-authorization-server', (c) => {
    const oidc = `${baseUrl()}/oidc`;
    return c.json({
      issuer: oidc,
      authorization_endpoint: `${oidc}/v1/authorize`,
      token_endpoint: `${oidc}/v1/token`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      response_types_supported: ['code'],
      scopes_supported: ['all-apis'],
    });
  });
  app.post('/oidc/v1/token', async (c) => {
    const form = (await c.req.parseBody().catch(() => ({}))) as Record<string, unknown>;
    if (form.grant_type !== 'client_credentials') {
      return oauthError(c, 400, 'unsupported_grant_type', `grant_type ${JSON.stringify(form.grant_type ?? null)} is not supported; weir issues tokens for grant_type=client_credentials.`);
    }
    const creds = clientCredentials(c, form);
    if (!creds) return oauthError(c, 401, 'invalid_client', 'Send the client id and secret with HTTP Basic auth or as client_id and client_secret form fields.');
    const issued = await sps.issueAccessToken(creds.id, creds.secret);
    if (!issued) return oauthError(c, 401, 'invalid_client', 'Unknown client id or wrong client secret; create a secret with `weir service-principal create`.');
    return c.json({ ...issued, token_type: 'Bearer', scope: typeof form.scope === 'string' ? form.scope : 'all-apis' });
  });
  return app;
}
