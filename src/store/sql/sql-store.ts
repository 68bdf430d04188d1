import { CompiledQuery, DEFAULT_MIGRATION_TABLE, Migrator, PostgresAdapter, type Kysely, type MigrationProvider } from 'kysely';
import type { JobSettings } from '../../domain/job-settings.js';
import type { LifeCycleState } from '../../domain/run-state.js';
import { migrations } from '../migrations/migrations.js';
import type { JobStore } from '../ports/job-store.js';
import type { RunQuery, RunStore } from '../ports/run-store.js';
import type { JobRecord, RunPatch, RunRecord, TaskRunPatch, TaskRunRecord } from '../records.js';
import { WeirError } from '../../domain/weir-error.js';
import { assertOwned, isUniqueViolation, patchRunInPlace, saveTaskRunFenced, type PreparedQuery, type RunFence } from './run-fence.js';
import { applyRunPatch, applyTaskRunPatch, trRow, type Db } from './run-rows.js';


const num = (v: unknown): number => Number(v);

/** One Kysely implementation of the job and run stores, for every dialect. */
export class SqlStore implements JobStore, RunStore {
  private lastWrite: Promise<unknown> = Promise.resolve();
  /** The last write in flight per run (PostgreSQL only, see `orderedForRun`). */
  private readonly runTails = new Map<number, Promise<unknown>>();
  /** Set in a scale-out worker: its writes to runs and task runs succeed only while it owns the run (ADR 0007). */
  fence?: RunFence;
  /** PostgreSQL merges a run patch into the stored JSON in the UPDATE itself (one round trip instead of four). */
  private readonly postgres: boolean;

  /** `orderedWrites`: see `ordered`; both dialects set it (Kysely's SQLite connection mutex is not first-come first-served). */
  constructor(
    private readonly db: Kysely<Db>,
    private readonly orderedWrites = false,
    /** PostgreSQL: runs the hot fenced writes as named prepared statements (planned once per connection). */
    private readonly prepared?: PreparedQuery,
  ) {
    this.postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  }

  /**
   * Runs writes to runs and task runs one after another, in call order. The executor writes through without always
   * awaiting, and relies on its writes landing in call order; on a connection pool two calls can commit in either
   * order, so a stale record overwrote a newer one (seen on PostgreSQL: cancelled runs left TERMINATING).
   */
  private ordered<T>(write: () => Promise<T>, runId?: number): Promise<T> {
    if (!this.orderedWrites) return write();
    if (this.postgres && runId !== undefined) return this.orderedForRun(runId, write);
    // A write not tied to one run waits for every write in flight, and the writes after it wait for it.
    const prev = this.postgres && this.runTails.size ? Promise.all([this.lastWrite, ...this.runTails.values()]) : this.lastWrite;
    const p = prev.then(write);
    this.lastWrite = p.catch(() => undefined);
    return p;
  }

  /**
   * PostgreSQL: a run's writes land in call order, but writes to different runs go out in parallel on the pool.
   * One queue for all runs let a worker have one write in flight, so every write waited for the commits (and WAL
   * flushes) of the writes before it: bench/claims-vs-graphile.ts measured 524 runs/s with one queue.
   */
  private orderedForRun<T>(runId: number, write: () => Promise<T>): Promise<T> {
    const prev = this.runTails.get(runId);
    const p = (prev ? Promise.all([prev, this.lastWrite]) : this.lastWrite).then(write);
    const tail = p.catch(() => undefined);
    this.runTails.set(runId, tail);
    void tail.then(() => {
      if (this.runTails.get(runId) === tail) this.runTails.delete(runId);
    });
    return p;
  }

  /** The Kysely handle, for the sibling SQL stores (secrets, notifications, schedules…) that share this database. */
  get kysely(): Kysely<any> {
    return this.db;
  }

  /** Applies pending migrations; `schema` (PostgreSQL) is where the tables are, so Kysely's bookkeeping goes there too. */
  async migrate(opts: { schema?: string } = {}): Promise<void> {
    if (await this.migrated(opts.schema)) return;
    const provider: MigrationProvider = { getMigrations: async () => migrations };
    const where = opts.schema ? { migrationTableSchema: opts.schema } : {};
    const { error } = await new Migrator({ db: this.db, provider, allowUnorderedMigrations: true, ...where }).migrateToLatest();
    if (error) throw error;
  }

