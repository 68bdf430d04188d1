import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApiApp } from '../src/api/app.js';
import { openSecurity } from '../src/auth/open-security.js';
import { systemClock } from '../src/domain/clock.js';
import { parseJobSettings } from '../src/domain/parse-job-settings.js';
import { isWeirError } from '../src/domain/weir-error.js';
import { DuckDbWarehouse } from '../src/engine/duckdb-warehouse.js';
import { Executor } from '../src/executor/executor.js';
import { RunService } from '../src/executor/run-service.js';
import { defaultRunners } from '../src/executor/runners/runner-registry.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import { createNotifications } from '../src/notifications/create-notifications.js';
import { NotificationSqlStore } from '../src/store/sql/notification-sql-store.js';
import { callApi } from './support/api-server.js';
import { freePort, sh, startNotifyHarness, startReceiver, T0, type NotifyHarness, type Receiver } from './support/notifications-harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function harness(o: Parameters<typeof startNotifyHarness>[0] = {}): Promise<NotifyHarness> {
  const h = await startNotifyHarness(o);
  cleanups.push(() => h.close());
  return h;
}
async function receiver(port?: number): Promise<Receiver> {
  const r = await startReceiver(port);
  cleanups.push(() => r.close());
  return r;
}

describe('notifications: delivery retries', () => {
  it('retries a receiver that is down (refused, then HTTP 500) with exponential backoff; the job is unaffected', async () => {
    const h = await harness({ retry: { maxAttempts: 5, baseDelayMs: 1_000 } });
    const port = await freePort();
    const dest = await h.n.destinations.create({ display_name: 'flaky', config: { generic_webhook: { url: `http://127.0.0.1:${port}/hook` } } });
    const job = await h.createJob({ name: 'unaffected', webhook_notifications: { on_success: [{ id: dest.id }] }, tasks: [sh('t', 'echo ok')] });
    const { run } = await h.runJob(job);
    expect(run.result_state).toBe('SUCCESS');
    let attempts = await h.n.store.listAttempts(run.run_id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ attempt: 1, status: 'ERROR', channel: 'WEBHOOK', event: 'on_success', destination: dest.id, time: T0 });
    expect(attempts[0].error).toContain('ECONNREFUSED');
    expect((await h.n.store.listDeliveries(run.run_id))[0]).toMatchObject({ state: 'PENDING', attempts: 1, next_attempt_time: T0 + 1_000 });

    const r = await receiver(port);
    r.status = 500;
    await h.advance(999);
    expect(await h.n.store.listAttempts(run.run_id)).toHaveLength(1);
    await h.advance(1);
    attempts = await h.n.store.listAttempts(run.run_id);
    expect(attempts.map((a) => a.status)).toEqual(['ERROR', 'ERROR']);
    expect(attempts[1].error).toContain('HTTP 500');
    // Doubled: the third attempt waits 2 s after the second.
    expect((await h.n.store.listDeliveries(run.run_id))[0].next_attempt_time).toBe(T0 + 1_000 + 2_000);
    r.status = 200;
    await h.advance(1_999);
    expect(r.received).toHaveLength(1);
    await h.advance(1);
    attempts = await h.n.store.listAttempts(run.run_id);
    expect(attempts.map((a) => [a.attempt, a.status, a.time])).toEqual([[1, 'ERROR', T0], [2, 'ERROR', T0 + 1_000], [3, 'DELIVERED', T0 + 3_000]]);
    expect((await h.n.store.listDeliveries(run.run_id))[0]).toMatchObject({ state: 'DELIVERED', attempts: 3, last_error: null });
    expect(r.received.map((x) => x.body.event_type)).toEqual(['jobs.on_success', 'jobs.on_success']);
    expect(h.timer.pendingTimes()).toEqual([]);
    // The run itself never changed because of its notifications.
    expect((await h.store.getRun(run.run_id))!.result_state).toBe('SUCCESS');
  });

  it('gives up after maxAttempts, and a dead SMTP server does not block the job either', async () => {
    const smtpPort = await freePort();
    const h = await harness({ retry: { maxAttempts: 3, baseDelayMs: 500 }, smtp: { host: '127.0.0.1', port: smtpPort } });
    const dead = await freePort();
    const dest = await h.n.destinations.create({ display_name: 'dead', config: { slack: { url: `http://127.0.0.1:${dead}/x` } } });
    const job = await h.createJob({
      name: 'dead-channels',
      tasks: [sh('t', 'exit 2', { email_notifications: { on_failure: ['ops@example.test'] }, webhook_notifications: { on_failure: [{ id: dest.id }] } }), sh('after', 'echo still ran', { run_if: 'ALL_DONE', depends_on: [{ task_key: 't' }] })],
    });
    const { run, tasks } = await h.runJob(job);
    expect(run.result_state).toBe('SUCCESS_WITH_FAILURES');
    expect(tasks.after.result_state).toBe('SUCCESS');
    await h.advance(500);
    await h.advance(1_000);
    const deliveries = await h.n.store.listDeliveries(run.run_id);
    expect(deliveries.map((d) => [d.target.channel, d.state, d.attempts])).toEqual([['EMAIL', 'FAILED', 3], ['SLACK', 'FAILED', 3]]);
    expect(deliveries[0].last_error).toContain('SMTP 127.0.0.1');
    await h.advance(60_000);
    expect(await h.n.store.listAttempts(run.run_id)).toHaveLength(6);
  });

  it('fails at once, saying how to fix it, when SMTP is not configured or the destination id is unknown', async () => {
    const h = await harness();
    const job = await h.createJob({
      name: 'misconfigured',
      email_notifications: { on_success: ['a@example.test'] },
      webhook_notifications: { on_success: [{ id: 'no-such-destination' }] },
      tasks: [sh('t', 'true')],
    });
    const { run } = await h.runJob(job);
    expect(run.result_state).toBe('SUCCESS');
    const [email, hook] = await h.n.store.listDeliveries(run.run_id);
    expect(email).toMatchObject({ state: 'FAILED', attempts: 1 });
    expect(email.last_error).toContain('WEIR_SMTP_HOST');
    expect(hook).toMatchObject({ state: 'FAILED', attempts: 0 });
    expect(hook.last_error).toContain('no-such-destination');
    expect(hook.last_error).toContain('POST /api/2.0/notification-destinations');
  });

  it('resumes pending deliveries after a restart of the notification system', async () => {
    const h = await harness({ retry: { baseDelayMs: 1_000 } });
    const port = await freePort();
    const dest = await h.n.destinations.create({ display_name: 'later', config: { microsoft_teams: { url: `http://127.0.0.1:${port}/t` } } });
    const job = await h.createJob({ name: 'restart', webhook_notifications: { on_success: [{ id: dest.id }] }, tasks: [sh('t', 'true')] });
    const { run } = await h.runJob(job);
    await h.n.stop();
    const r = await receiver(port);
    h.clock.advance(5_000);
    const again = createNotifications({ store: new NotificationSqlStore(h.store.kysely), clock: h.clock, timer: h.timer, smtp: {}, pagerDutyEventsUrl: 'http://127.0.0.1:9', baseUrl: () => '' });
    cleanups.push(() => again.stop());
    await again.queue.idle();
    expect(r.received).toHaveLength(1);
    expect(r.received[0].body['@type']).toBe('MessageCard');
    expect((await again.store.listDeliveries(run.run_id))[0]).toMatchObject({ state: 'DELIVERED', attempts: 2 });
  });
});

