import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ScaleOutCluster, exclusiveTask, tcpProxy } from './support/scale-out-cluster.js';
import { postgresSkipReason, usePostgresDatabase } from './support/store-fixtures.js';

const lines = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean) : []);
const terminal = (s: string) => ['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'].includes(s);

describe.skipIf(postgresSkipReason)('scale-out roles on PostgreSQL', () => {
  const db = usePostgresDatabase();
  let cluster: ScaleOutCluster;
  afterEach(async () => cluster?.close());

  test('two workers claim disjoint runs in FIFO order, and max_concurrent_runs holds across workers', async () => {
    cluster = new ScaleOutCluster(db.freshLocation());
    const api = await cluster.start('api');
    const d = cluster.dir;
    const { job_id: wide } = await cluster.api(api.url!, 'jobs/create', { name: 'wide', max_concurrent_runs: 20, tasks: [exclusiveTask(d, 'a', 0.3)] });
    const { job_id: narrow } = await cluster.api(api.url!, 'jobs/create', {
      name: 'narrow', max_concurrent_runs: 1, queue: { enabled: true },
      tasks: [{ task_key: 'n', shell_task: { command: `mkdir ${d}/narrow.lock || echo OVERLAP >> ${d}/narrow.log; sleep 0.3; rmdir ${d}/narrow.lock` } }],
    });
    const ids: number[] = [];
    for (let i = 0; i < 8; i++) ids.push((await cluster.api(api.url!, 'jobs/run-now', { job_id: wide })).run_id as number);
    for (let i = 0; i < 4; i++) await cluster.api(api.url!, 'jobs/run-now', { job_id: narrow });
    const [w1, w2] = await Promise.all([cluster.start('worker', ['--slots', '1']), cluster.start('worker', ['--slots', '1'])]);
    const s = await cluster.until((x) => x.runs.length === 12 && x.runs.every((r) => terminal(r.life_cycle_state)));
    expect(s.runs.map((r) => r.result_state)).toEqual(Array(12).fill('SUCCESS'));
    const starts = lines(join(d, 'attempts.log')).filter((l) => l.startsWith('start')).map((l) => l.split(' '));
    // Each run ran once, the two workers shared them, and the backlog started in run id order (two at a time).
    expect(starts.map((x) => Number(x[1])).sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(starts.map((x) => x[4]))).toEqual(new Set([String(w1.proc.pid), String(w2.proc.pid)]));
    starts.forEach((x, i) => expect(Math.abs(ids.indexOf(Number(x[1])) - i)).toBeLessThanOrEqual(1));
    expect(lines(join(d, 'narrow.log'))).toEqual([]);
    expect(lines(join(d, 'overlaps.log'))).toEqual([]);
  }, 120_000);

  test('a worker that polls only hourly is woken by NOTIFY, and a cancel sent to the API process reaches it', async () => {
    cluster = new ScaleOutCluster(db.freshLocation());
    const api = await cluster.start('api');
    await cluster.start('worker', ['--poll-interval', '3600']);
    const { job_id } = await cluster.api(api.url!, 'jobs/create', { name: 'j', tasks: [{ task_key: 'quick', shell_task: { command: 'true' } }] });
    const { job_id: slow } = await cluster.api(api.url!, 'jobs/create', { name: 's', tasks: [{ task_key: 'slow', shell_task: { command: `echo $$ > ${cluster.dir}/slow.pid; exec sleep 60` } }] });
    const { run_id } = await cluster.api(api.url!, 'jobs/run-now', { job_id });
    await cluster.until((x) => x.runs.some((r) => r.run_id === run_id && r.result_state === 'SUCCESS'), 30_000);
    const { run_id: slowRun } = await cluster.api(api.url!, 'jobs/run-now', { job_id: slow });
    await cluster.until((x) => x.tasks.some((t) => t.run_id === slowRun && t.life_cycle_state === 'RUNNING') && existsSync(join(cluster.dir, 'slow.pid')), 30_000);
    await cluster.api(api.url!, 'jobs/runs/cancel', { run_id: slowRun });
    const s = await cluster.until((x) => x.runs.some((r) => r.run_id === slowRun && terminal(r.life_cycle_state)), 30_000);
    expect(s.runs.find((r) => r.run_id === slowRun)?.result_state).toBe('CANCELED');
    expect(s.tasks.find((t) => t.run_id === slowRun)?.result_state).toBe('CANCELED');
  }, 90_000);

  test('a SIGKILLed worker is declared lost: its attempt ends FAILED "lost worker" and is retried on the other worker', async () => {
    cluster = new ScaleOutCluster(db.freshLocation());
    const api = await cluster.start('api', ['--worker-timeout', '1.5']);
    const a = await cluster.start('worker', ['--worker-timeout', '1.5']);
    const { job_id } = await cluster.api(api.url!, 'jobs/create', { name: 'l', tasks: [exclusiveTask(cluster.dir, 't', `$(if [ -e ${cluster.dir}/first ]; then echo 0.2; else touch ${cluster.dir}/first; echo 60; fi)`, { max_retries: 1 })] });
    const { run_id } = await cluster.api(api.url!, 'jobs/run-now', { job_id });
    await cluster.until((x) => x.tasks.some((t) => t.run_id === run_id && t.life_cycle_state === 'RUNNING' && t.pid !== null), 30_000);
    const b = await cluster.start('worker', ['--worker-timeout', '1.5']);
    await cluster.kill(a);
    const s = await cluster.until((x) => x.runs.some((r) => r.run_id === run_id && terminal(r.life_cycle_state)), 60_000);
    const attempts = s.tasks.filter((t) => t.run_id === run_id).sort((x, y) => x.attempt_number - y.attempt_number);
    expect(attempts.map((t) => [t.attempt_number, t.result_state])).toEqual([[0, 'FAILED'], [1, 'SUCCESS']]);
    expect(attempts[0].state_message).toMatch(/^lost worker/);
    expect(s.runs.find((r) => r.run_id === run_id)?.result_state).toBe('SUCCESS');
    const log = lines(join(cluster.dir, 'attempts.log'));
    expect(log.filter((l) => l.startsWith('end'))).toEqual([`end ${run_id} t ${attempts[1].task_run_id} ${b.proc.pid}`]);
    expect(lines(join(cluster.dir, 'overlaps.log'))).toEqual([]);
  }, 90_000);

  test('a worker that loses its store connection kills its attempts before another worker takes the run over', async () => {
    cluster = new ScaleOutCluster(db.freshLocation());
    const url = new URL(cluster.store);
    const proxy = await tcpProxy(Number(url.port || 5432));
    const viaProxy = new URL(cluster.store);
    viaProxy.port = String(proxy.port);
    const api = await cluster.start('api', ['--worker-timeout', '2']);
    await cluster.start('worker', ['--worker-timeout', '2'], viaProxy.toString());
    const pidFile = join(cluster.dir, 'fenced.pid');
    const task = { task_key: 'f', max_retries: 1, shell_task: { command: `if [ ! -e ${pidFile} ]; then echo $$ > ${pidFile}; exec sleep 120; fi; true` } };
    const { job_id } = await cluster.api(api.url!, 'jobs/create', { name: 'f', tasks: [task] });
    const { run_id } = await cluster.api(api.url!, 'jobs/run-now', { job_id });
    await cluster.until((x) => x.tasks.some((t) => t.run_id === run_id && t.life_cycle_state === 'RUNNING') && existsSync(pidFile), 30_000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    proxy.cut();
    // The cut-off worker kills its attempt on its own; nothing else on this machine could (no worker is running).
    const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
    const deadline = Date.now() + 20_000;
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive()).toBe(false);
    await cluster.start('worker', ['--worker-timeout', '2']);
    const s = await cluster.until((x) => x.runs.some((r) => r.run_id === run_id && terminal(r.life_cycle_state)), 60_000);
    const attempts = s.tasks.filter((t) => t.run_id === run_id).sort((x, y) => x.attempt_number - y.attempt_number);
    expect(attempts.map((t) => t.result_state)).toEqual(['FAILED', 'SUCCESS']);
    expect(attempts[0].state_message).toMatch(/^lost worker/);
  }, 90_000);

  test('two schedulers fire an every-second cron job once per tick (10 s apart), and workers run the runs', async () => {
    cluster = new ScaleOutCluster(db.freshLocation());
    const api = await cluster.start('api');
    await cluster.start('worker', ['--slots', '4']);
    const { job_id } = await cluster.api(api.url!, 'jobs/create', {
      name: 'cron', max_concurrent_runs: 10, schedule: { quartz_cron_expression: '* * * * * ?', timezone_id: 'UTC' },
      tasks: [{ task_key: 'c', shell_task: { command: 'true' } }],
    });
    const [s1, s2] = await Promise.all([cluster.start('scheduler'), cluster.start('scheduler')]);
    await cluster.until((x) => x.runs.filter((r) => r.result_state === 'SUCCESS').length >= 3, 90_000);
    await cluster.kill(s1, 'SIGTERM');
    await cluster.kill(s2, 'SIGTERM');
    const s = await cluster.until((x) => x.runs.every((r) => terminal(r.life_cycle_state)), 30_000);
    const times = s.runs.filter((r) => r.job_id === job_id).map((r) => r.trigger_time as number).sort((a, b) => a - b);
    expect(new Set(times).size).toBe(times.length);
    // No tick was lost between the first and the last one fired (schedules fire at least 10 s apart, as on Databricks).
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(10_000);
  }, 120_000);
});
