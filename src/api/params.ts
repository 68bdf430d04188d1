import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { WeirError } from '../domain/weir-error.js';
import { formatIssues, IntLike } from '../domain/wire.js';
import { ApiError, invalidParameter } from './errors.js';

/** Raw request parameters: query string merged with the JSON body. */
export type Params = Record<string, unknown>;

/** Largest JSON body accepted (job settings with 1000 tasks fit easily). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** The 413 answered for a body over MAX_BODY_BYTES. */
function bodyTooLarge(size: string): ApiError {
  return new ApiError(413, 'REQUEST_ENTITY_TOO_LARGE', `The request body (${size}) exceeds the limit of ${MAX_BODY_BYTES} bytes (32 MiB); send smaller requests, e.g. split job settings or upload large files through the Workspace API in parts.`);
}

/** Middleware that answers 413 {error_code, message} for any body over MAX_BODY_BYTES, before it is buffered whole. */
export function limitBodySize(): MiddlewareHandler {
  return bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => {
      const len = c.req.header('content-length');
      const e = bodyTooLarge(len ? `${len} bytes` : `more than ${MAX_BODY_BYTES} bytes`);
      return c.json({ error_code: e.errorCode, message: e.message }, 413);
    },
  });
}

/**
 * Reads a request's parameters from the query string and the JSON body. GET bodies are read too, because
 * Airflow's deferrable mode sends GET parameters as JSON. Empty query values and an empty page_token count as
 * absent; body values win over query values.
 */
export async function readParams(c: Context): Promise<Params> {
  const out: Params = {};
  for (const [k, vs] of Object.entries(c.req.queries())) {
    const values = vs.filter((v) => v !== '');
    if (values.length === 1) out[k] = values[0];
    else if (values.length > 1) out[k] = values;
  }
  const text = await readBodyText(c);
  if (text.trim() !== '') {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw new ApiError(400, 'MALFORMED_REQUEST', `Could not parse request body as JSON: ${(e as Error).message}`);
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ApiError(400, 'MALFORMED_REQUEST', 'The request body must be a JSON object.');
    }
    Object.assign(out, body);
  }
  if (out.page_token === '' || out.page_token === null) delete out.page_token;
  return out;
}

async function readBodyText(c: Context): Promise<string> {
  const method = c.req.method;
  if (method !== 'GET' && method !== 'HEAD') return c.req.text();
  // The fetch Request of a GET has no body; on Node the raw IncomingMessage still holds it.
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || typeof incoming.on !== 'function') return '';
  const len = Number(incoming.headers['content-length'] ?? 0);
  if (!len && !incoming.headers['transfer-encoding']) return '';
  if (len > MAX_BODY_BYTES) throw bodyTooLarge(`${len} bytes`);
  if (incoming.readableEnded) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw bodyTooLarge(`more than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Validates parameters with `schema` (numbers as strings and booleans as "True"/"false" allowed by the schema). */
export function parseParams<S extends z.ZodType>(schema: S, params: Params): z.infer<S> {
  const r = schema.safeParse(params);
  if (!r.success) {
    throw new WeirError('VALIDATION.INVALID', formatIssues(r.error), { params: { issues: r.error.issues } });
  }
  return r.data;
}

/** The opaque page token of an offset. */
export function encodePageToken(offset: number): string {
  return Buffer.from(String(offset), 'utf8').toString('base64');
}

function decodePageToken(token: string): number {
  const s = Buffer.from(token, 'base64').toString('utf8');
  if (!/^\d+$/.test(s)) throw invalidParameter(`page_token: "${token}" is not a page token returned by this server; pass next_page_token from the previous response`);
  return Number(s);
}

/** Paging parameters as they arrive. */
export const PagingParams = {
  offset: IntLike.optional(),
  limit: IntLike.optional(),
  page_token: z.string().optional(),
};

/** Resolves offset/limit/page_token into a window; the token wins over `offset`. */
export function pageWindow(
  p: { offset?: number; limit?: number; page_token?: string },
  o: { defaultLimit: number; maxLimit: number; zeroMeansMax: boolean },
): { offset: number; limit: number } {
  let limit = p.limit ?? o.defaultLimit;
  if (limit === 0) limit = o.zeroMeansMax ? o.maxLimit : o.defaultLimit;
  if (limit < 1 || limit > o.maxLimit) throw invalidParameter(`limit: ${limit} is out of range; use a value from 1 to ${o.maxLimit}`);
  const offset = p.page_token !== undefined ? decodePageToken(p.page_token) : (p.offset ?? 0);
  if (offset < 0) throw invalidParameter(`offset: ${offset} must not be negative`);
  return { offset, limit };
}

/** next/prev page tokens and has_more of a list response, each only when meaningful. */
export function pageLinks(offset: number, limit: number, hasMore: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (hasMore) {
    out.has_more = true;
    out.next_page_token = encodePageToken(offset + limit);
  }
  if (offset > 0) out.prev_page_token = encodePageToken(Math.max(0, offset - limit));
  return out;
}
