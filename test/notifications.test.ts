import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sh, startNotifyHarness, startReceiver, startSmtp, type NotifyHarness, type Receiver } from './support/notifications-harness.js';

/** Decodes a quoted-printable mail body, so long lines and links read as written. */
const qp = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
/** The decoded Subject header (RFC 2047 Q-encoded words, folded lines). */
const subjectOf = (raw: string) => {
  const line = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1] ?? '';
  return line
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?Q\?(.*?)\?=/gi, (_, w: string) => qp(w.replace(/_/g, ' ')))
    .replace(/\r?\n[ \t]/g, ' ');
};

let h: NotifyHarness;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let hook: Receiver;
let pd: Receiver;

beforeAll(async () => {
  smtp = await startSmtp();
  hook = await startReceiver();
  pd = await startReceiver();
  h = await startNotifyHarness({ smtp: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'weir@example.test' }, pagerDutyEventsUrl: `${pd.url}/v2/enqueue` });
});
afterAll(async () => {
  await h?.close();
  await smtp?.close();
  await hook?.close();
  await pd?.close();
});

/** Requests the hook receiver got for one run. */
const hooksOf = (runId: number) => hook.received.filter((r) => r.body?.run?.run_id === String(runId));

describe('notifications: email over a real SMTP server', () => {
  it('mails job-level on_failure and task-level on_success with job, run, state, duration, error and link', async () => {
    const job = await h.createJob({
      name: 'nightly-load',
      email_notifications: { on_failure: ['oncall@example.test'], on_success: ['never@example.test'] },
      tasks: [
        sh('extract', 'true', { email_notifications: { on_success: ['owner@example.test'], on_failure: ['never@example.test'] } }),
        sh('load', 'echo "disk full" >&2; exit 3'),
      ],
    });
    const { run } = await h.runJob(job);
    expect(run.result_state).toBe('FAILED');
    const mails = smtp.mails.filter((m) => qp(m.raw).includes(`run ${run.run_id}`));
    expect(mails.map((m) => m.to[0]).sort()).toEqual(['oncall@example.test', 'owner@example.test']);
    const failure = qp(mails.find((m) => m.to[0] === 'oncall@example.test')!.raw);
    expect(subjectOf(mails.find((m) => m.to[0] === 'oncall@example.test')!.raw)).toBe(`[weir] Job "nightly-load" run ${run.run_id} failed`);
    expect(failure).toContain('From: weir@example.test');
    expect(failure).toContain(`Run: ${run.run_name} (run_id ${run.run_id})`);
    expect(failure).toContain('Result: FAILED');
    expect(failure).toMatch(/Duration: \d+s/);
    expect(failure).toMatch(/Error: .*load/);
    expect(failure).toMatch(/Task load: FAILED - .*exited with code 3/);
    expect(failure).toContain(`http://weir.test:8470/#/jobs/${job}/runs/${run.run_id}`);
    const success = qp(mails.find((m) => m.to[0] === 'owner@example.test')!.raw);
    expect(subjectOf(mails.find((m) => m.to[0] === 'owner@example.test')!.raw)).toBe(`[weir] Task "extract" of job "nightly-load" run ${run.run_id} succeeded`);
    expect(success).toContain('Result: SUCCESS');
    const attempts = await h.n.store.listAttempts(run.run_id);
    expect(attempts.map((a) => [a.channel, a.event, a.destination, a.status])).toEqual(
      expect.arrayContaining([
        ['EMAIL', 'on_success', 'owner@example.test', 'DELIVERED'],
        ['EMAIL', 'on_failure', 'oncall@example.test', 'DELIVERED'],
      ]),
    );
    expect(attempts).toHaveLength(2);
  });
});

