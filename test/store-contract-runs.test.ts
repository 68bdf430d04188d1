import { describe, expect, test } from 'vitest';
import type { JobSettings } from '../src/domain/job-settings.js';
import { jobInput, runRecord, storeDialects, taskRunRecord, useStore } from './support/store-fixtures.js';

describe.each(storeDialects())('store contract: jobs, runs and task runs on %s', (name, dialect, skip) => {
  if (skip) {
    test.skip(`${name}: ${skip}`, () => undefined);
    return;
  }
  const s = useStore(dialect);

  test('jobs: create, get, find by name, replace settings, delete', async () => {
    const a = await s.store.createJob(jobInput('alpha'));
    const b = await s.store.createJob(jobInput('beta'));
    expect(b).toBe(a + 1);
    const got = await s.store.getJob(a);
    expect(got).toMatchObject({ job_id: a, creator_user_name: 'contract@weir', created_time: 1_700_000_000_000 });
    expect(got?.settings.name).toBe('alpha');
    expect((await s.store.findJobByName('beta'))?.job_id).toBe(b);
    expect(await s.store.findJobByName('gamma')).toBeUndefined();

    await s.store.replaceSettings(a, { ...got!.settings, name: 'gamma' } as JobSettings);
    expect((await s.store.getJob(a))?.settings.name).toBe('gamma');
    expect((await s.store.findJobByName('gamma'))?.job_id).toBe(a);
    expect(await s.store.findJobByName('alpha')).toBeUndefined();

    expect(await s.store.deleteJob(a)).toBe(true);
    expect(await s.store.deleteJob(a)).toBe(false);
    expect(await s.store.getJob(a)).toBeUndefined();
    expect(await s.store.getJob(999_999)).toBeUndefined();
  });

  test('jobs: list pages in id order and filters on the exact name', async () => {
    const ids: number[] = [];
    for (const n of ['x', 'y', 'x', 'z', 'x']) ids.push(await s.store.createJob(jobInput(n)));
    const p1 = await s.store.listJobs({ offset: 0, limit: 2 });
    expect(p1.jobs.map((j) => j.job_id)).toEqual(ids.slice(0, 2));
    expect(p1.hasMore).toBe(true);
    const p3 = await s.store.listJobs({ offset: 4, limit: 2 });
    expect(p3.jobs.map((j) => j.job_id)).toEqual([ids[4]]);
    expect(p3.hasMore).toBe(false);
    const xs = await s.store.listJobs({ name: 'x', offset: 1, limit: 10 });
    expect(xs.jobs.map((j) => j.job_id)).toEqual([ids[2], ids[4]]);
    expect((await s.store.listJobs({ name: 'X', offset: 0, limit: 10 })).jobs).toEqual([]);
    expect(typeof p1.jobs[0]!.job_id).toBe('number');
  });

  test('runs: allocateIds reserves consecutive, disjoint ranges as numbers', async () => {
    const first = await s.store.allocateIds(5);
    const next = await s.store.allocateIds(1);
    expect(typeof first).toBe('number');
    expect(next).toBe(first + 5);
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => s.store.allocateIds(3)));
    expect(new Set(concurrent).size).toBe(20);
    expect(Math.min(...concurrent)).toBe(next + 1);
    expect(Math.max(...concurrent)).toBe(next + 1 + 19 * 3);
  });

  test('runs: create with task runs, get, update and delete', async () => {
    const id = await s.store.allocateIds(3);
    const run = runRecord(id, { job_id: 7, idempotency_token: 'tok-1' });
    await s.store.createRun(run, [taskRunRecord(id + 1, id, 'a'), taskRunRecord(id + 2, id, 'b')]);
    expect(await s.store.getRun(id)).toEqual(run);
    await s.store.updateRun(id, { life_cycle_state: 'RUNNING', start_time: 1_700_000_100_000 });
    expect(await s.store.getRun(id)).toEqual({ ...run, life_cycle_state: 'RUNNING', start_time: 1_700_000_100_000 });
    await s.store.updateRun(999_999, { life_cycle_state: 'RUNNING' });
    expect(await s.store.getRun(999_999)).toBeUndefined();
    expect((await s.store.listTaskRuns(id)).map((t) => t.task_key)).toEqual(['a', 'b']);

    expect((await s.store.findRunByIdempotencyToken(7, 'tok-1'))?.run_id).toBe(id);
    expect(await s.store.findRunByIdempotencyToken(8, 'tok-1')).toBeUndefined();
    expect(await s.store.findRunByIdempotencyToken(7, 'tok-2')).toBeUndefined();

    await s.store.deleteRun(id);
    expect(await s.store.getRun(id)).toBeUndefined();
    expect(await s.store.listTaskRuns(id)).toEqual([]);
  });

  test('runs: idempotency token of a one-time submit run (no job) matches job_id null only', async () => {
    const id = await s.store.allocateIds(2);
    await s.store.createRun(runRecord(id, { job_id: null, run_type: 'SUBMIT_RUN', idempotency_token: 'sub' }), []);
    await s.store.createRun(runRecord(id + 1, { job_id: 3, idempotency_token: 'sub' }), []);
    expect((await s.store.findRunByIdempotencyToken(null, 'sub'))?.run_id).toBe(id);
    expect((await s.store.findRunByIdempotencyToken(3, 'sub'))?.run_id).toBe(id + 1);
  });

  test('runs: list filters on job, active/completed, run type and start-time range, newest first, with paging', async () => {
    const base = await s.store.allocateIds(6);
    const spec = [
      { job_id: 1, life_cycle_state: 'TERMINATED', run_type: 'JOB_RUN', start_time: 1000 },
      { job_id: 1, life_cycle_state: 'RUNNING', run_type: 'JOB_RUN', start_time: 2000 },
      { job_id: 2, life_cycle_state: 'SKIPPED', run_type: 'JOB_RUN', start_time: 3000 },
      { job_id: null, life_cycle_state: 'QUEUED', run_type: 'SUBMIT_RUN', start_time: null },
      { job_id: 2, life_cycle_state: 'INTERNAL_ERROR', run_type: 'WORKFLOW_RUN', start_time: 5000 },
      { job_id: 1, life_cycle_state: 'PENDING', run_type: 'JOB_RUN', start_time: 6000 },
    ] as const;
    for (const [i, o] of spec.entries()) await s.store.createRun(runRecord(base + i, { ...o }), []);
    const ids = async (q: Partial<Parameters<typeof s.store.listRuns>[0]>) =>
      (await s.store.listRuns({ offset: 0, limit: 100, ...q })).runs.map((r) => r.run_id - base);
    expect(await ids({})).toEqual([5, 4, 3, 2, 1, 0]);
    expect(await ids({ jobId: 1 })).toEqual([5, 1, 0]);
    expect(await ids({ activeOnly: true })).toEqual([5, 3, 1]);
    expect(await ids({ completedOnly: true })).toEqual([4, 2, 0]);
    expect(await ids({ runType: 'SUBMIT_RUN' })).toEqual([3]);
    expect(await ids({ startTimeFrom: 2000, startTimeTo: 5000 })).toEqual([4, 2, 1]);
    expect(await ids({ jobId: 1, activeOnly: true, startTimeFrom: 3000 })).toEqual([5]);
    const page = await s.store.listRuns({ offset: 1, limit: 2 });
    expect(page.runs.map((r) => r.run_id - base)).toEqual([4, 3]);
    expect(page.hasMore).toBe(true);
    const last = await s.store.listRuns({ offset: 4, limit: 2 });
    expect(last.runs.map((r) => r.run_id - base)).toEqual([1, 0]);
    expect(last.hasMore).toBe(false);
  });

  test('runs: runsInStates (oldest first) and countRunsInStates (per job)', async () => {
    const base = await s.store.allocateIds(4);
    await s.store.createRun(runRecord(base, { job_id: 1, life_cycle_state: 'QUEUED' }), []);
    await s.store.createRun(runRecord(base + 1, { job_id: 1, life_cycle_state: 'RUNNING' }), []);
    await s.store.createRun(runRecord(base + 2, { job_id: 2, life_cycle_state: 'RUNNING' }), []);
    await s.store.createRun(runRecord(base + 3, { job_id: 1, life_cycle_state: 'TERMINATED' }), []);
    expect((await s.store.runsInStates(['RUNNING', 'QUEUED'])).map((r) => r.run_id - base)).toEqual([0, 1, 2]);
    expect(await s.store.runsInStates(['BLOCKED'])).toEqual([]);
    const n = await s.store.countRunsInStates(1, ['RUNNING', 'QUEUED', 'PENDING']);
    expect(n).toBe(2);
    expect(typeof n).toBe('number');
    expect(await s.store.countRunsInStates(3, ['RUNNING'])).toBe(0);
  });

  test('task runs: insert, update (merge), save (replace), get, list in id order', async () => {
    const id = await s.store.allocateIds(4);
    await s.store.createRun(runRecord(id), [taskRunRecord(id + 2, id, 'b')]);
    await s.store.insertTaskRuns([taskRunRecord(id + 1, id, 'a'), taskRunRecord(id + 3, id, 'c')]);
    await s.store.insertTaskRuns([]);
    expect((await s.store.listTaskRuns(id)).map((t) => t.task_key)).toEqual(['a', 'b', 'c']);
    await s.store.updateTaskRun(id + 1, { life_cycle_state: 'RUNNING', pid: 4242, output: { run_job_output: { run_id: 9 } } });
    expect(await s.store.getTaskRun(id + 1)).toEqual(
      taskRunRecord(id + 1, id, 'a', { life_cycle_state: 'RUNNING', pid: 4242, output: { run_job_output: { run_id: 9 } } }),
    );
    const saved = taskRunRecord(id + 3, id, 'c', { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS', end_time: 5 });
    await s.store.saveTaskRun(saved);
    expect(await s.store.getTaskRun(id + 3)).toEqual(saved);
    expect(await s.store.getTaskRun(999_999)).toBeUndefined();
  });

  test('task runs: batch applies insert, task-run patches and the run patch together', async () => {
    const id = await s.store.allocateIds(3);
    await s.store.createRun(runRecord(id), [taskRunRecord(id + 1, id, 'a')]);
    await s.store.batch({
      insert: [taskRunRecord(id + 2, id, 'a', { attempt_number: 1 })],
      taskRuns: [[id + 1, { is_current: false, life_cycle_state: 'TERMINATED', result_state: 'FAILED' }]],
      run: [id, { life_cycle_state: 'RUNNING', start_time: 77 }],
    });
    const trs = await s.store.listTaskRuns(id);
    expect(trs.map((t) => [t.task_run_id - id, t.attempt_number, t.is_current, t.result_state])).toEqual([
      [1, 0, false, 'FAILED'],
      [2, 1, true, null],
    ]);
    expect((await s.store.listRuns({ offset: 0, limit: 10, startTimeFrom: 77, startTimeTo: 77 })).runs.map((r) => r.run_id)).toEqual([id]);
  });

  test('runs: createRun is atomic: a failing task-run insert leaves no run behind', async () => {
    const id = await s.store.allocateIds(3);
    await s.store.createRun(runRecord(id), [taskRunRecord(id + 1, id, 'a')]);
    // The new run's second task run reuses an existing primary key, so the run insert must roll back too.
    await expect(s.store.createRun(runRecord(id + 2), [taskRunRecord(id + 3, id + 2, 'b'), taskRunRecord(id + 1, id + 2, 'dup')])).rejects.toThrow();
    expect(await s.store.getRun(id + 2)).toBeUndefined();
    expect(await s.store.getTaskRun(id + 3)).toBeUndefined();
    expect((await s.store.listTaskRuns(id)).map((t) => t.task_key)).toEqual(['a']);
  });

  test('writes issued without awaiting land in call order (the executor writes through and relies on it)', async () => {
    const id = await s.store.allocateIds(2);
    await s.store.createRun(runRecord(id), [taskRunRecord(id + 1, id, 'a')]);
    const pending: Promise<void>[] = [];
    for (let i = 1; i <= 40; i++) {
      pending.push(s.store.saveTaskRun(taskRunRecord(id + 1, id, 'a', { attempt_number: i, pid: i })));
      pending.push(s.store.updateRun(id, { state_message: `step ${i}` }));
      pending.push(s.store.batch({ run: [id, { end_time: i }], taskRuns: [[id + 1, { exit_code: i }]] }));
    }
    await Promise.all(pending);
    expect(await s.store.getTaskRun(id + 1)).toMatchObject({ attempt_number: 40, pid: 40, exit_code: 40 });
    expect(await s.store.getRun(id)).toMatchObject({ state_message: 'step 40', end_time: 40 });
  });

  // Only PostgreSQL: better-sqlite3 is synchronous, so two SQLite handles in one process block each other's
  // transactions ("database is locked"); embedded SQLite is one process with one store (the data-dir lock).
  test.runIf(name === 'postgres')('runs: allocateIds from two store instances (two connection pools) never hands out an id twice', async () => {
    const other = await s.another();
    const calls = Array.from({ length: 60 }, (_, i) => ((i % 2 === 0 ? s.store : other).allocateIds((i % 3) + 1).then((first) => ({ first, n: (i % 3) + 1 }))));
    const ranges = await Promise.all(calls);
    const ids = ranges.flatMap((r) => Array.from({ length: r.n }, (_, k) => r.first + k));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(120);
    expect(Math.max(...ids) - Math.min(...ids)).toBe(119);
  });
});
