import { Hono } from 'hono';
import { z } from 'zod';
import { WeirError } from '../domain/weir-error.js';
import type { SecretService } from '../secrets/secret-service.js';
import { handle } from './handle.js';
import { parseParams } from './params.js';

/** Request parameters (query or JSON body) of the route that parses Scope; also documented in /api/openapi.json. */
export const Scope = z.object({ scope: z.string() });
/** Request parameters (query or JSON body) of the route that parses ScopeKey; also documented in /api/openapi.json. */
export const ScopeKey = z.object({ scope: z.string(), key: z.string() });
/** Request parameters (query or JSON body) of the route that parses CreateScope; also documented in /api/openapi.json. */
export const CreateScope = z.object({
  scope: z.string(),
  initial_manage_principal: z.string().optional(),
  scope_backend_type: z.enum(['DATABRICKS']).optional(),
});
/** Request parameters (query or JSON body) of the route that parses Put; also documented in /api/openapi.json. */
export const Put = z.object({ scope: z.string(), key: z.string(), string_value: z.string().optional(), bytes_value: z.string().optional() });

/** A put's value: exactly one of string_value and bytes_value (base64). */
function putValue(q: z.infer<typeof Put>): Buffer {
  if ((q.string_value === undefined) === (q.bytes_value === undefined)) {
    throw new WeirError('VALIDATION.INVALID', 'secrets/put: pass exactly one of string_value and bytes_value (base64).');
  }
  if (q.string_value !== undefined) return Buffer.from(q.string_value, 'utf8');
  const b64 = q.bytes_value as string;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
    throw new WeirError('VALIDATION.INVALID', 'bytes_value: not base64; encode the bytes with base64 (e.g. `base64 -w0 file`).');
  }
  return Buffer.from(b64, 'base64');
}

/** Secrets API 2.0 under /api/2.0: scopes create/list/delete, put/get/list/delete secrets. */
export function secretsRoutes(secrets: SecretService): Hono {
  const app = new Hono();
  app.post('/secrets/scopes/create', handle(async (p) => {
    await secrets.createScope(parseParams(CreateScope, p).scope);
    return {};
  }));
  app.get('/secrets/scopes/list', handle(async () => {
    const scopes = await secrets.listScopes();
    return scopes.length ? { scopes: scopes.map((s) => ({ name: s.name, backend_type: s.backend_type })) } : {};
  }));
  app.post('/secrets/scopes/delete', handle(async (p) => {
    await secrets.deleteScope(parseParams(Scope, p).scope);
    return {};
  }));
  app.post('/secrets/put', handle(async (p) => {
    const q = parseParams(Put, p);
    await secrets.put(q.scope, q.key, putValue(q));
    return {};
  }));
  app.get('/secrets/list', handle(async (p) => {
    const list = await secrets.list(parseParams(Scope, p).scope);
    return list.length ? { secrets: list } : {};
  }));
  app.post('/secrets/delete', handle(async (p) => {
    const q = parseParams(ScopeKey, p);
    await secrets.delete(q.scope, q.key);
    return {};
  }));
  // Databricks returns the value base64-encoded to callers with READ permission; every weir token is an admin's.
  app.get('/secrets/get', handle(async (p) => {
    const q = parseParams(ScopeKey, p);
    return { key: q.key, value: (await secrets.get(q.scope, q.key)).toString('base64') };
  }));
  return app;
}
