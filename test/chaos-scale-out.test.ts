import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ScaleOutCluster, exclusiveTask, type RoleProcess } from './support/scale-out-cluster.js';
import { postgresSkipReason, usePostgresDatabase } from './support/store-fixtures.js';
import { prng } from '../bench/lib.js';
import type { TaskRunRecord } from '../src/store/records.js';

const CHAOS_MS = 130_000;
const TIMEOUT = ['--worker-timeout', '2'];
const lines = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean) : []);
const terminal = (s: string) => ['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'].includes(s);
const lostWorker = (t: TaskRunRecord) => t.state_message.startsWith('lost worker');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(postgresSkipReason)('chaos: 2 schedulers and 3 workers on PostgreSQL, SIGKILLed and restarted at random', () => {
  const db = usePostgresDatabase();
  const cluster = new ScaleOutCluster(db.freshLocation());
  afterAll(() => cluster.close());

  test('no tick fires twice or is lost, every attempt ends once, lost attempts are retried, no run is stuck, no task runs twice at once', async () => {
    const d = cluster.dir;
    // The chaos schedule as it happened (chaos.log), to line up with the attempts' times after a failure.
    const event = (what: string) => appendFileSync(join(d, 'chaos.log'), `${Date.now()} ${what}\n`);
    const api = await cluster.start('api', TIMEOUT);
    const roles: { role: 'scheduler' | 'worker'; flags: string[]; p?: RoleProcess }[] = [
      { role: 'scheduler', flags: TIMEOUT },
      { role: 'scheduler', flags: TIMEOUT },
      { role: 'worker', flags: [...TIMEOUT, '--slots', '2'] },
      { role: 'worker', flags: [...TIMEOUT, '--slots', '2'] },
      { role: 'worker', flags: [...TIMEOUT, '--slots', '2'] },
    ];
    await Promise.all(roles.map(async (r) => (r.p = await cluster.start(r.role, r.flags))));
    const cronJobs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { job_id } = await cluster.api(api.url!, 'jobs/create', {
        name: `cron-${i}`, max_concurrent_runs: 10, schedule: { quartz_cron_expression: '* * * * * ?', timezone_id: 'UTC' },
        tasks: [exclusiveTask(d, 'tick', 0.3, { max_retries: 5 })],
      });
      cronJobs.push(job_id as number);
    }
    const dep = (k: string) => ({ depends_on: [{ task_key: k }], max_retries: 5 });
    const { job_id: dag } = await cluster.api(api.url!, 'jobs/create', {
      name: 'dag', max_concurrent_runs: 4, queue: { enabled: true },
      tasks: [
        exclusiveTask(d, 'a', 0.5, { max_retries: 5 }),
        exclusiveTask(d, 'b', 3, dep('a')),
        exclusiveTask(d, 'c', 2, dep('a')),
        { ...exclusiveTask(d, 'd', 0.3), depends_on: [{ task_key: 'b' }, { task_key: 'c' }], max_retries: 5 },
      ],
    });
    const { job_id: flaky } = await cluster.api(api.url!, 'jobs/create', {
      name: 'flaky', max_concurrent_runs: 10,
      tasks: [{ task_key: 'f', max_retries: 5, shell_task: { command: `if [ -e ${d}/flaky-$WEIR_RUN_ID ]; then sleep 0.2; else touch ${d}/flaky-$WEIR_RUN_ID; exit 3; fi` } }],
    });

    // The chaos: a seeded schedule of SIGKILLs and restarts, with work submitted all along.
    const rand = prng(8);
    const end = Date.now() + CHAOS_MS;
    let kills = 0;
    let submitted = 0;
    const restarting = new Set<(typeof roles)[number]>();
    // A role that cannot start again fails the test at once (instead of waiting for it forever).
    let restartFailed: Error | undefined;
    while (Date.now() < end) {
      await cluster.api(api.url!, 'jobs/run-now', { job_id: rand() < 0.6 ? dag : flaky });
      submitted++;
      await sleep(1000 + rand() * 3000);
      const up = roles.filter((r) => !restarting.has(r));
      if (up.length === 0) continue;
      const victim = up[Math.floor(rand() * up.length)];
      event(`kill ${victim.role} ${victim.p!.proc.pid}`);
      await cluster.kill(victim.p!);
      kills++;
      // Restarts run beside the loop (a start takes seconds on a busy machine), so kills keep coming.
      restarting.add(victim);
      const pause = 300 + rand() * 2000;
      void sleep(pause).then(() => cluster.start(victim.role, victim.flags)).then(
        (p) => {
          event(`up ${victim.role} ${p.proc.pid}`);
          victim.p = p;
          restarting.delete(victim);
        },
        (e: Error) => (restartFailed = e),
      );
      if (restartFailed) throw restartFailed;
    }
    while (restarting.size && !restartFailed) await sleep(200);
    if (restartFailed) throw restartFailed;
    // Stop firing, then let every run finish on the workers.
    for (const r of roles.filter((x) => x.role === 'scheduler')) await cluster.kill(r.p!, 'SIGTERM');
    const s = await cluster.until((x) => x.runs.every((r) => terminal(r.life_cycle_state)), 180_000);
    expect(kills).toBeGreaterThanOrEqual(20);

    // Any run that did not succeed, with its attempts (printed, to see why when a check below fails on it).
    for (const r of s.runs.filter((x) => x.result_state !== 'SUCCESS')) {
      const attempts = s.tasks.filter((t) => t.run_id === r.run_id).map((t) => [t.task_key, t.attempt_number, t.task_run_id, t.result_state, t.start_time, t.end_time, t.pid, t.state_message.slice(0, 40)]);
      console.log(`run ${r.run_id} ${r.result_state} ${r.state_message}\n${attempts.map((a) => a.join(' ')).join('\n')}`);
    }
    // No task ran on two workers at once: every attempt holds its task's lock (flock -n) for its whole life.
    expect(lines(join(d, 'overlaps.log'))).toEqual([]);
    // Ticks: one run per tick, and no tick missing between a job's first and last (schedules fire ≥ 10 s apart).
    for (const job of cronJobs) {
      const times = s.runs.filter((r) => r.job_id === job).map((r) => r.trigger_time as number).sort((a, b) => a - b);
      expect(times.length).toBeGreaterThanOrEqual(10);
      expect(new Set(times).size).toBe(times.length);
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(10_000);
    }
    expect(s.runs.filter((r) => r.job_id === dag || r.job_id === flaky)).toHaveLength(submitted);

    // Every attempt ended once: terminal with an end time, and at most one end line written by one worker.
    for (const t of s.tasks) {
      expect(['TERMINATED', 'SKIPPED']).toContain(t.life_cycle_state);
      expect(t.end_time).not.toBeNull();
    }
    const log = lines(join(d, 'attempts.log')).map((l) => l.split(' '));
    const byAttempt = new Map<string, string[][]>();
    for (const l of log) byAttempt.set(l[3], [...(byAttempt.get(l[3]) ?? []), l]);
    for (const [, ls] of byAttempt) {
      expect(ls.filter((l) => l[0] === 'start')).toHaveLength(1);
      expect(ls.filter((l) => l[0] === 'end').length).toBeLessThanOrEqual(1);
    }
    // Lost attempts were retried (none is the current attempt of a task that had retries left).
    const lost = s.tasks.filter(lostWorker);
    expect(lost.length).toBeGreaterThan(0);
    for (const t of lost) if (t.attempt_number < 5) expect(t.is_current).toBe(false);
    // Every failed attempt failed for a reason the test caused: its worker was killed, or it is the flaky job's one
    // deliberate exit 3. (A retry that found its lost predecessor still running would fail flock with 99 here.)
    for (const t of s.tasks.filter((x) => x.result_state === 'FAILED')) {
      expect(lostWorker(t) || (t.task_key === 'f' && t.exit_code === 3), `task run ${t.task_run_id} of run ${t.run_id}: ${t.state_message}`).toBe(true);
    }
    for (const r of s.runs.filter((x) => x.job_id === flaky)) expect(s.tasks.filter((t) => t.run_id === r.run_id && t.exit_code === 3).length).toBeLessThanOrEqual(1);
    // A run ends FAILED only when one of its tasks used up its 5 retries on lost workers. The kills are random, so
    // this happens: while restarts take seconds on a busy machine, few workers are up and the freshly started one,
    // which takes over the runs of the last one killed, is often the next killed (run 16 lost b and c six times so).
    for (const r of s.runs.filter((x) => x.result_state !== 'SUCCESS')) {
      expect(r.result_state).toBe('FAILED');
      const failed = s.tasks.filter((t) => t.run_id === r.run_id && t.is_current && t.result_state === 'FAILED');
      expect(failed.length).toBeGreaterThan(0);
      for (const t of failed) expect([lostWorker(t), t.attempt_number]).toEqual([true, 5]);
    }
  }, 600_000);
});
