import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { ManualClock } from '../../src/domain/clock.js';
import { parseJobSettings } from '../../src/domain/parse-job-settings.js';
import { DuckDbWarehouse } from '../../src/engine/duckdb-warehouse.js';
import { Executor } from '../../src/executor/executor.js';
import { RunService } from '../../src/executor/run-service.js';
import { defaultRunners } from '../../src/executor/runners/runner-registry.js';
import { createNotifications, type Notifications } from '../../src/notifications/create-notifications.js';
import type { RetryPolicy } from '../../src/notifications/delivery-queue.js';
import type { SmtpSettings } from '../../src/notifications/email-channel.js';
import { ManualTimer } from '../../src/notifications/timer.js';
import type { RunRecord, TaskRunRecord } from '../../src/store/records.js';
import { NotificationSqlStore } from '../../src/store/sql/notification-sql-store.js';
import type { SqlStore } from '../../src/store/sql/sql-store.js';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.js';

/** 2026-01-01T00:00:00Z: the manual clock's start. */
export const T0 = Date.UTC(2026, 0, 1);

/** A real executor (real SQLite, DuckDB, shell processes) wired to the real notification system on a manual clock. */
export interface NotifyHarness {
  dir: string;
  store: SqlStore;
  clock: ManualClock;
  timer: ManualTimer;
  executor: Executor;
  runs: RunService;
  n: Notifications;
  createJob(settings: unknown): Promise<number>;
  /** Runs a job to its end, then waits until its notifications are stored and the first delivery pass is done. */
  runJob(jobId: number): Promise<{ run: RunRecord; tasks: Record<string, TaskRunRecord> }>;
  /** Waits for stored notifications and the delivery pass they started. */
  quiet(): Promise<void>;
  /** Moves the clock, fires due timers (retries, health rules) and waits for the work they started. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a notification harness. */
export async function startNotifyHarness(o: { smtp?: SmtpSettings; pagerDutyEventsUrl?: string; retry?: Partial<RetryPolicy> } = {}): Promise<NotifyHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'weir-notify-'));
  const store = await openSqliteStore(join(dir, 'weir.sqlite'));
  const sql = await DuckDbWarehouse.open(':memory:');
  const clock = new ManualClock(T0);
  const timer = new ManualTimer(clock);
  const n = createNotifications({
    store: new NotificationSqlStore(store.kysely),
    clock,
    timer,
    smtp: o.smtp ?? {},
    pagerDutyEventsUrl: o.pagerDutyEventsUrl ?? 'http://127.0.0.1:9/v2/enqueue',
    baseUrl: () => 'http://weir.test:8470',
    retry: o.retry,
    runs: store,
  });
  const executor = new Executor({ store, runners: defaultRunners(), clock, dataDir: dir, slots: 4, sql, workspaceUrl: 'http://127.0.0.1', events: n.notifier });
  const runs = new RunService(store, executor, clock, dir);
  await executor.start();
  const quiet = async () => {
    await n.notifier.settled();
    await n.queue.idle();
  };
  return {
    dir, store, clock, timer, executor, runs, n, quiet,
    async createJob(settings) {
      return store.createJob({ settings: parseJobSettings(settings), creator_user_name: 'test', created_time: clock.now(), source_dir: dir });
    },
    async runJob(jobId) {
      const created = await runs.runNow(jobId);
      const run = await executor.waitForRun(created.run_id);
      const all = await store.listTaskRuns(run.run_id);
      await quiet();
      return { run, tasks: Object.fromEntries(all.filter((t) => t.is_current && t.parent_task_run_id === null).map((t) => [t.task_key, t])) };
    },
    async advance(ms) {
      clock.advance(ms);
      timer.runDue();
      await quiet();
    },
    async close() {
      await executor.stop();
      await n.stop();
      await store.close();
      await sql.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One request a receiver got. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

/** A real HTTP receiver on a local port; `status` is what it answers next (default 200). */
export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  status: number;
  close(): Promise<void>;
}

/** Starts an HTTP receiver (on `port`, or a free one) that records JSON bodies. */
export async function startReceiver(port = 0): Promise<Receiver> {
  const r: Receiver = { url: '', port: 0, received: [], status: 200, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      r.received.push({ path: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : undefined });
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(r.status < 300 ? '{"status":"success"}' : '{"error":"receiver says no"}');
    });
  });
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', () => ok()));
  r.port = (server.address() as AddressInfo).port;
  r.url = `http://127.0.0.1:${r.port}`;
  r.close = () => new Promise<void>((ok) => server.close(() => ok()));
  return r;
}

/** A port with nothing listening on it (bound, then released). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', () => ok()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

/** One message a real SMTP server accepted. */
export interface Mail {
  from: string;
  to: string[];
  raw: string;
}

/** A real SMTP server (smtp-server) on a free local port, without TLS or auth. */
export async function startSmtp(): Promise<{ port: number; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((a) => a.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

/** A shell task. */
export const sh = (task_key: string, command: string, extra: Record<string, unknown> = {}) => ({ task_key, shell_task: { command }, ...extra });
