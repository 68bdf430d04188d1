import { statSync } from 'node:fs';
import { join } from 'node:path';
import { WorkspaceClient } from '@databricks/sdk-experimental';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService, hashToken } from '../src/auth/token-service.js';
import { ManualClock } from '../src/domain/clock.js';
import { AuthSqlStore } from '../src/store/sql/auth-sql-store.js';
import { LoginLinks } from '../src/api/ui-login.js';
import { callApi, startApiServer } from './support/api-server.js';
import { startHarness, type Harness } from './support/weir-harness.js';

let h: Harness;
let srv: { base: string; close(): Promise<void> };
beforeAll(async () => {
  h = await startHarness();
  srv = await startApiServer(h);
});
afterAll(async () => {
  await srv.close();
  await h.close();
});

describe('bootstrap admin token', () => {
  it('is written once to <dataDir>/admin-token with mode 0600 and stored only as a hash', async () => {
    expect(h.adminToken).toMatch(/^dapi[0-9a-f]{32}$/);
    expect(statSync(join(h.dir, 'admin-token')).mode & 0o777).toBe(0o600);
    const rows = await h.store.kysely.selectFrom('tokens').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toBe(hashToken(h.adminToken));
    expect(JSON.stringify(rows)).not.toContain(h.adminToken);
  });
});

