import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/domain/clock.js';
import { Backfills } from '../src/scheduler/backfill.js';
import { pathTableProbe } from '../src/scheduler/delta-version-probe.js';
import { listWatchedFiles } from '../src/engine/file-listing.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import type { TickFirer } from '../src/scheduler/tick-firing.js';
import { ScheduleSqlStore } from '../src/store/sql/schedule-sql-store.js';
import { callApi, startApiServer } from './support/api-server.js';
import { sh, startHarness, type Harness } from './support/weir-harness.js';

let h: Harness;
let api: { base: string; close(): Promise<void> };
let scheduler: Scheduler;

beforeAll(async () => {
  h = await startHarness();
  const schedules = new ScheduleSqlStore(h.store.kysely);
  const fire: TickFirer = async (job, tick, trigger) =>
    (await h.runs.runNow(job.job_id, { trigger, idempotency_token: tick.tick_key, trigger_time: tick.scheduled_time, trigger_info: tick.info })).run_id;
  const backfills = new Backfills({ jobs: h.store, runs: h.store, schedules, fire, clock: systemClock });
  scheduler = new Scheduler({ jobs: h.store, runs: h.store, schedules, fire, clock: systemClock, backfills, listFiles: listWatchedFiles, tables: pathTableProbe(async () => undefined), options: { pollMs: 100 } });
  await scheduler.start();
  api = await startApiServer(h, { scheduler, backfills });
});
afterAll(async () => {
  await scheduler.stop();
  await api.close();
  await h.close();
});

const call = (method: string, path: string, body?: unknown) => callApi(api.base, method, path, { token: h.adminToken, body });

describe('schedules over the API', () => {
  it('refuses a wrong cron expression or time zone at create time, with the reason and the field', async () => {
    const bad = await call('POST', '/api/2.1/jobs/create', { name: 'bad', schedule: { quartz_cron_expression: '0 0 12 * * MON', timezone_id: 'UTC' }, tasks: [sh('a', 'true')] });
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(bad.body.message).toMatch(/^schedule\.quartz_cron_expression: .*both day-of-month .* and day-of-week .* are specified/);
    const tz = await call('POST', '/api/2.1/jobs/create', { name: 'bad', schedule: { quartz_cron_expression: '0 0 12 * * ?', timezone_id: 'Mars/Olympus' }, tasks: [sh('a', 'true')] });
    expect(tz.status).toBe(400);
    expect(tz.body.message).toMatch(/^schedule\.timezone_id: .*Mars\/Olympus/);
    const both = await call('POST', '/api/2.1/jobs/create', { name: 'bad', schedule: { quartz_cron_expression: '0 0 12 * * ?', timezone_id: 'UTC' }, continuous: {}, tasks: [sh('a', 'true')] });
    expect(both.status).toBe(400);
    expect(both.body.message).toMatch(/only one of schedule, continuous and trigger/);
  });

  it('shows the schedule in words and its next fire times', async () => {
    const created = await call('POST', '/api/2.2/jobs/create', { name: 'weekday', schedule: { quartz_cron_expression: '0 0 6 ? * MON-FRI', timezone_id: 'Europe/Berlin' }, tasks: [sh('a', 'true')] });
    const r = await call('GET', `/api/2.2/jobs/schedule/next?job_id=${created.body.job_id}&count=3`);
    expect(r.status).toBe(200);
    expect(r.body.description).toBe('At 06:00, Monday through Friday (Europe/Berlin)');
    expect(r.body.next_fire_times).toHaveLength(3);
    for (const t of r.body.next_fire_times) expect(new Date(t).getTime()).toBeGreaterThan(Date.now());
  });
});

describe('backfills over the API and the CLI', () => {
  it('weir jobs backfill runs every missing interval and reports each one', { timeout: 60_000 }, async () => {
    const created = await call('POST', '/api/2.2/jobs/create', {
      name: 'nightly',
      schedule: { quartz_cron_expression: '0 30 2 * * ?', timezone_id: 'UTC', pause_status: 'PAUSED' },
      max_concurrent_runs: 3,
      tasks: [sh('a', 'test "{{job.trigger.time.iso_date}}" != "2026-02-02"')],
    });
    const jobId = created.body.job_id;
    // The CLI runs as a real child process; asynchronously, because the API it calls lives in this process.
    const cli = (args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((ok) => {
        const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, '../src/cli/main.ts'), ...args], { env: { ...process.env, WEIR_TOKEN: h.adminToken, WEIR_URL: api.base } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (status) => ok({ status, stdout, stderr }));
      });
    const r = await cli(['jobs', 'backfill', String(jobId), '--from', '2026-02-01T00:00:00Z', '--to', '2026-02-03T23:59:59Z', '--concurrency', '2']);
    expect(r.stderr).toMatch(/backfill \d+: 3 interval\(s\) to run, 0 skipped/);
    expect(r.stdout.trim().split('\n').map((l) => l.split('\t').slice(0, 2))).toEqual([
      ['2026-02-01T02:30:00.000Z', 'SUCCEEDED'],
      ['2026-02-02T02:30:00.000Z', 'FAILED'],
      ['2026-02-03T02:30:00.000Z', 'SUCCEEDED'],
    ]);
    expect(r.status).toBe(1);
    // Again: only the failed interval runs.
    const again = await call('POST', '/api/2.2/jobs/backfill', { job_id: jobId, from: '2026-02-01T00:00:00Z', to: '2026-02-03T23:59:59Z' });
    expect(again.body).toMatchObject({ intervals_to_run: 1, intervals_skipped: 2 });
    let finished = false;
    for (let i = 0; i < 300 && !finished; i++) {
      const report = await call('GET', `/api/2.2/jobs/backfills/get?backfill_id=${again.body.backfill_id}`);
      if (report.body.state === 'DONE' && report.body.summary.running === 0) {
        expect(report.body.summary).toEqual({ succeeded: 2, failed: 1, running: 0, missing: 0 });
        expect(report.body.intervals[1].run_ids).toHaveLength(2);
        finished = true;
      } else await new Promise((r) => setTimeout(r, 50));
    }
    expect(finished).toBe(true);
    const bad = await call('POST', '/api/2.2/jobs/backfill', { job_id: jobId, from: 'yesterday', to: '2026-02-03T23:59:59Z' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/from.*not an ISO-8601 time/);
  });
});