describe('notifications: API', () => {
  it('serves notification-destinations CRUD and lists every delivery attempt of a run', async () => {
    const h = await harness();
    const security = await openSecurity(h.store.kysely, h.dir, h.clock, {});
    const token = readFileSync(join(h.dir, 'admin-token'), 'utf8').trim();
    const app = createApiApp({ store: h.store, runs: h.runs, executor: h.executor, workspaceDir: h.dir, baseUrl: () => '', tokens: security.tokens, secrets: security.secrets, notifications: h.n });
    const server: ServerType = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((ok) => (server.listening ? ok() : server.once('listening', () => ok())));
    cleanups.push(() => new Promise<void>((ok) => server.close(() => ok())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const api = (method: string, path: string, body?: unknown) => callApi(base, method, path, { token, body });
    const r = await receiver();

    const created = await api('POST', '/api/2.0/notification-destinations', { display_name: 'ops', config: { generic_webhook: { url: `${r.url}/w`, username: 'u', password: 'p' } } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ display_name: 'ops', destination_type: 'WEBHOOK', config: { generic_webhook: { url: `${r.url}/w`, username: 'u', password_set: true } } });
    expect(JSON.stringify(created.body)).not.toContain('"p"');
    const id = created.body.id as string;
    expect((await api('GET', `/api/2.0/notification-destinations/${id}`)).body.id).toBe(id);
    const patched = await api('PATCH', `/api/2.0/notification-destinations/${id}`, { display_name: 'ops-renamed' });
    expect(patched.body.display_name).toBe('ops-renamed');
    const bad = await api('POST', '/api/2.0/notification-destinations', { display_name: 'x', config: { slack: { url: 'not a url' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(bad.body.message).toContain('config: slack.url');
    const pd = await api('POST', '/api/2.0/notification-destinations', { display_name: 'pager', config: { pagerduty: { integration_key: 'k' } } });
    const list = await api('GET', '/api/2.0/notification-destinations');
    expect(list.body.results).toEqual([
      { id, display_name: 'ops-renamed', destination_type: 'WEBHOOK' },
      { id: pd.body.id, display_name: 'pager', destination_type: 'PAGERDUTY' },
    ]);
    expect((await api('DELETE', `/api/2.0/notification-destinations/${pd.body.id}`)).status).toBe(200);
    const gone = await api('GET', `/api/2.0/notification-destinations/${pd.body.id}`);
    expect([gone.status, gone.body.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);

    const job = await h.createJob({ name: 'listed', webhook_notifications: { on_start: [{ id }], on_success: [{ id }] }, tasks: [sh('t', 'true')] });
    const { run } = await h.runJob(job);
    const listed = await api('GET', `/api/2.1/jobs/runs/notifications?run_id=${run.run_id}`);
    expect(listed.status).toBe(200);
    expect(listed.body.attempts.map((a: any) => [a.channel, a.event, a.destination, a.attempt, a.status, a.error, a.time])).toEqual([
      ['WEBHOOK', 'on_start', id, 1, 'DELIVERED', null, T0],
      ['WEBHOOK', 'on_success', id, 1, 'DELIVERED', null, T0],
    ]);
    expect(listed.body.deliveries.map((d: any) => [d.event, d.state, d.destination_name])).toEqual([['on_start', 'DELIVERED', 'ops-renamed'], ['on_success', 'DELIVERED', 'ops-renamed']]);
    expect(r.received.every((x) => x.headers.authorization === `Basic ${Buffer.from('u:p').toString('base64')}`)).toBe(true);
    const missing = await api('GET', '/api/2.1/jobs/runs/notifications?run_id=999999');
    expect(missing.status).toBe(400);
  });

  it('keeps the destination id check in the domain: unknown ids are NOTIFICATION.DESTINATION_NOT_FOUND', async () => {
    const h = await harness();
    const e = await h.n.destinations.get('nope').catch((x: unknown) => x);
    expect(isWeirError(e) && e.code).toBe('NOTIFICATION.DESTINATION_NOT_FOUND');
  });
});

describe('executor run events', () => {
  it('a listener that throws or rejects becomes a process warning; the run still succeeds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-events-'));
    const store = await openSqliteStore(join(dir, 'weir.sqlite'));
    const sql = await DuckDbWarehouse.open(':memory:');
    const seen: string[] = [];
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    let n = 0;
    const events = {
      onRunEvent(e: { type: string }) {
        seen.push(e.type);
        if (n++ % 2 === 0) throw new Error(`sync boom ${e.type}`);
        return Promise.reject(new Error(`async boom ${e.type}`));
      },
    };
    const executor = new Executor({ store, runners: defaultRunners(), clock: systemClock, dataDir: dir, slots: 2, sql, workspaceUrl: 'http://127.0.0.1', events });
    try {
      await executor.start();
      const runs = new RunService(store, executor, systemClock, dir);
      const job = await store.createJob({ settings: parseJobSettings({ name: 'ev', tasks: [sh('a', 'true'), sh('b', 'true', { depends_on: [{ task_key: 'a' }] })] }), creator_user_name: 't', created_time: Date.now(), source_dir: dir });
      const { run_id } = await runs.runNow(job);
      expect((await executor.waitForRun(run_id)).result_state).toBe('SUCCESS');
      expect(seen).toEqual(['run_started', 'task_started', 'task_ended', 'task_started', 'task_ended', 'run_ended']);
      await vi.waitFor(() => expect(warnings.filter((w) => w.includes('boom'))).toHaveLength(6), { timeout: 5_000, interval: 10 });
      expect(warnings.some((w) => w.includes('sync boom run_started'))).toBe(true);
      expect(warnings.some((w) => w.includes('async boom task_started'))).toBe(true);
    } finally {
      process.off('warning', onWarning);
      await executor.stop();
      await store.close();
      await sql.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