describe('authentication', () => {
  it('answers 401 UNAUTHENTICATED without a token, with an unknown token and with an unsupported scheme', async () => {
    const none = await callApi(srv.base, 'GET', '/api/2.2/jobs/list');
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error_code: 'UNAUTHENTICATED', message: expect.stringMatching(/Authorization: Bearer/) });
    const wrong = await callApi(srv.base, 'GET', '/api/2.2/jobs/list', { token: 'dapi00000000000000000000000000000000' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error_code).toBe('UNAUTHENTICATED');
    const digest = await callApi(srv.base, 'GET', '/api/2.2/jobs/list', { headers: { authorization: 'Digest abc' } });
    expect(digest.status).toBe(401);
    const ok = await callApi(srv.base, 'GET', '/api/2.2/jobs/list', { token: h.adminToken });
    expect(ok.status).toBe(200);
  });

  it('rejects a wrong token from the official JS SDK with an UNAUTHENTICATED error', async () => {
    const w = new WorkspaceClient({ host: srv.base, token: 'dapi-wrong', authType: 'pat' });
    await expect(w.jobs.get({ job_id: 1 })).rejects.toMatchObject({ errorCode: 'UNAUTHENTICATED', statusCode: 401 });
  });

  it('accepts the token as the password of Basic auth and serves health and host metadata without one', async () => {
    const basic = Buffer.from(`token:${h.adminToken}`).toString('base64');
    expect((await callApi(srv.base, 'GET', '/api/2.2/jobs/list', { headers: { authorization: `Basic ${basic}` } })).status).toBe(200);
    expect(await callApi(srv.base, 'GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const meta = await callApi(srv.base, 'GET', '/.well-known/databricks-config');
    expect(meta.body).toEqual({ oidc_endpoint: `${srv.base}/oidc`, workspace_id: '0' });
  });

  it('answers currentUser.me() for the SDK with the token owner', async () => {
    const w = new WorkspaceClient({ host: srv.base, token: h.adminToken, authType: 'pat' });
    const me = await w.currentUser.me();
    expect(me.userName).toBe('admin');
    expect(me.active).toBe(true);
    const raw = await callApi(srv.base, 'GET', '/api/2.0/preview/scim/v2/Me', { token: h.adminToken });
    expect(raw.headers.get('x-databricks-org-id')).toBe('0');
    expect(raw.body.groups.map((g: { value: string }) => g.value)).toEqual(['admins', 'users']);
    // Another user is in `users` only: admins is the workspace admin's group.
    const other = await callApi(srv.base, 'GET', '/api/2.0/preview/scim/v2/Me', { token: (await h.tokens.create('zoe')).token_value });
    expect([other.body.userName, other.body.groups.map((g: { value: string }) => g.value)]).toEqual(['zoe', ['users']]);
  });
});

describe('Token API', () => {
  it('creates, lists and deletes tokens with the SDK; a deleted token stops working', async () => {
    const w = new WorkspaceClient({ host: srv.base, token: h.adminToken, authType: 'pat' });
    const created = await w.tokens.create({ comment: 'ci', lifetime_seconds: 3600 });
    expect(created.token_value).toMatch(/^dapi[0-9a-f]{32}$/);
    const info = created.token_info!;
    expect(info.comment).toBe('ci');
    expect(info.expiry_time! - info.creation_time!).toBe(3_600_000);
    const listed: string[] = [];
    for await (const t of w.tokens.list()) listed.push(t.token_id!);
    expect(listed).toContain(info.token_id);
    expect((await callApi(srv.base, 'GET', '/api/2.0/token/list', { token: created.token_value })).status).toBe(200);
    await w.tokens.delete({ token_id: info.token_id! });
    expect((await callApi(srv.base, 'GET', '/api/2.0/token/list', { token: created.token_value })).status).toBe(401);
    await expect(w.tokens.delete({ token_id: info.token_id! })).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('refuses a negative lifetime with INVALID_PARAMETER_VALUE', async () => {
    const r = await callApi(srv.base, 'POST', '/api/2.0/token/create', { token: h.adminToken, body: { lifetime_seconds: -5 } });
    expect(r.status).toBe(400);
    expect(r.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('honours expiry on the injected clock: valid until expiry_time, 401 from then on', async () => {
    const clock = new ManualClock(1_000_000);
    const tokens = new TokenService(new AuthSqlStore(h.store.kysely), clock);
    const api = await startApiServer(h, { tokens });
    try {
      const { token_value } = await tokens.create('admin', { lifetimeSeconds: 60 });
      expect((await callApi(api.base, 'GET', '/api/2.2/jobs/list', { token: token_value })).status).toBe(200);
      clock.advance(59_999);
      expect((await callApi(api.base, 'GET', '/api/2.2/jobs/list', { token: token_value })).status).toBe(200);
      clock.advance(1);
      const expired = await callApi(api.base, 'GET', '/api/2.2/jobs/list', { token: token_value });
      expect(expired.status).toBe(401);
      expect(expired.body.message).toMatch(/expired/);
    } finally {
      await api.close();
    }
  });
});

describe('web UI login link', () => {
  it('exchanges a one-time code for an HttpOnly session cookie that authenticates API calls; the code works once and expires', async () => {
    const clock = new ManualClock(5_000_000);
    const tokens = new TokenService(new AuthSqlStore(h.store.kysely), clock);
    const loginLinks = new LoginLinks(tokens, clock);
    const api = await startApiServer(h, { tokens, loginLinks });
    try {
      const code = loginLinks.issue();
      const res = await fetch(`${api.base}/login?code=${code}`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/');
      const cookie = res.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/^weir_token=dapi[0-9a-f]{32};/);
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      const session = cookie.split(';')[0]!;
      expect((await callApi(api.base, 'GET', '/api/2.2/jobs/list', { headers: { cookie: session } })).status).toBe(200);
      expect((await fetch(`${api.base}/login?code=${code}`, { redirect: 'manual' })).status).toBe(401);
      const late = loginLinks.issue();
      clock.advance(15 * 60 * 1000);
      expect((await fetch(`${api.base}/login?code=${late}`, { redirect: 'manual' })).status).toBe(401);
      expect((await callApi(api.base, 'GET', '/api/2.2/jobs/list', { headers: { cookie: 'weir_token=dapi-forged' } })).status).toBe(401);
    } finally {
      await api.close();
    }
  });
});

describe('malformed requests to the token, secret, workspace and OAuth routes', () => {
  it('answer 4xx with an error body, never 5xx', async () => {
    const t = h.adminToken;
    const cases: [string, string, unknown?][] = [
      ['POST', '/api/2.0/token/create', { lifetime_seconds: 'abc' }],
      ['POST', '/api/2.0/token/create', { comment: 42 }],
      ['POST', '/api/2.0/token/delete', {}],
      ['POST', '/api/2.0/secrets/scopes/create', { scope: 5 }],
      ['POST', '/api/2.0/secrets/scopes/create', {}],
      ['POST', '/api/2.0/secrets/put', { scope: 'x' }],
      ['GET', '/api/2.0/secrets/get'],
      ['GET', '/api/2.0/secrets/get?scope=..&key=a'],
      ['GET', '/api/2.0/secrets/list?scope=%00'],
      ['POST', '/api/2.0/secrets/delete', { scope: [], key: {} }],
      ['GET', '/api/2.0/workspace/get-status'],
      ['GET', '/api/2.0/workspace/get-status?path=%00'],
      ['GET', '/api/2.0/workspace/list?path=/nope'],
      ['GET', '/api/2.0/workspace/export?path=/'],
      ['GET', '/api/2.0/workspace/export?path=/x&format=DBC'],
      ['POST', '/api/2.0/workspace/import', { path: '/a', format: 'SOURCE', content: 'eA==' }],
      ['POST', '/api/2.0/workspace/import', { path: '/a', format: 'HTML', content: 'eA==' }],
      ['POST', '/api/2.0/workspace/import', { path: '/', format: 'AUTO', content: 'eA==' }],
      ['POST', '/api/2.0/workspace/import', { path: '/b', format: 'AUTO', content: '***' }],
      ['POST', '/api/2.0/workspace/mkdirs', { path: 17 }],
      ['POST', '/api/2.0/workspace/delete', { path: '/', recursive: true }],
      ['POST', '/api/2.0/preview/scim/v2/ServicePrincipals', { displayName: '  ' }],
      ['GET', '/api/2.0/preview/scim/v2/ServicePrincipals/404'],
      ['POST', '/api/2.0/accounts/servicePrincipals/404/credentials/secrets', {}],
      ['POST', '/api/2.0/secrets/scopes/create', '{not json'],
    ];
    for (const [method, path, body] of cases) {
      const r = typeof body === 'string'
        ? await fetch(srv.base + path, { method, headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body }).then(async (x) => ({ status: x.status, body: await x.json() }))
        : await callApi(srv.base, method, path, { token: t, body });
      expect(r.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(r.status, `${method} ${path}`).toBeLessThan(500);
      expect(typeof r.body.error_code, `${method} ${path}`).toBe('string');
    }
    const oauth: { headers: Record<string, string>; body: string }[] = [
      { headers: { authorization: 'Basic !!!', 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' },
      { headers: { 'content-type': 'application/json' }, body: '{"grant_type":"client_credentials"}' },
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=%E0%A4%A' },
    ];
    for (const o of oauth) {
      const r = await fetch(`${srv.base}/oidc/v1/token`, { method: 'POST', ...o });
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
    expect((await fetch(`${srv.base}/login`, { redirect: 'manual' })).status).toBeLessThan(500);
  });
});
