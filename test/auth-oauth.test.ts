import { WorkspaceClient } from '@databricks/sdk-experimental';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, startApiServer } from './support/api-server.js';
import { startHarness, type Harness } from './support/weir-harness.js';

let h: Harness;
let srv: { base: string; close(): Promise<void> };
let admin: WorkspaceClient;
let sp: { id: string; applicationId: string };
let secret: string;
beforeAll(async () => {
  h = await startHarness();
  srv = await startApiServer(h);
  admin = new WorkspaceClient({ host: srv.base, token: h.adminToken, authType: 'pat' });
  const created = await admin.servicePrincipalsV2.create({ displayName: 'ci-bot' });
  sp = { id: created.id!, applicationId: created.applicationId! };
  secret = (await admin.servicePrincipalSecretsProxy.create({ service_principal_id: sp.id })).secret!;
});
afterAll(async () => {
  await srv.close();
  await h.close();
});

const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
const basic = (id: string, s: string) => `Basic ${Buffer.from(`${id}:${s}`).toString('base64')}`;

describe('OAuth machine-to-machine login', () => {
  it('serves the discovery document with absolute URLs and no token', async () => {
    const r = await callApi(srv.base, 'GET', '/oidc/.well-known/oauth-authorization-server');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ token_endpoint: `${srv.base}/oidc/v1/token`, authorization_endpoint: `${srv.base}/oidc/v1/authorize` });
  });

  it('issues a one-hour bearer token for client credentials (Basic auth or form) and refuses bad ones', async () => {
    const ok = await fetch(`${srv.base}/oidc/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(sp.applicationId, secret) },
      body: form({ grant_type: 'client_credentials', scope: 'all-apis' }),
    });
    const tok = (await ok.json()) as Record<string, unknown>;
    expect(tok).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'all-apis' });
    expect((await callApi(srv.base, 'GET', '/api/2.2/jobs/list', { token: tok.access_token as string })).status).toBe(200);
    const posted = await fetch(`${srv.base}/oidc/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: 'client_credentials', client_id: sp.applicationId, client_secret: secret }),
    });
    expect(posted.status).toBe(200);
    const wrong = await fetch(`${srv.base}/oidc/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(sp.applicationId, 'dose-wrong') },
      body: form({ grant_type: 'client_credentials' }),
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });
    const grant = await fetch(`${srv.base}/oidc/v1/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ grant_type: 'password' }) });
    expect(grant.status).toBe(400);
    expect(await grant.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('lets the official JS SDK run a job with oauth-m2m credentials, as the service principal', async () => {
    const w = new WorkspaceClient({ host: srv.base, clientId: sp.applicationId, clientSecret: secret, authType: 'oauth-m2m' });
    const me = await w.currentUser.me();
    expect(me.userName).toBe(sp.applicationId);
    const job = await w.jobs.create({
      name: 'm2m-job',
      tasks: [
        { task_key: 'a', shell_task: { command: 'echo from-a' } } as never,
        { task_key: 'b', depends_on: [{ task_key: 'a' }], shell_task: { command: 'echo from-b' } } as never,
      ],
    });
    const run = await (await w.jobs.runNow({ job_id: job.job_id! })).wait();
    expect(run.state?.result_state).toBe('SUCCESS');
    const b = run.tasks!.find((t) => t.task_key === 'b')!;
    expect((await w.jobs.getRunOutput({ run_id: b.run_id! })).logs).toBe('from-b\n');
  }, 60_000);

  it('answers 403 PERMISSION_DENIED when a service principal tries to manage service principals', async () => {
    const w = new WorkspaceClient({ host: srv.base, clientId: sp.applicationId, clientSecret: secret, authType: 'oauth-m2m' });
    await expect(w.servicePrincipalsV2.create({ displayName: 'escalate' })).rejects.toMatchObject({ errorCode: 'PERMISSION_DENIED', statusCode: 403 });
    await expect(w.servicePrincipalSecretsProxy.create({ service_principal_id: sp.id })).rejects.toMatchObject({ errorCode: 'PERMISSION_DENIED' });
  });

  it('rejects wrong client credentials in the SDK, and deleting the service principal revokes its tokens', async () => {
    const bad = new WorkspaceClient({ host: srv.base, clientId: sp.applicationId, clientSecret: 'dose-wrong', authType: 'oauth-m2m' });
    await expect(bad.jobs.get({ job_id: 1 })).rejects.toThrow();
    const res = await fetch(`${srv.base}/oidc/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(sp.applicationId, secret) },
      body: form({ grant_type: 'client_credentials' }),
    });
    const access = ((await res.json()) as { access_token: string }).access_token;
    const listed = await admin.servicePrincipalSecretsProxy.list({ service_principal_id: sp.id });
    const ids: string[] = [];
    for await (const s of listed as AsyncIterable<{ id?: string }>) ids.push(s.id!);
    expect(ids).toHaveLength(1);
    await admin.servicePrincipalsV2.delete({ id: sp.id });
    expect((await callApi(srv.base, 'GET', '/api/2.2/jobs/list', { token: access })).status).toBe(401);
    expect((await callApi(srv.base, 'GET', `/api/2.0/preview/scim/v2/ServicePrincipals/${sp.id}`, { token: h.adminToken })).body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });
});
