import { Hono } from 'hono';
import { z } from 'zod';
import type { TokenService } from '../auth/token-service.js';
import { IntLike } from '../domain/wire.js';
import { principalOf } from './auth.js';
import { handle } from './handle.js';
import { parseParams } from './params.js';

/** Request parameters (query or JSON body) of the route that parses CreateParams; also documented in /api/openapi.json. */
export const CreateParams = z.object({ lifetime_seconds: IntLike.optional(), comment: z.string().max(1000).optional() });
/** Request parameters (query or JSON body) of the route that parses DeleteParams; also documented in /api/openapi.json. */
export const DeleteParams = z.object({ token_id: z.string().min(1) });

/** Token API 2.0 (create, list, delete) under /api/2.0; a caller sees and deletes only its own user's tokens. */
export function tokensRoutes(tokens: TokenService): Hono {
  const app = new Hono();
  app.post('/token/create', handle(async (p, c) => {
    const q = parseParams(CreateParams, p);
    const created = await tokens.create(principalOf(c).userName, { lifetimeSeconds: q.lifetime_seconds, comment: q.comment });
    return { ...created };
  }));
  app.get('/token/list', handle(async (_p, c) => ({ token_infos: await tokens.list(principalOf(c).userName) })));
  app.post('/token/delete', handle(async (p, c) => {
    const q = parseParams(DeleteParams, p);
    await tokens.delete(q.token_id, principalOf(c).userName);
    return {};
  }));
  return app;
}
