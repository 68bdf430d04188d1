import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApiApp, type ApiDeps } from '../../src/api/app.js';
import type { Harness } from './weir-harness.js';

/** weir's API app over a harness, on a real HTTP port; deps may be overridden (e.g. a token service on a manual clock). */
export async function startApiServer(h: Harness, over: Partial<ApiDeps> = {}): Promise<{ base: string; close(): Promise<void> }> {
  let base = '';
  const app = createApiApp({ store: h.store, runs: h.runs, executor: h.executor, workspaceDir: h.dir, baseUrl: () => base, tokens: h.tokens, secrets: h.secrets, servicePrincipals: h.servicePrincipals, ...over });
  const server: ServerType = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((ok) => (server.listening ? ok() : server.once('listening', () => ok())));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

/** A JSON call with an optional bearer token; returns status and parsed body. */
export async function callApi(base: string, method: string, path: string, o: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(base + path, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
  const text = await r.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: r.status, body, headers: r.headers };
}
