import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { JobSettings } from '../../src/domain/job-settings.js';
import type { LifeCycleState } from '../../src/domain/run-state.js';
import { openStore } from '../../src/store/open-store.js';
import type { JobRecord, RunRecord, TaskRunRecord } from '../../src/store/records.js';
import type { SqlStore } from '../../src/store/sql/sql-store.js';

/** The server the PostgreSQL half of the contract suite uses (CI runs one on the default port). */
export const PG_ADMIN_URL = process.env.WEIR_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function postgresAnswers(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (e) {
    return `no PostgreSQL server answers at ${PG_ADMIN_URL} (${(e as Error).message}); start PostgreSQL there (e.g. pg_ctlcluster --skip-systemctl-redirect 15 main start) or set WEIR_TEST_PG_URL`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why the PostgreSQL half is skipped on this machine, or undefined when a server answers. */
export const postgresSkipReason = await postgresAnswers();
// CI provides a server, so there a missing one is a failure, not a reason to skip half the contract.
if (postgresSkipReason && process.env.CI) throw new Error(`CI is set but ${postgresSkipReason}`);
if (postgresSkipReason) console.warn(`SKIPPING the PostgreSQL store contract tests: ${postgresSkipReason}`);

/** One database engine the store contract runs against: it hands out locations of fresh, empty stores. */
export interface StoreDialect {
  name: 'sqlite' | 'postgres';
  /** Prepares the dialect for one test file (PostgreSQL: creates the file's own database). */
  setUp(): Promise<void>;
  /** Drops what setUp created. */
  tearDown(): Promise<void>;
  /** A location (`openStore` argument) no store has used yet. */
  freshLocation(): string;
}

function sqliteDialect(): StoreDialect {
  let dir = '';
  let n = 0;
  return {
    name: 'sqlite',
    async setUp() {
      dir = mkdtempSync(join(tmpdir(), 'weir-store-contract-'));
    },
    async tearDown() {
      rmSync(dir, { recursive: true, force: true });
    },
    freshLocation: () => join(dir, `store-${++n}.sqlite`),
  };
}

/** PostgreSQL: one fresh database per test file, one fresh schema (`?schema=`) per test. */
function postgresDialect(): StoreDialect {
  const database = `weir_test_${randomBytes(6).toString('hex')}`;
  let n = 0;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  return {
    name: 'postgres',
    setUp: () => admin(`create database ${database}`),
    tearDown: () => admin(`drop database if exists ${database} with (force)`),
    freshLocation: () => `${url.toString()}?schema=t_${++n}`,
  };
}

/** A fresh PostgreSQL database for the calling test file (dropped afterwards); each location is a new schema in it. */
export function usePostgresDatabase(): Pick<StoreDialect, 'freshLocation'> {
  const dialect = postgresDialect();
  beforeAll(() => dialect.setUp());
  afterAll(() => dialect.tearDown());
  return { freshLocation: () => dialect.freshLocation() };
}

/** Both dialects, for `describe.each`; the PostgreSQL entry carries its skip reason. */
export function storeDialects(): [string, StoreDialect, string | undefined][] {
  return [
    ['sqlite', sqliteDialect(), undefined],
    ['postgres', postgresDialect(), postgresSkipReason],
  ];
}

/** What a contract test reads: a fresh store per test, and a way to open more instances on the same database. */
export interface StoreUnderTest {
  readonly store: SqlStore;
  /** The location of `store` (a SQLite file or a postgres:// URL). */
  readonly location: string;
  /** Opens another store instance (its own connection pool: another process's worth) on the same database. */
  another(): Promise<SqlStore>;
}

/** Registers the hooks that give every test of the calling describe block a fresh store of `dialect`. */
export function useStore(dialect: StoreDialect): StoreUnderTest {
  const open: SqlStore[] = [];
  const ref = { store: undefined as SqlStore | undefined, location: '' };
  beforeAll(() => dialect.setUp());
  afterAll(() => dialect.tearDown());
  beforeEach(async () => {
    ref.location = dialect.freshLocation();
    ref.store = await openStore(ref.location);
    open.push(ref.store);
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });
  return {
    get store() {
      if (!ref.store) throw new Error('the store is opened in beforeEach; read it inside a test');
      return ref.store;
    },
    get location() {
      return ref.location;
    },
    async another() {
      const s = await openStore(ref.location);
      open.push(s);
      return s;
    },
  };
}

/** A stored job's input with the given name. */
export function jobInput(name: string, created_time = 1_700_000_000_000): Omit<JobRecord, 'job_id'> {
  const settings = { name, tasks: [{ task_key: 'a', shell_task: { command: 'true' } }] } as unknown as JobSettings;
  return { settings, creator_user_name: 'contract@weir', created_time, source_dir: '/jobs' };
}

/** A run record with sensible defaults. */
export function runRecord(run_id: number, o: Partial<RunRecord> = {}): RunRecord {
  return {
    run_id,
    job_id: 1,
    run_name: `run ${run_id}`,
    run_type: 'JOB_RUN',
    trigger: 'ONE_TIME',
    life_cycle_state: 'QUEUED',
    result_state: null,
    state_message: '',
    user_cancelled_or_timedout: false,
    settings: { name: 'j' } as unknown as JobSettings,
    job_parameters: {},
    overriding_parameters: null,
    source_dir: '/jobs',
    parent_task_run_id: null,
    idempotency_token: null,
    created_time: 1_700_000_000_000 + run_id,
    start_time: null,
    end_time: null,
    repair_history: [],
    ...o,
  };
}

/** A task run (attempt) record with sensible defaults. */
export function taskRunRecord(task_run_id: number, run_id: number, task_key: string, o: Partial<TaskRunRecord> = {}): TaskRunRecord {
  return {
    task_run_id,
    run_id,
    task_key,
    attempt_number: 0,
    parent_task_run_id: null,
    iteration_index: null,
    input: null,
    task: { task_key, shell_task: { command: 'true' } } as unknown as TaskRunRecord['task'],
    is_current: true,
    repair_id: 0,
    life_cycle_state: 'PENDING' as LifeCycleState,
    result_state: null,
    state_message: '',
    created_time: 1_700_000_000_000,
    start_time: null,
    end_time: null,
    not_before: null,
    outcome: null,
    pid: null,
    exit_code: null,
    error: null,
    error_trace: null,
    output: {},
    resolved_values: null,
    child_run_id: null,
    task_values: {},
    log_dir: '/logs',
    ...o,
  };
}
