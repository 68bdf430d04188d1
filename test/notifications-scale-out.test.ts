import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { systemClock } from '../src/domain/clock.js';
import { defaultChannels } from '../src/notifications/create-notifications.js';
import { sendWhileLeader } from '../src/notifications/delivery-leadership.js';
import { DeliveryQueue } from '../src/notifications/delivery-queue.js';
import { clockTimer } from '../src/notifications/timer.js';
import { leaderLockOf, openStore } from '../src/store/open-store.js';
import type { NewDelivery, NotificationMessage } from '../src/store/ports/notification-store.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { NotificationSqlStore } from '../src/store/sql/notification-sql-store.js';
import { postgresSkipReason, usePostgresDatabase } from './support/store-fixtures.js';

/** A webhook receiver that records the run id of every message it gets. */
async function receiver(): Promise<{ url: string; got: number[]; server: Server }> {
  const got: number[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (b) => (body += b));
    req.on('end', () => {
      got.push(Number((JSON.parse(body) as { run: { run_id: string } }).run.run_id));
      res.end('ok');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, got, server };
}

function delivery(runId: number, url: string): NewDelivery {
  const message = { event: 'on_success', event_type: 'jobs.on_success', level: 'job', job_id: 1, job_name: 'j', run_id: runId, run_name: 'j', task_key: null, attempt_number: null, life_cycle_state: 'TERMINATED', result_state: 'SUCCESS', duration_ms: 1, error: null, url: 'http://x', subject: 's', text: 't', dedup_key: `k${runId}`, occurred_time: Date.now() } as NotificationMessage;
  return { run_id: runId, event: 'on_success', target: { channel: 'WEBHOOK', destination: 'd', url }, message, state: 'PENDING', attempts: 0, next_attempt_time: 0, created_time: Date.now(), last_error: null };
}

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((ok) => setTimeout(ok, 20));
};

describe.skipIf(postgresSkipReason)('notifications with several processes on one PostgreSQL store', () => {
  const db = usePostgresDatabase();
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  test('only the holder of the deliveries lock sends; every delivery any process stores is sent once; a successor takes over', async () => {
    const location = db.freshLocation();
    const hook = await receiver();
    cleanup.push(() => new Promise((ok) => hook.server.close(ok)));
    const processes: { store: SqlStore; queue: DeliveryQueue; stop: () => Promise<void> }[] = [];
    for (let i = 0; i < 3; i++) {
      const store = await openStore(location);
      const queue = new DeliveryQueue({ store: new NotificationSqlStore(store.kysely), channels: defaultChannels({}, 'http://127.0.0.1:1'), clock: systemClock, timer: clockTimer(systemClock) });
      const stop = sendWhileLeader(queue, leaderLockOf(location, 'deliveries'), 50);
      processes.push({ store, queue, stop });
      cleanup.push(async () => (await stop(), await queue.stop(), await store.close()));
    }
    // Every process stores deliveries (as each would for the runs it ends); each must arrive exactly once.
    for (let r = 1; r <= 30; r++) await processes[r % 3].queue.enqueue([delivery(r, hook.url)]);
    await until(() => hook.got.length >= 30);
    await new Promise((ok) => setTimeout(ok, 300));
    expect([...hook.got].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));

    // The sender goes away (its lock with its connection): another process sends what is stored from now on.
    const states = await Promise.all(processes.map((p) => new NotificationSqlStore(p.store.kysely).listDeliveries(1)));
    expect(states.flat().every((d) => d.state === 'DELIVERED')).toBe(true);
    for (const p of processes) await p.stop();
    const rest = processes.slice(1).map((p) => sendWhileLeader(p.queue, leaderLockOf(location, 'deliveries'), 50));
    cleanup.push(async () => Promise.all(rest.map((s) => s())));
    for (let r = 31; r <= 40; r++) await processes[0].queue.enqueue([delivery(r, hook.url)]);
    await until(() => hook.got.length >= 40);
    await new Promise((ok) => setTimeout(ok, 300));
    expect(hook.got.filter((r) => r > 30).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 31));
  }, 60_000);
});
