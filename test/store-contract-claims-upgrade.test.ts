import { afterEach, describe, expect, test } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
import { parseJobSettings } from '../src/domain/parse-job-settings.js';
import { newTaskRun } from '../src/executor/task-run-factory.js';
import { claimStoreOf, openStore } from '../src/store/open-store.js';
import { parsePostgresUrl } from '../src/store/postgres/postgres-url.js';
import type { RunRecord } from '../src/store/records.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { postgresSkipReason, usePostgresDatabase } from './support/store-fixtures.js';

describe.skipIf(postgresSkipReason)('claims on PostgreSQL: weir_claim_runs_v2 (migration 0011) beside the previous claim function', () => {
  const db = usePostgresDatabase();
  const open: SqlStore[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  async function store(location: string): Promise<SqlStore> {
    const s = await openStore(location);
    open.push(s);
    return s;
  }

  async function queue(s: SqlStore, settings: Record<string, unknown>, n: number): Promise<number[]> {
    const parsed = parseJobSettings({ tasks: [{ task_key: 't', shell_task: { command: 'true' } }], ...settings });
    const jobId = await s.createJob({ settings: parsed, creator_user_name: 'u', created_time: 1, source_dir: '/' });
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const id = await s.allocateIds(2);
      const run = { run_id: id, job_id: jobId, run_name: 'r', run_type: 'JOB_RUN', trigger: 'ONE_TIME', life_cycle_state: 'QUEUED', result_state: null, state_message: '', user_cancelled_or_timedout: false, settings: parsed, job_parameters: {}, overriding_parameters: null, source_dir: '/', parent_task_run_id: null, idempotency_token: null, created_time: 1, start_time: null, end_time: null, repair_history: [] } as RunRecord;
      await s.createRun(run, [newTaskRun({ id: id + 1, run, task: parsed.tasks![0], now: 1, dataDir: '/tmp', repairId: 0 })]);
      ids.push(id);
    }
    return ids;
  }

  test('a worker of the previous version (weir_claim_runs) and a new one racing never admit more than max_concurrent_runs', async () => {
    const location = db.freshLocation();
    const [a, b] = [await store(location), await store(location)];
    await queue(a, { name: 'three', max_concurrent_runs: 3, queue: { enabled: true } }, 20);
    const previous = () => sql<{ run_id: number }>`select run_id from weir_claim_runs('old', 'default', 2, 12)`.execute(a.kysely).then((r) => r.rows.map((x) => Number(x.run_id)));
    const current = () => claimStoreOf(location, b).claimRuns('new', 'default', 2).then((r) => r.map((c) => c.run.run_id));
    const rounds = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? previous() : current())));
    const claimed = rounds.flat();
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed).toHaveLength(3);
  });

  test("the claim's settings (asynchronous commit, generic plans) end with its transaction", async () => {
    const location = db.freshLocation();
    const s = await store(location);
    await queue(s, { name: 'one', max_concurrent_runs: 5 }, 2);
    const target = parsePostgresUrl(location);
    const client = new pg.Client({ connectionString: target.connectionString, options: `-c search_path=${target.schema}` });
    await client.connect();
    try {
      const got = await client.query(`select run_id, task_runs from weir_claim_runs_v2('w', 'default', 2, 12)`);
      expect(got.rows).toHaveLength(2);
      expect(JSON.parse(got.rows[0].task_runs)).toMatchObject([{ run_id: Number(got.rows[0].run_id), task_key: 't' }]);
      const after = await client.query(`select current_setting('synchronous_commit') as sc, current_setting('plan_cache_mode') as pcm`);
      expect(after.rows[0]).toEqual({ sc: 'on', pcm: 'auto' });
    } finally {
      await client.end();
    }
  });

  test('writes not awaited land in call order per run, while writes to different runs go out side by side', async () => {
    const location = db.freshLocation();
    const s = await store(location);
    const [x, y] = await queue(s, { name: 'w', max_concurrent_runs: 5 }, 2);
    const writes: Promise<void>[] = [];
    for (let i = 1; i <= 30; i++) {
      writes.push(s.updateRun(x, { state_message: `x${i}` }));
      writes.push(s.updateRun(y, { state_message: `y${i}` }));
      writes.push(s.saveTaskRun({ ...(await s.listTaskRuns(x))[0], state_message: `t${i}` }));
    }
    await Promise.all(writes);
    expect((await s.getRun(x))?.state_message).toBe('x30');
    expect((await s.getRun(y))?.state_message).toBe('y30');
    expect((await s.listTaskRuns(x))[0].state_message).toBe('t30');
  });
});
