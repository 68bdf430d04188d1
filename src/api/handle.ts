import type { Context } from 'hono';
import { readParams, type Params } from './params.js';

/** Wraps an endpoint: reads its parameters (query + JSON body) and answers its result as JSON (`{}` when empty). */
export function handle(fn: (p: Params, c: Context) => Promise<Record<string, unknown>>) {
  return async (c: Context): Promise<Response> => {
    const result = await fn(await readParams(c), c);
    return c.json(result ?? {});
  };
}