describe('notifications: webhook, Slack, Teams and PagerDuty destinations over real HTTP', () => {
  it('posts a generic webhook (with basic auth), a Slack message and a Teams card', async () => {
    const web = await h.n.destinations.create({ display_name: 'ops hook', config: { generic_webhook: { url: `${hook.url}/generic`, username: 'weir', password: 's3cret' } } });
    const slack = await h.n.destinations.create({ display_name: 'slack', config: { slack: { url: `${hook.url}/slack` } } });
    const teams = await h.n.destinations.create({ display_name: 'teams', config: { microsoft_teams: { url: `${hook.url}/teams` } } });
    const job = await h.createJob({
      name: 'hooks',
      webhook_notifications: { on_start: [{ id: web.id }], on_success: [{ id: slack.id }, { id: teams.id }] },
      tasks: [sh('t', 'true')],
    });
    const before = hook.received.length;
    const { run } = await h.runJob(job);
    expect(run.result_state).toBe('SUCCESS');
    const got = hook.received.slice(before);
    const generic = got.find((r) => r.path === '/generic')!;
    expect(generic.body).toMatchObject({ event_type: 'jobs.on_start', job: { job_id: String(job), name: 'hooks' }, run: { run_id: String(run.run_id), life_cycle_state: 'RUNNING' } });
    expect(generic.headers.authorization).toBe(`Basic ${Buffer.from('weir:s3cret').toString('base64')}`);
    const link = `http://weir.test:8470/#/jobs/${job}/runs/${run.run_id}`;
    const s = got.find((r) => r.path === '/slack')!.body;
    expect(s.text).toContain(`Job "hooks" run ${run.run_id} succeeded`);
    expect(JSON.stringify(s.blocks)).toContain(link);
    const t = got.find((r) => r.path === '/teams')!.body;
    expect(t['@type']).toBe('MessageCard');
    expect(t.potentialAction[0].targets[0].uri).toBe(link);
    expect(t.sections[0].facts).toEqual(expect.arrayContaining([{ name: 'State', value: 'SUCCESS' }]));
    expect(got).toHaveLength(3);
  });

  it('raises duration warnings (job and task health rules) once while running; PagerDuty triggers, then resolves on success', async () => {
    const key = await h.n.destinations.create({ display_name: 'pd', config: { pagerduty: { integration_key: 'routing-123' } } });
    const web = await h.n.destinations.create({ display_name: 'hook', config: { generic_webhook: { url: `${hook.url}/slow` } } });
    const gate = join(h.dir, 'gate-duration');
    const job = await h.createJob({
      name: 'slow',
      health: { rules: [{ metric: 'RUN_DURATION_SECONDS', op: 'GREATER_THAN', value: 600 }] },
      webhook_notifications: { on_duration_warning_threshold_exceeded: [{ id: key.id }] },
      tasks: [
        sh('wait', `while [ ! -f ${gate} ]; do sleep 0.05; done`, {
          health: { rules: [{ metric: 'RUN_DURATION_SECONDS', op: 'GREATER_THAN', value: 120 }] },
          webhook_notifications: { on_duration_warning_threshold_exceeded: [{ id: web.id }] },
        }),
      ],
    });
    const started = await h.runs.runNow(job);
    // Both rules are armed once the run and its task have started.
    await vi.waitFor(() => expect(h.timer.pendingTimes().length).toBe(2), { timeout: 20_000, interval: 20 });
    const start = (await h.store.getRun(started.run_id))!.start_time!;
    expect(h.timer.pendingTimes()[1]).toBe(start + 600_000);
    await h.advance(121_000);
    const taskWarn = hooksOf(started.run_id).filter((r) => r.path === '/slow');
    expect(taskWarn).toHaveLength(1);
    expect(taskWarn[0].body).toMatchObject({ event_type: 'jobs.on_duration_warning_threshold_exceeded', task: { task_key: 'wait' } });
    expect(pd.received).toHaveLength(0);
    await h.advance(480_000);
    expect(pd.received).toHaveLength(1);
    const trigger = pd.received[0].body;
    expect(trigger).toMatchObject({ routing_key: 'routing-123', event_action: 'trigger', payload: { source: 'weir', severity: 'warning' } });
    expect(trigger.payload.summary).toContain('is running longer than its duration threshold');
    await h.advance(3_600_000);
    expect(pd.received).toHaveLength(1);
    expect(hooksOf(started.run_id).filter((r) => r.path === '/slow')).toHaveLength(1);
    writeFileSync(gate, '');
    const run = await h.executor.waitForRun(started.run_id);
    await h.quiet();
    expect(run.result_state).toBe('SUCCESS');
    expect(pd.received).toHaveLength(2);
    expect(pd.received[1].body).toEqual({ routing_key: 'routing-123', event_action: 'resolve', dedup_key: trigger.dedup_key });
    expect(pd.received.every((r) => r.path === '/v2/enqueue')).toBe(true);
  });
});

describe('notifications: PagerDuty incident of a failed run', () => {
  it('triggers on failure and resolves with the same dedup_key when a repair of the run succeeds', async () => {
    const key = await h.n.destinations.create({ display_name: 'pd-repair', config: { pagerduty: { integration_key: 'rk-repair' } } });
    const fixed = join(h.dir, 'fixed');
    const job = await h.createJob({ name: 'repairable', webhook_notifications: { on_failure: [{ id: key.id }] }, tasks: [sh('check', `test -f ${fixed}`)] });
    const before = pd.received.length;
    const { run } = await h.runJob(job);
    expect(run.result_state).toBe('FAILED');
    const trigger = pd.received[before].body;
    expect(trigger).toMatchObject({ routing_key: 'rk-repair', event_action: 'trigger', dedup_key: `weir-job-${job}-run-${run.run_id}`, payload: { severity: 'error' } });
    writeFileSync(fixed, '');
    await h.runs.repair(run.run_id, { rerun_all_failed_tasks: true });
    expect((await h.executor.waitForRun(run.run_id)).result_state).toBe('SUCCESS');
    await h.quiet();
    expect(pd.received.slice(before).map((r) => r.body)).toEqual([trigger, { routing_key: 'rk-repair', event_action: 'resolve', dedup_key: trigger.dedup_key }]);
  });
});

