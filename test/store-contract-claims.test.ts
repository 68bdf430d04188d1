import { afterEach, describe, expect, test } from 'vitest';
import { parseJobSettings } from '../src/domain/parse-job-settings.js';
import { newTaskRun } from '../src/executor/task-run-factory.js';
import { claimStoreOf, openStore } from '../src/store/open-store.js';
import type { ClaimStore } from '../src/store/ports/claim-store.js';
import type { RunRecord } from '../src/store/records.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { isFencedError, type RunFence } from '../src/store/sql/run-fence.js';
import { postgresSkipReason, usePostgresDatabase } from './support/store-fixtures.js';

describe.skipIf(postgresSkipReason)('claim store contract (PostgreSQL): run claims, max_concurrent_runs, fenced writes', () => {
  const db = usePostgresDatabase();
  const open: SqlStore[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  async function worker(location: string, id: string): Promise<{ store: SqlStore; claims: ClaimStore; epochs: Map<number, number> }> {
    const store = await openStore(location);
    open.push(store);
    const claims = claimStoreOf(location, store);
    await claims.registerWorker({ worker_id: id, host: 'h', pid: 1, pool: 'default', slots: 4 });
    const epochs = new Map<number, number>();
    const fence: RunFence = { workerId: id, epochOf: (r) => epochs.get(r), onFenced: (r) => epochs.delete(r) };
    store.fence = fence;
    return { store, claims, epochs };
  }

  /** Queues `n` runs of a new job with these settings; returns their ids. */
  async function queue(store: SqlStore, settings: Record<string, unknown>, n: number): Promise<number[]> {
    const s = parseJobSettings({ tasks: [{ task_key: 't', shell_task: { command: 'true' } }], ...settings });
    const jobId = await store.createJob({ settings: s, creator_user_name: 'u', created_time: 1, source_dir: '/' });
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const id = await store.allocateIds(2);
      const run = { run_id: id, job_id: jobId, run_name: 'r', run_type: 'JOB_RUN', trigger: 'ONE_TIME', life_cycle_state: 'QUEUED', result_state: null, state_message: '', user_cancelled_or_timedout: false, settings: s, job_parameters: {}, overriding_parameters: null, source_dir: '/', parent_task_run_id: null, idempotency_token: null, created_time: 1, start_time: null, end_time: null, repair_history: [] } as RunRecord;
      await store.createRun(run, [newTaskRun({ id: id + 1, run, task: s.tasks![0], now: 1, dataDir: '/tmp', repairId: 0 })]);
      ids.push(id);
    }
    return ids;
  }

  test('claims in run id order with task runs and a new epoch; a run is claimed once', async () => {
    const location = db.freshLocation();
    const a = await worker(location, 'a');
    const b = await worker(location, 'b');
    const ids = await queue(a.store, { name: 'wide', max_concurrent_runs: 100 }, 5);
    const first = await a.claims.claimRuns('a', 'default', 2);
    expect(first.map((c) => [c.run.run_id, c.epoch, c.admitted, c.taskRuns.map((t) => t.run_id)])).toEqual([
      [ids[0], 1, true, [ids[0]]],
      [ids[1], 1, true, [ids[1]]],
    ]);
    expect((await b.claims.claimRuns('b', 'default', 10)).map((c) => c.run.run_id)).toEqual(ids.slice(2));
    expect(await a.claims.claimRuns('a', 'default', 10)).toEqual([]);
  });

  test('max_concurrent_runs across workers: a queueing job waits and later jobs are not starved; without queueing the extra run is claimed to be skipped', async () => {
    const location = db.freshLocation();
    const a = await worker(location, 'a');
    const queued = await queue(a.store, { name: 'narrow', max_concurrent_runs: 1, queue: { enabled: true } }, 12);
    const later = await queue(a.store, { name: 'later', max_concurrent_runs: 5 }, 1);
    const noQueue = await queue(a.store, { name: 'strict', max_concurrent_runs: 1, queue: { enabled: false } }, 2);
    const got = await a.claims.claimRuns('a', 'default', 4);
    expect(got.map((c) => [c.run.run_id, c.admitted])).toEqual([
      [queued[0], true],
      [later[0], true],
      [noQueue[0], true],
      [noQueue[1], false],
    ]);
    // The narrow job's claimed run counts on every worker: another worker gets none of its queued runs.
    const b = await worker(location, 'b');
    expect(await b.claims.claimRuns('b', 'default', 4)).toEqual([]);
  });

  test('concurrent claimers on two connection pools never exceed max_concurrent_runs nor claim a run twice', async () => {
    const location = db.freshLocation();
    const ws = await Promise.all([worker(location, 'a'), worker(location, 'b')]);
    await queue(ws[0].store, { name: 'three', max_concurrent_runs: 3, queue: { enabled: true } }, 20);
    const rounds = await Promise.all(ws.flatMap((w, i) => Array.from({ length: 6 }, () => w.claims.claimRuns(i ? 'b' : 'a', 'default', 2))));
    const claimed = rounds.flat().map((c) => c.run.run_id);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed).toHaveLength(3);
  });

  test('a fenced run write lands only under the current claim, and the write that ends the run releases it', async () => {
    const location = db.freshLocation();
    const a = await worker(location, 'a');
    const [id, other] = await queue(a.store, { name: 'f', max_concurrent_runs: 10 }, 2);
    const [c, d] = await a.claims.claimRuns('a', 'default', 2);
    a.epochs.set(c.run.run_id, c.epoch);
    a.epochs.set(d.run.run_id, d.epoch);
    await a.store.updateRun(id, { life_cycle_state: 'RUNNING', start_time: 5 });
    expect(await a.store.getRun(id)).toMatchObject({ life_cycle_state: 'RUNNING', start_time: 5, run_name: 'r' });
    // Declared lost: the sweep frees the claim with a new epoch, and the old owner's next write is refused.
    await a.claims.removeWorker('a');
    const refused = await a.store.updateRun(id, { state_message: 'late' }).catch((e: unknown) => e);
    expect(isFencedError(refused)).toBe(true);
    expect(a.epochs.has(id)).toBe(false);
    expect((await a.store.getRun(id))?.state_message).toBe('');
    // A new owner ends the run; its claim is given back in the same write.
    const b = await worker(location, 'b');
    const [again] = (await b.claims.claimRuns('b', 'default', 2)).filter((x) => x.run.run_id === id);
    // One epoch bump when the claim was taken away, one when b claimed it.
    expect(again.epoch).toBe(c.epoch + 2);
    b.epochs.set(id, again.epoch);
    await b.store.updateRun(id, { life_cycle_state: 'TERMINATED', result_state: 'SUCCESS', end_time: 9 });
    const row = await b.store.kysely.selectFrom('runs').select(['claimed_by', 'life_cycle_state']).where('run_id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ claimed_by: null, life_cycle_state: 'TERMINATED' });
    expect((await b.store.getRun(id))?.result_state).toBe('SUCCESS');
    expect(other).toBeGreaterThan(id);
  });
});
