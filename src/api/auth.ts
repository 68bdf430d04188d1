import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Principal, TokenService } from '../auth/token-service.js';
import { WeirError } from '../domain/weir-error.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** The authenticated caller, set by the auth middleware. */
    principal: Principal;
  }
}

/** Cookie that carries a UI session's token (set by /login; HttpOnly, SameSite=Strict). */
export const SESSION_COOKIE = 'weir_token';

/** Paths answered without a token: health and the discovery documents clients read before they authenticate. */
const PUBLIC_PATHS: ReadonlySet<string> = new Set([
  '/health',
  '/login',
  '/.well-known/databricks-config',
  '/oidc/.well-known/oauth-authorization-server',
  '/oidc/v1/token',
]);

const MISSING =
  'Missing credentials: send `Authorization: Bearer <token>`. weir writes an admin token to <data-dir>/admin-token on first start; ' +
  'the weir CLI reads it (or WEIR_TOKEN / DATABRICKS_TOKEN); create more with `weir token create`.';

/** The token a request carries: a Bearer header, Basic auth with the token as password, or the UI session cookie. */
export function requestToken(c: Context): string | undefined {
  const header = c.req.header('authorization');
  if (header) {
    const [scheme, rest = ''] = header.trim().split(/\s+/, 2);
    if (scheme?.toLowerCase() === 'bearer') return rest;
    if (scheme?.toLowerCase() === 'basic') {
      // Databricks accepts a PAT as the password of Basic auth (user "token"), as some Airflow setups send it.
      const decoded = Buffer.from(rest, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon >= 0 ? decoded.slice(colon + 1) : undefined;
    }
    throw new WeirError('AUTH.UNAUTHENTICATED', `Unsupported Authorization scheme "${scheme}"; send \`Authorization: Bearer <token>\`.`);
  }
  return getCookie(c, SESSION_COOKIE);
}

/**
 * Hono middleware: every request except PUBLIC_PATHS needs a valid, unexpired personal access token, else 401
 * UNAUTHENTICATED. The caller becomes `c.get('principal')`.
 */
export function authMiddleware(tokens: TokenService): MiddlewareHandler {
  return async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) return next();
    const token = requestToken(c);
    if (!token) throw new WeirError('AUTH.UNAUTHENTICATED', MISSING);
    c.set('principal', await tokens.authenticate(token));
    return next();
  };
}

/** The authenticated caller of a request (the middleware guarantees one on non-public paths). */
export function principalOf(c: Context): Principal {
  const p = c.get('principal');
  if (!p) throw new WeirError('AUTH.UNAUTHENTICATED', MISSING);
  return p;
}
