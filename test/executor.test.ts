import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWeirError } from '../src/domain/weir-error.js';
import { sh, stdoutOf, useHarness } from './support/weir-harness.js';

const ctx = useHarness();
const log = stdoutOf;

describe('executor: DAG, run_if, results', () => {
  it('runs a diamond DAG in dependency order and succeeds', async () => {
    const order = join(ctx.h.dir, 'order.txt');
    const job = await ctx.h.createJob({
      name: 'diamond',
      tasks: [
        sh('a', `echo a >> ${order}`),
        sh('b', `echo b >> ${order}`, { depends_on: [{ task_key: 'a' }] }),
        sh('c', `echo c >> ${order}`, { depends_on: [{ task_key: 'a' }] }),
        sh('d', `echo d >> ${order}; echo done`, { depends_on: [{ task_key: 'b' }, { task_key: 'c' }] }),
      ],
    });
    const { run, tasks } = await ctx.h.runJob(job);
    expect(run.life_cycle_state).toBe('TERMINATED');
    expect(run.result_state).toBe('SUCCESS');
    const lines = readFileSync(order, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('a');
    expect(lines[3]).toBe('d');
    expect(log(tasks.d)).toBe('done\n');
    expect(tasks.d.start_time!).toBeGreaterThanOrEqual(tasks.b.end_time!);
  });

  it('applies every run_if value to a failed and a succeeded parent', async () => {
    const values = ['ALL_SUCCESS', 'AT_LEAST_ONE_SUCCESS', 'NONE_FAILED', 'ALL_DONE', 'AT_LEAST_ONE_FAILED', 'ALL_FAILED'];
    const job = await ctx.h.createJob({
      name: 'run_if',
      tasks: [
        sh('ok', 'true'),
        sh('bad', 'exit 3'),
        ...values.map((v) => sh(`t_${v}`, 'true', { run_if: v, depends_on: [{ task_key: 'ok' }, { task_key: 'bad' }] })),
        ...values.map((v) => sh(`f_${v}`, 'true', { run_if: v, depends_on: [{ task_key: 'bad' }] })),
      ],
    });
    const { run, tasks } = await ctx.h.runJob(job);
    const r = (k: string) => tasks[k].result_state;
    expect(r('bad')).toBe('FAILED');
    expect(tasks.bad.exit_code).toBe(3);
    // one success + one failure
    expect(r('t_ALL_SUCCESS')).toBe('UPSTREAM_FAILED');
    expect(tasks.t_ALL_SUCCESS.life_cycle_state).toBe('SKIPPED');
    expect(r('t_AT_LEAST_ONE_SUCCESS')).toBe('SUCCESS');
    expect(r('t_NONE_FAILED')).toBe('UPSTREAM_FAILED');
    expect(r('t_ALL_DONE')).toBe('SUCCESS');
    expect(r('t_AT_LEAST_ONE_FAILED')).toBe('SUCCESS');
    expect(r('t_ALL_FAILED')).toBe('EXCLUDED');
    // only a failure
    expect(r('f_ALL_SUCCESS')).toBe('UPSTREAM_FAILED');
    expect(r('f_AT_LEAST_ONE_SUCCESS')).toBe('UPSTREAM_FAILED');
    expect(r('f_ALL_DONE')).toBe('SUCCESS');
    expect(r('f_ALL_FAILED')).toBe('SUCCESS');
    expect(run.result_state).toBe('FAILED');
  });

  it('reports SUCCESS_WITH_FAILURES when only an inner task failed', async () => {
    const job = await ctx.h.createJob({
      name: 'swf',
      tasks: [sh('bad', 'exit 1'), sh('leaf', 'true', { run_if: 'ALL_DONE', depends_on: [{ task_key: 'bad' }] })],
    });
    const { run } = await ctx.h.runJob(job);
    expect(run.result_state).toBe('SUCCESS_WITH_FAILURES');
  });

  it('condition tasks drive outcome edges; the other branch is EXCLUDED', async () => {
    const job = await ctx.h.createJob({
      name: 'cond',
      parameters: [{ name: 'n', default: '5' }],
      tasks: [
        { task_key: 'check', condition_task: { left: '{{job.parameters.n}}', op: 'GREATER_THAN', right: '3' } },
        sh('big', 'echo big', { depends_on: [{ task_key: 'check', outcome: 'true' }] }),
        sh('small', 'echo small', { depends_on: [{ task_key: 'check', outcome: 'false' }] }),
        sh('after_small', 'true', { depends_on: [{ task_key: 'small' }] }),
      ],
    });
    const { run, tasks } = await ctx.h.runJob(job);
    expect(tasks.check.outcome).toBe('true');
    expect(tasks.big.result_state).toBe('SUCCESS');
    expect(tasks.small.result_state).toBe('EXCLUDED');
    expect(tasks.after_small.result_state).toBe('EXCLUDED');
    expect(run.result_state).toBe('SUCCESS');
    const low = await ctx.h.runJob(job, { job_parameters: { n: '2' } });
    expect(low.tasks.big.result_state).toBe('EXCLUDED');
    expect(low.tasks.small.result_state).toBe('SUCCESS');
  });
});

describe('executor: retries, timeouts, cancel', () => {
  it('retries a failing task after min_retry_interval_millis and keeps every attempt', async () => {
    const counter = join(ctx.h.dir, 'count');
    const job = await ctx.h.createJob({
      name: 'retry',
      tasks: [sh('flaky', `n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; echo attempt $n; [ $n -ge 3 ]`, { max_retries: 3, min_retry_interval_millis: 300 })],
    });
    const { run, all } = await ctx.h.runJob(job);
    expect(run.result_state).toBe('SUCCESS');
    const attempts = all.filter((t) => t.task_key === 'flaky').sort((a, b) => a.attempt_number - b.attempt_number);
    expect(attempts.map((a) => [a.attempt_number, a.result_state])).toEqual([[0, 'FAILED'], [1, 'FAILED'], [2, 'SUCCESS']]);
    expect(attempts[1].start_time! - attempts[0].end_time!).toBeGreaterThanOrEqual(290);
    expect(log(attempts[2])).toBe('attempt 3\n');
    expect(log(attempts[0])).toBe('attempt 1\n');
    // Each attempt keeps its pid, also the short ones whose pid is written only with their end.
    expect(new Set(attempts.map((a) => a.pid)).size).toBe(3);
    expect(attempts.every((a) => a.pid! > 0)).toBe(true);
  });

  it('stops retrying after max_retries and fails the run', async () => {
    const job = await ctx.h.createJob({ name: 'retry-out', tasks: [sh('bad', 'echo no >&2; exit 2', { max_retries: 1 })] });
    const { run, all } = await ctx.h.runJob(job);
    expect(run.result_state).toBe('FAILED');
    expect(all).toHaveLength(2);
    expect(all[1].error).toMatch(/exited with code 2/);
  });

  it('times a task out, kills its process tree, and retries only with retry_on_timeout', async () => {
    const pidFile = join(ctx.h.dir, 'sleep.pid');
    const job = await ctx.h.createJob({
      name: 'timeout',
      tasks: [sh('slow', `sleep 30 & echo $! > ${pidFile}; wait`, { timeout_seconds: 1, max_retries: 1 })],
    });
    const t0 = Date.now();
    const { run, all } = await ctx.h.runJob(job);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(run.result_state).toBe('FAILED');
    expect(all).toHaveLength(1);
    expect(all[0].result_state).toBe('TIMEDOUT');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await until(async () => !alive(pid), 2000);
    const job2 = await ctx.h.createJob({ name: 'timeout-retry', tasks: [sh('slow', 'sleep 30', { timeout_seconds: 1, max_retries: 1, retry_on_timeout: true })] });
    const r2 = await ctx.h.runJob(job2);
    expect(r2.all.map((t) => t.result_state)).toEqual(['TIMEDOUT', 'TIMEDOUT']);
  });

  it('a job timeout ends the run TIMEDOUT', async () => {
    const job = await ctx.h.createJob({ name: 'job-timeout', timeout_seconds: 1, tasks: [sh('a', 'sleep 30'), sh('b', 'true', { depends_on: [{ task_key: 'a' }] })] });
    const { run, tasks } = await ctx.h.runJob(job);
    expect(run.result_state).toBe('TIMEDOUT');
    expect(tasks.a.result_state).toBe('TIMEDOUT');
    expect(tasks.b.result_state).not.toBe('SUCCESS');
  });

  it('cancels a running run: processes die, pending tasks end CANCELED', async () => {
    const job = await ctx.h.createJob({ name: 'cancel', tasks: [sh('a', 'sleep 30'), sh('b', 'true', { depends_on: [{ task_key: 'a' }] })] });
    const started = await ctx.h.runs.runNow(job);
    await until(async () => (await ctx.h.store.listTaskRuns(started.run_id)).some((t) => t.pid !== null));
    const t0 = Date.now();
    await ctx.h.executor.cancelRun(started.run_id);
    const { run, tasks } = await ctx.h.finished(started.run_id);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(run.result_state).toBe('CANCELED');
    expect(tasks.a.result_state).toBe('CANCELED');
    expect(tasks.b.result_state).toBe('CANCELED');
    await until(async () => !alive(tasks.a.pid!), 2000);
  });
});

describe('executor: repair, parameters, references, for_each, run_job', () => {
  it('repairs failed tasks and their dependents inside the same run, keeping successes', async () => {
    const flag = join(ctx.h.dir, 'fixed');
    const job = await ctx.h.createJob({
      name: 'repair',
      tasks: [sh('ok', 'echo ok'), sh('fix', `test -f ${flag}`, { depends_on: [{ task_key: 'ok' }] }), sh('down', 'echo down', { depends_on: [{ task_key: 'fix' }] })],
    });
    const first = await ctx.h.runJob(job);
    expect(first.run.result_state).toBe('FAILED');
    expect(first.tasks.down.result_state).toBe('UPSTREAM_FAILED');
    writeFileSync(flag, '');
    const repairId = await ctx.h.runs.repair(first.run.run_id, { rerun_all_failed_tasks: true });
    const second = await ctx.h.finished(first.run.run_id);
    expect(second.run.result_state).toBe('SUCCESS');
    expect(second.run.repair_history.map((r) => r.type)).toEqual(['ORIGINAL', 'REPAIR']);
    expect(second.run.repair_history[1].id).toBe(repairId);
    expect(second.tasks.ok.task_run_id).toBe(first.tasks.ok.task_run_id);
    expect(second.tasks.fix.task_run_id).not.toBe(first.tasks.fix.task_run_id);
    expect(second.tasks.down.result_state).toBe('SUCCESS');
    await expect(ctx.h.runs.repair(first.run.run_id, { rerun_tasks: ['ok'] })).rejects.toThrow(/latest_repair_id/);
  });

  it('delivers job parameters and dynamic value references to tasks', async () => {
    const job = await ctx.h.createJob({
      name: 'refs',
      parameters: [{ name: 'region', default: 'eu' }, { name: 'day', default: '{{job.start_time.iso_date}}' }],
      tasks: [
        sh('first', 'exit 0'),
        {
          task_key: 'show',
          depends_on: [{ task_key: 'first' }],
          shell_task: { command: 'echo "$1|$2|$3|$4|$5|$WEIR_JOB_PARAMETERS"', parameters: ['{{job.parameters.region}}', '{{job.id}}', '{{tasks.first.result_state}}', '{{task.name}}', '{{job.parameters.day}}'] },
        },
      ],
    });
    const { run, tasks } = await ctx.h.runJob(job, { job_parameters: { region: 'us' } });
    expect(run.result_state).toBe('SUCCESS');
    const today = new Date(run.start_time!).toISOString().slice(0, 10);
    expect(log(tasks.show).trim()).toBe(`us|${job}|success|show|${today}|{"region":"us","day":"${today}"}`);
    await expect(ctx.h.runs.runNow(job, { job_parameters: { nope: '1' } })).rejects.toSatisfy((e) => isWeirError(e, 'RUN.PARAMETER'));
  });

  it('fails a task with a clear error for an unknown reference', async () => {
    const job = await ctx.h.createJob({ name: 'badref', tasks: [{ task_key: 'x', shell_task: { command: 'echo {{job.notebook_url}}' } }] });
    const { run, tasks } = await ctx.h.runJob(job);
    expect(run.result_state).toBe('FAILED');
    expect(tasks.x.error).toMatch(/\{\{job\.notebook_url\}\}: unknown reference/);
  });

  it('for_each runs one iteration per input with {{input}}, up to its concurrency', async () => {
    const out = join(ctx.h.dir, 'regions');
    const job = await ctx.h.createJob({
      name: 'foreach',
      tasks: [{ task_key: 'loop', for_each_task: { inputs: '["eu","us","apac"]', concurrency: 2, task: sh('one', `echo {{input}} >> ${out}`) } }],
    });
    const { run, all } = await ctx.h.runJob(job);
    expect(run.result_state).toBe('SUCCESS');
    expect(readFileSync(out, 'utf8').trim().split('\n').sort()).toEqual(['apac', 'eu', 'us']);
    expect(all.filter((t) => t.iteration_index !== null)).toHaveLength(3);
  });

  it('run_job_task starts the child job, links it and mirrors its result', async () => {
    const child = await ctx.h.createJob({ name: 'child', parameters: [{ name: 'p', default: 'x' }], tasks: [sh('c', 'echo child $1; exit $2', { shell_task: { command: 'echo child {{job.parameters.p}}' } })] });
    const parent = await ctx.h.createJob({ name: 'parent', tasks: [{ task_key: 'call', run_job_task: { job_id: child, job_parameters: { p: 'from-parent' } } }] });
    const { run, tasks } = await ctx.h.runJob(parent);
    expect(run.result_state).toBe('SUCCESS');
    const childRun = await ctx.h.store.getRun(tasks.call.child_run_id!);
    expect(childRun?.trigger).toBe('RUN_JOB_TASK');
    expect(childRun?.job_parameters).toEqual({ p: 'from-parent' });
    const childTasks = await ctx.h.store.listTaskRuns(childRun!.run_id);
    expect(log(childTasks[0])).toBe('child from-parent\n');
  });

  it('skips a run when max_concurrent_runs is reached and queueing is off', async () => {
    const job = await ctx.h.createJob({ name: 'mcr', max_concurrent_runs: 1, tasks: [sh('s', 'sleep 1')] });
    const a = await ctx.h.runs.runNow(job);
    const b = await ctx.h.runs.runNow(job);
    const rb = await ctx.h.finished(b.run_id);
    expect(rb.run.life_cycle_state).toBe('SKIPPED');
    expect(rb.run.result_state).toBe('MAXIMUM_CONCURRENT_RUNS_REACHED');
    expect((await ctx.h.finished(a.run_id)).run.result_state).toBe('SUCCESS');
  });

  it('queues instead when queue.enabled', async () => {
    const job = await ctx.h.createJob({ name: 'queued', max_concurrent_runs: 1, queue: { enabled: true }, tasks: [sh('s', 'sleep 0.3')] });
    const a = await ctx.h.runs.runNow(job);
    const b = await ctx.h.runs.runNow(job);
    const [ra, rb] = await Promise.all([ctx.h.finished(a.run_id), ctx.h.finished(b.run_id)]);
    expect(rb.run.result_state).toBe('SUCCESS');
    expect(rb.run.start_time!).toBeGreaterThanOrEqual(ra.run.end_time!);
  });

  it('returns the same run for a repeated idempotency token', async () => {
    const job = await ctx.h.createJob({ name: 'idem', tasks: [sh('s', 'true')] });
    const a = await ctx.h.runs.runNow(job, { idempotency_token: 'tok-1' });
    const b = await ctx.h.runs.runNow(job, { idempotency_token: 'tok-1' });
    expect(b.run_id).toBe(a.run_id);
    await ctx.h.finished(a.run_id);
    expect(existsSync(ctx.h.dir)).toBe(true);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

async function until(f: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}
