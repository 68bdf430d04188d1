import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSecurity, type Security } from '../../src/auth/open-security.js';
import { systemClock } from '../../src/domain/clock.js';
import { parseJobSettings } from '../../src/domain/parse-job-settings.js';
import { DuckDbWarehouse } from '../../src/engine/duckdb-warehouse.js';
import { CatalogService } from '../../src/catalog/catalog-service.js';
import { SqlWarehouse } from '../../src/engine/warehouse/sql-warehouse.js';
import { CatalogSqlStore } from '../../src/store/sql/catalog-sql-store.js';
import { Executor } from '../../src/executor/executor.js';
import { RunService } from '../../src/executor/run-service.js';
import { defaultRunners } from '../../src/executor/runners/runner-registry.js';
import type { RunRecord, TaskRunRecord } from '../../src/store/records.js';
import { logPath } from '../../src/executor/task-run-factory.js';
import type { SqlStore } from '../../src/store/sql/sql-store.js';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.js';

/** A real executor on a real SQLite file and DuckDB, in a temp folder. */
export interface Harness extends Security {
  dir: string;
  /** The bootstrap admin token (a real PAT) for authenticated API calls. */
  adminToken: string;
  store: SqlStore;
  executor: Executor;
  runs: RunService;
  /** Creates a job from settings (validated like the API) and returns its id. */
  createJob(settings: unknown): Promise<number>;
  /** Runs a job to its end and returns the run with its current top-level task runs by key. */
  runJob(jobId: number, o?: Parameters<RunService['runNow']>[1]): Promise<{ run: RunRecord; tasks: Record<string, TaskRunRecord>; all: TaskRunRecord[] }>;
  finished(runId: number): Promise<{ run: RunRecord; tasks: Record<string, TaskRunRecord>; all: TaskRunRecord[] }>;
  close(): Promise<void>;
}

/**
 * Starts a harness; `slots` limits concurrent process tasks. SQL runs on plain in-memory DuckDB, or with `catalog`
 * on the real SQL warehouse (catalog tables stored as Delta under `<dir>/warehouse`), as `weir server` does.
 */
export async function startHarness(o: { slots?: number; dir?: string; catalog?: boolean } = {}): Promise<Harness> {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'weir-test-'));
  const store = await openSqliteStore(join(dir, 'weir.sqlite'));
  const duck = await DuckDbWarehouse.open(':memory:');
  let sql: DuckDbWarehouse | SqlWarehouse = duck;
  if (o.catalog) {
    const catalog = new CatalogService(new CatalogSqlStore(store.kysely), join(dir, 'warehouse'), systemClock);
    await catalog.ensureDefaults();
    sql = new SqlWarehouse(duck, catalog, systemClock);
  }
  const security = await openSecurity(store.kysely, dir, systemClock, {});
  const executor = new Executor({ store, runners: defaultRunners(), clock: systemClock, dataDir: dir, slots: o.slots ?? 4, sql, workspaceUrl: 'http://127.0.0.1', secrets: security.secrets });
  const runs = new RunService(store, executor, systemClock, dir);
  await executor.start();
  const finished = async (runId: number) => {
    const run = await executor.waitForRun(runId);
    const all = await store.listTaskRuns(runId);
    const tasks = Object.fromEntries(all.filter((t) => t.is_current && t.parent_task_run_id === null).map((t) => [t.task_key, t]));
    return { run, tasks, all };
  };
  return {
    ...security,
    adminToken: readFileSync(join(dir, 'admin-token'), 'utf8').trim(),
    dir,
    store,
    executor,
    runs,
    async createJob(settings) {
      return store.createJob({ settings: parseJobSettings(settings), creator_user_name: 'test', created_time: Date.now(), source_dir: dir });
    },
    async runJob(jobId, opts) {
      const run = await runs.runNow(jobId, opts);
      return finished(run.run_id);
    },
    finished,
    async close() {
      await executor.stop();
      await store.close();
      await duck.close();
      if (!o.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A shell task. */
export const sh = (task_key: string, command: string, extra: Record<string, unknown> = {}) => ({ task_key, shell_task: { command }, ...extra });

/** A harness started before and closed after the tests of the calling file; read it inside tests. */
export function useHarness(o: Parameters<typeof startHarness>[0] = {}): { readonly h: Harness } {
  const ref: { h?: Harness } = {};
  beforeAll(async () => {
    ref.h = await startHarness(o);
  });
  afterAll(async () => {
    await ref.h?.close();
  });
  return {
    get h() {
      return ref.h as Harness;
    },
  };
}

/** What an attempt wrote to stdout. */
export const stdoutOf = (t: Pick<TaskRunRecord, 'log_dir' | 'task_run_id'>): string => readFileSync(logPath(t, 'stdout'), 'utf8');