describe('notifications: notification_settings', () => {
  it('no_alert_for_skipped_runs silences on_failure of a skipped task', async () => {
    const web = await h.n.destinations.create({ display_name: 'skip', config: { generic_webhook: { url: `${hook.url}/skip` } } });
    const on = { webhook_notifications: { on_failure: [{ id: web.id }] } };
    const job = await h.createJob({
      name: 'skips',
      tasks: [
        sh('bad', 'exit 1'),
        sh('loud', 'true', { depends_on: [{ task_key: 'bad' }], ...on }),
        sh('quiet', 'true', { depends_on: [{ task_key: 'bad' }], ...on, notification_settings: { no_alert_for_skipped_runs: true } }),
      ],
    });
    const { tasks, run } = await h.runJob(job);
    expect(tasks.quiet.life_cycle_state).toBe('SKIPPED');
    expect(tasks.loud.result_state).toBe('UPSTREAM_FAILED');
    const got = hooksOf(run.run_id);
    expect(got.map((r) => r.body.task.task_key)).toEqual(['loud']);
    expect(got[0].body.run.result_state).toBe('UPSTREAM_FAILED');
  });

  it('no_alert_for_skipped_runs silences on_failure of a run skipped by max_concurrent_runs', async () => {
    const web = await h.n.destinations.create({ display_name: 'skip-run', config: { generic_webhook: { url: `${hook.url}/skip-run` } } });
    const skipped: Record<string, number> = {};
    for (const quiet of [false, true]) {
      const gate = join(h.dir, `gate-skip-${quiet}`);
      const job = await h.createJob({
        name: `skip-run-${quiet}`,
        max_concurrent_runs: 1,
        webhook_notifications: { on_failure: [{ id: web.id }] },
        notification_settings: { no_alert_for_skipped_runs: quiet },
        tasks: [sh('hold', `while [ ! -f ${gate} ]; do sleep 0.05; done`)],
      });
      const first = await h.runs.runNow(job);
      await vi.waitFor(async () => expect((await h.store.getRun(first.run_id))!.life_cycle_state).toBe('RUNNING'), { timeout: 20_000, interval: 20 });
      const second = await h.runs.runNow(job);
      const run = await h.executor.waitForRun(second.run_id);
      expect(run.result_state).toBe('MAXIMUM_CONCURRENT_RUNS_REACHED');
      writeFileSync(gate, '');
      await h.executor.waitForRun(first.run_id);
      await h.quiet();
      skipped[String(quiet)] = second.run_id;
    }
    expect(hooksOf(skipped.false).map((r) => [r.body.event_type, r.body.run.life_cycle_state])).toEqual([['jobs.on_failure', 'SKIPPED']]);
    expect(hooksOf(skipped.true)).toEqual([]);
  });

  it('no_alert_for_canceled_runs silences on_failure of a canceled run', async () => {
    const web = await h.n.destinations.create({ display_name: 'cancel', config: { generic_webhook: { url: `${hook.url}/cancel` } } });
    const results: Record<string, number> = {};
    for (const quiet of [false, true]) {
      const job = await h.createJob({
        name: `cancel-${quiet}`,
        webhook_notifications: { on_start: [{ id: web.id }], on_failure: [{ id: web.id }] },
        notification_settings: { no_alert_for_canceled_runs: quiet },
        tasks: [sh('forever', 'sleep 60')],
      });
      const { run_id } = await h.runs.runNow(job);
      await vi.waitFor(async () => expect((await h.store.listTaskRuns(run_id))[0].life_cycle_state).toBe('RUNNING'), { timeout: 20_000, interval: 20 });
      await h.executor.cancelRun(run_id);
      expect((await h.executor.waitForRun(run_id)).result_state).toBe('CANCELED');
      await h.quiet();
      results[String(quiet)] = run_id;
    }
    const events = (runId: number) => hooksOf(runId).map((r) => r.body.event_type);
    expect(events(results.false)).toEqual(['jobs.on_start', 'jobs.on_failure']);
    expect(hooksOf(results.false)[1].body.run.result_state).toBe('CANCELED');
    expect(events(results.true)).toEqual(['jobs.on_start']);
  });

  it('alert_on_last_attempt: one on_start and one on_failure over retries instead of one per attempt', async () => {
    const web = await h.n.destinations.create({ display_name: 'retry', config: { generic_webhook: { url: `${hook.url}/retry` } } });
    const counts: Record<string, string[]> = {};
    for (const last of [false, true]) {
      const job = await h.createJob({
        name: `retry-${last}`,
        tasks: [
          sh('flaky', 'exit 1', {
            max_retries: 2,
            min_retry_interval_millis: 0,
            webhook_notifications: { on_start: [{ id: web.id }], on_failure: [{ id: web.id }] },
            notification_settings: { alert_on_last_attempt: last },
          }),
        ],
      });
      const { run, tasks } = await h.runJob(job);
      expect(tasks.flaky.attempt_number).toBe(2);
      counts[String(last)] = hooksOf(run.run_id).map((r) => `${r.body.event_type}#${r.body.task.attempt_number}`);
    }
    expect(counts.false.sort()).toEqual(['jobs.on_failure#0', 'jobs.on_failure#1', 'jobs.on_failure#2', 'jobs.on_start#0', 'jobs.on_start#1', 'jobs.on_start#2']);
    expect(counts.true.sort()).toEqual(['jobs.on_failure#2', 'jobs.on_start#0']);
  });
});