  /**
   * True when every migration is already applied: one SELECT instead of Kysely's migrator, which creates its tables
   * if missing, takes its lock in a transaction and reads every row. Every process opens the store, and the workers
   * of a scale-out start waited for each other's migrator lock (≈ 40–100 ms each on the 2-core bench machine).
   */
  private async migrated(schema?: string): Promise<boolean> {
    try {
      const db = schema ? this.db.withSchema(schema) : this.db;
      const rows = await (db as Kysely<any>).selectFrom(DEFAULT_MIGRATION_TABLE).select('name').execute();
      const done = new Set(rows.map((r) => String(r.name)));
      // Exactly the known ones: anything else (a newer store) goes through the migrator and its checks as before.
      return done.size === Object.keys(migrations).length && Object.keys(migrations).every((name) => done.has(name));
    } catch {
      return false; // no migration table yet: a new store
    }
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  private async nextIds(name: string, n: number): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable('id_seq')
        .set((eb) => ({ next_id: eb('next_id', '+', n) }))
        .where('name', '=', name)
        .returning('next_id')
        .executeTakeFirstOrThrow();
      return num(row.next_id) - n;
    });
  }

  // ---- jobs
  async createJob(input: Omit<JobRecord, 'job_id'>): Promise<number> {
    const job_id = await this.nextIds('job', 1);
    const rec: JobRecord = { job_id, ...input };
    await this.db
      .insertInto('jobs')
      .values({ job_id, name: input.settings.name ?? null, created_time: input.created_time, data: JSON.stringify(rec) })
      .execute();
    return job_id;
  }

  async getJob(jobId: number): Promise<JobRecord | undefined> {
    const row = await this.db.selectFrom('jobs').select('data').where('job_id', '=', jobId).executeTakeFirst();
    return row ? (JSON.parse(row.data) as JobRecord) : undefined;
  }

  async findJobByName(name: string): Promise<JobRecord | undefined> {
    const row = await this.db
      .selectFrom('jobs')
      .select('data')
      .where('name', '=', name)
      .orderBy('job_id')
      .executeTakeFirst();
    return row ? (JSON.parse(row.data) as JobRecord) : undefined;
  }

  async listJobs(opts: { name?: string; offset: number; limit: number }) {
    let q = this.db.selectFrom('jobs').select('data').orderBy('job_id');
    if (opts.name !== undefined) q = q.where('name', '=', opts.name);
    const rows = await q.offset(opts.offset).limit(opts.limit + 1).execute();
    return {
      jobs: rows.slice(0, opts.limit).map((r) => JSON.parse(r.data) as JobRecord),
      hasMore: rows.length > opts.limit,
    };
  }

  async replaceSettings(jobId: number, settings: JobSettings): Promise<void> {
    const job = await this.getJob(jobId);
    if (!job) return;
    const rec = { ...job, settings };
    await this.db
      .updateTable('jobs')
      .set({ name: settings.name ?? null, data: JSON.stringify(rec) })
      .where('job_id', '=', jobId)
      .execute();
  }

  async deleteJob(jobId: number): Promise<boolean> {
    const r = await this.db.deleteFrom('jobs').where('job_id', '=', jobId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // ---- runs
  reserveJobId(): Promise<number> {
    return this.nextIds('job', 1);
  }

  allocateIds(n: number): Promise<number> {
    return this.nextIds('run', n);
  }

  private runRow(run: RunRecord) {
    return {
      run_id: run.run_id,
      job_id: run.job_id,
      run_type: run.run_type,
      life_cycle_state: run.life_cycle_state,
      created_time: run.created_time,
      start_time: run.start_time,
      idempotency_token: run.idempotency_token,
      pool: run.pool ?? 'default',
      data: JSON.stringify(run),
    };
  }

  async createRun(run: RunRecord, taskRuns: TaskRunRecord[]): Promise<void> {
    const [runRow, rows] = [this.runRow(run), taskRuns.map(trRow)];
    try {
      await this.ordered(() =>
        this.db.transaction().execute(async (tx) => {
          await tx.insertInto('runs').values(runRow).execute();
          if (rows.length) await tx.insertInto('task_runs').values(rows).execute();
        }),
        run.run_id,
      );
    } catch (e) {
      // The idempotency token is unique per job: two schedulers firing one tick race here, and one run wins.
      if (!isUniqueViolation(e) || run.idempotency_token === null) throw e;
      throw new WeirError('RUN.INVALID_STATE', `job ${run.job_id} already has a run with idempotency_token ${run.idempotency_token}`, {
        params: { duplicate_token: run.idempotency_token },
        cause: e,
      });
    }
  }

  async getRun(runId: number): Promise<RunRecord | undefined> {
    const row = await this.db.selectFrom('runs').select('data').where('run_id', '=', runId).executeTakeFirst();
    return row ? (JSON.parse(row.data) as RunRecord) : undefined;
  }

  async updateRun(runId: number, patch: RunPatch): Promise<void> {
    if (this.postgres) return this.ordered(() => patchRunInPlace(this.db, runId, patch, this.fence, this.prepared), runId);
    await this.ordered(() =>
      this.db.transaction().execute(async (tx) => {
        await assertOwned(tx, this.fence, runId);
        await applyRunPatch(tx, runId, patch);
      }),
    );
  }

  async listRuns(q: RunQuery) {
    let s = this.db.selectFrom('runs').select('data').orderBy('run_id', 'desc');
    if (q.jobId !== undefined) s = s.where('job_id', '=', q.jobId);
    if (q.activeOnly) s = s.where('life_cycle_state', 'not in', ['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR']);
    if (q.completedOnly) s = s.where('life_cycle_state', 'in', ['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR']);
    if (q.runType) s = s.where('run_type', '=', q.runType);
    if (q.startTimeFrom !== undefined) s = s.where('start_time', '>=', q.startTimeFrom);
    if (q.startTimeTo !== undefined) s = s.where('start_time', '<=', q.startTimeTo);
    const rows = await s.offset(q.offset).limit(q.limit + 1).execute();
    return {
      runs: rows.slice(0, q.limit).map((r) => JSON.parse(r.data) as RunRecord),
      hasMore: rows.length > q.limit,
    };
  }

  async runsInStates(states: LifeCycleState[]): Promise<RunRecord[]> {
    const rows = await this.db
      .selectFrom('runs')
      .select('data')
      .where('life_cycle_state', 'in', states)
      .orderBy('run_id')
      .execute();
    return rows.map((r) => JSON.parse(r.data) as RunRecord);
  }

  async countRunsInStates(jobId: number, states: LifeCycleState[]): Promise<number> {
    const row = await this.db
      .selectFrom('runs')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('job_id', '=', jobId)
      .where('life_cycle_state', 'in', states)
      .executeTakeFirstOrThrow();
    return num(row.n);
  }

  async findRunByIdempotencyToken(jobId: number | null, token: string): Promise<RunRecord | undefined> {
    let s = this.db.selectFrom('runs').select('data').where('idempotency_token', '=', token);
    s = jobId === null ? s.where('job_id', 'is', null) : s.where('job_id', '=', jobId);
    const row = await s.executeTakeFirst();
    return row ? (JSON.parse(row.data) as RunRecord) : undefined;
  }

  async deleteRun(runId: number): Promise<void> {
    await this.ordered(() =>
      this.db.transaction().execute(async (tx) => {
        await tx.deleteFrom('task_runs').where('run_id', '=', runId).execute();
        await tx.deleteFrom('runs').where('run_id', '=', runId).execute();
      }),
      runId,
    );
  }

  async insertTaskRuns(taskRuns: TaskRunRecord[]): Promise<void> {
    const rows = taskRuns.map(trRow);
    if (!rows.length) return;
    await this.ordered(() =>
      this.db.transaction().execute(async (tx) => {
        await assertOwned(tx, this.fence, taskRuns[0].run_id);
        await tx.insertInto('task_runs').values(rows).execute();
      }),
      taskRuns[0].run_id,
    );
  }

  async updateTaskRun(taskRunId: number, patch: TaskRunPatch): Promise<void> {
    await this.ordered(() => this.db.transaction().execute((tx) => applyTaskRunPatch(tx, taskRunId, patch, this.fence)));
  }

  /** saveTaskRun's statement, compiled once: building and compiling it took ~17 µs of a ~45 µs write (3 per task). */
  private saveTaskRunSql?: string;

  async saveTaskRun(taskRun: TaskRunRecord): Promise<void> {
    const data = JSON.stringify(taskRun);
    const fence = this.fence;
    if (fence) return this.ordered(() => saveTaskRunFenced(this.db, fence, taskRun.run_id, taskRun.task_run_id, data, this.prepared), taskRun.run_id);
    this.saveTaskRunSql ??= this.db.updateTable('task_runs').set({ data: '' }).where('task_run_id', '=', 0).compile().sql;
    const q = CompiledQuery.raw(this.saveTaskRunSql, [data, taskRun.task_run_id]);
    await this.ordered(() => this.db.executeQuery(q), taskRun.run_id);
  }

  async getTaskRun(taskRunId: number): Promise<TaskRunRecord | undefined> {
    const row = await this.db
      .selectFrom('task_runs')
      .select('data')
      .where('task_run_id', '=', taskRunId)
      .executeTakeFirst();
    return row ? (JSON.parse(row.data) as TaskRunRecord) : undefined;
  }

  async listTaskRuns(runId: number): Promise<TaskRunRecord[]> {
    const rows = await this.db
      .selectFrom('task_runs')
      .select('data')
      .where('run_id', '=', runId)
      .orderBy('task_run_id')
      .execute();
    return rows.map((r) => JSON.parse(r.data) as TaskRunRecord);
  }

  async batch(ops: { run?: [number, RunPatch]; taskRuns?: [number, TaskRunPatch][]; insert?: TaskRunRecord[] }) {
    const rows = (ops.insert ?? []).map(trRow);
    const owner = ops.run?.[0] ?? ops.insert?.[0]?.run_id;
    await this.ordered(
      () =>
      this.db.transaction().execute(async (tx) => {
        if (owner !== undefined) await assertOwned(tx, this.fence, owner);
        if (rows.length) await tx.insertInto('task_runs').values(rows).execute();
        for (const [id, patch] of ops.taskRuns ?? []) await applyTaskRunPatch(tx, id, patch, owner === undefined ? this.fence : undefined);
        if (ops.run) await applyRunPatch(tx, ops.run[0], ops.run[1]);
      }),
      owner,
    );
  }
}
