import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openSecurity, type Security } from './auth/open-security.js';
import type { Config } from './config/config.js';
import { lockDataDir } from './config/data-dir-lock.js';
import { systemClock, type Clock } from './domain/clock.js';
import { DuckDbWarehouse } from './engine/duckdb-warehouse.js';
import { CatalogService } from './catalog/catalog-service.js';
import { SqlWarehouse } from './engine/warehouse/sql-warehouse.js';
import { StatementExecution } from './engine/warehouse/statement-execution.js';
import { CatalogSqlStore } from './store/sql/catalog-sql-store.js';
import { Executor } from './executor/executor.js';
import { RunService } from './executor/run-service.js';
import { defaultRunners } from './executor/runners/runner-registry.js';
import { createNotifications, type Notifications } from './notifications/create-notifications.js';
import { NotificationSqlStore } from './store/sql/notification-sql-store.js';
import type { SqlStore } from './store/sql/sql-store.js';
import { lockStoreExecutor, openStore } from './store/open-store.js';
import type { Backfills } from './scheduler/backfill.js';
import type { Scheduler } from './scheduler/scheduler.js';
import { startScheduler } from './start-scheduler.js';
import type { PipelineService } from './pipelines/pipeline-service.js';
import { eventLogLocator, pipelineTaskRunner, startPipelines } from './start-pipelines.js';

/** The parts of a running weir, wired together. */
export interface Weir extends Security {
  config: Readonly<Config>;
  store: SqlStore;
  executor: Executor;
  runs: RunService;
  warehouse: DuckDbWarehouse;
  /** Catalogs, schemas and tables (managed under `<dataDir>/warehouse`). */
  catalog: CatalogService;
  /** The SQL warehouse over catalog tables (what sql_task, %sql and the Statement Execution API run on). */
  sql: SqlWarehouse;
  statements: StatementExecution;
  scheduler: Scheduler;
  backfills: Backfills;
  notifications: Notifications;
  pipelines: PipelineService;
  close(): Promise<void>;
}

/** Composition root: opens the store (`config.store`: SQLite in the data folder, or PostgreSQL) and the warehouse (DuckDB), starts the executor. */
export async function startWeir(config: Readonly<Config>, clock: Clock = systemClock): Promise<Weir> {
  mkdirSync(config.dataDir, { recursive: true });
  mkdirSync(config.workspaceDir, { recursive: true });
  const unlock = lockDataDir(config.dataDir);
  const unlockStore = await lockStoreExecutor(config.store).catch((e: unknown) => {
    unlock();
    throw e;
  });
  const store = await openStore(config.store);
  const warehouse = await DuckDbWarehouse.open(join(config.dataDir, 'warehouse.duckdb'));
  const catalog = new CatalogService(new CatalogSqlStore(store.kysely), join(config.dataDir, 'warehouse'), clock);
  await catalog.ensureDefaults();
  const sql = new SqlWarehouse(warehouse, catalog, clock);
  const statements = new StatementExecution(sql);
  const security = await openSecurity(store.kysely, config.dataDir, clock);
  const baseUrl = `http://${config.host}:${config.port}`;
  const notifications = createNotifications({ store: new NotificationSqlStore(store.kysely), clock, smtp: config.smtp, pagerDutyEventsUrl: config.pagerDutyEventsUrl, baseUrl: () => baseUrl, runs: store });
  const executor = new Executor({
    store,
    runners: defaultRunners(),
    clock,
    dataDir: config.dataDir,
    slots: config.slots,
    sql,
    workspaceUrl: `http://${config.host}:${config.port}`,
    secrets: security.secrets,
    events: notifications.notifier,
  });
  const runs = new RunService(store, executor, clock, config.dataDir);
  const pipelines = await startPipelines(store, warehouse, clock, config.dataDir);
  catalog.eventLogLocation = eventLogLocator(pipelines, config.dataDir);
  executor.runPipelineUpdate = pipelineTaskRunner(pipelines);
  await executor.start();
  const { scheduler, backfills } = await startScheduler(store, runs, clock, config.dataDir);
  return {
    ...security,
    config,
    store,
    executor,
    runs,
    warehouse,
    catalog,
    sql,
    statements,
    scheduler,
    backfills,
    notifications,
    pipelines,
    async close() {
      await scheduler.stop();
      await pipelines.close();
      await executor.stop();
      await notifications.stop();
      await statements.drain();
      await store.close();
      await unlockStore();
      await warehouse.close();
      unlock();
    },
  };
}
