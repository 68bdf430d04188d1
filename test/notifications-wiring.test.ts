import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { parseJobSettings } from '../src/domain/parse-job-settings.js';
import { startWeir, type Weir } from '../src/main.js';
import { freePort, sh, startReceiver, startSmtp, type Receiver } from './support/notifications-harness.js';

let weir: Weir;
let dir: string;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let pd: Receiver;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-notify-wiring-'));
  smtp = await startSmtp();
  pd = await startReceiver();
  const config = loadConfig(
    { dataDir: dir, port: 8470 },
    { WEIR_SMTP_HOST: '127.0.0.1', WEIR_SMTP_PORT: String(smtp.port), WEIR_SMTP_SECURE: 'false', WEIR_SMTP_FROM: 'alerts@example.test', WEIR_PAGERDUTY_EVENTS_URL: `${pd.url}/enqueue` },
  );
  weir = await startWeir(config);
});
afterAll(async () => {
  await weir?.close();
  await smtp?.close();
  await pd?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('notifications: wired by startWeir from WEIR_SMTP_* and WEIR_PAGERDUTY_EVENTS_URL', () => {
  it('reads the SMTP and PagerDuty settings from the environment, with defaults', () => {
    expect(weir.config.smtp).toEqual({ host: '127.0.0.1', port: smtp.port, secure: false, from: 'alerts@example.test' });
    expect(loadConfig({ dataDir: dir }, {}).pagerDutyEventsUrl).toBe('https://events.pagerduty.com/v2/enqueue');
  });

  it('emails and pages from a real server process on real timers, retrying a dead receiver until it is up', async () => {
    const port = await freePort();
    const hook = await weir.notifications.destinations.create({ display_name: 'late', config: { generic_webhook: { url: `http://127.0.0.1:${port}/late` } } });
    const page = await weir.notifications.destinations.create({ display_name: 'pd', config: { pagerduty: { integration_key: 'rk' } } });
    const job = await weir.store.createJob({
      settings: parseJobSettings({
        name: 'wired',
        email_notifications: { on_failure: ['team@example.test'] },
        webhook_notifications: { on_failure: [{ id: hook.id }, { id: page.id }] },
        tasks: [sh('boom', 'exit 4')],
      }),
      creator_user_name: 'test',
      created_time: Date.now(),
      source_dir: dir,
    });
    const { run_id } = await weir.runs.runNow(job);
    expect((await weir.executor.waitForRun(run_id)).result_state).toBe('FAILED');
    await vi.waitFor(() => expect(smtp.mails.filter((m) => m.to[0] === 'team@example.test')).toHaveLength(1), { timeout: 20_000, interval: 50 });
    expect(smtp.mails[0].from).toBe('alerts@example.test');
    expect(smtp.mails[0].raw).toContain(`http://127.0.0.1:8470/#/jobs/${job}/runs/${run_id}`);
    await vi.waitFor(() => expect(pd.received).toHaveLength(1), { timeout: 20_000, interval: 50 });
    expect(pd.received[0].body).toMatchObject({ routing_key: 'rk', event_action: 'trigger', dedup_key: `weir-job-${job}-run-${run_id}` });
    await vi.waitFor(async () => expect((await weir.notifications.store.listAttempts(run_id)).some((a) => a.status === 'ERROR')).toBe(true), { timeout: 20_000, interval: 50 });
    const late = await startReceiver(port);
    try {
      // The first retry waits 1 s (DEFAULT_RETRY) on node timers.
      await vi.waitFor(() => expect(late.received).toHaveLength(1), { timeout: 20_000, interval: 50 });
      const d = (await weir.notifications.store.listDeliveries(run_id)).find((x) => x.target.destination === hook.id)!;
      await vi.waitFor(async () => expect((await weir.notifications.store.listDeliveries(run_id)).find((x) => x.delivery_id === d.delivery_id)!.state).toBe('DELIVERED'), { timeout: 5_000, interval: 20 });
    } finally {
      await late.close();
    }
  });
});
