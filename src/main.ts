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
import { claimStoreOf, lockStoreExecutor, lockStoreScaleOut, openStore, requireSharedStore } from './store/open-store.js';
import type { RemoteRuns } from './executor/remote-runs.js';
import { storeRemoteRuns } from './executor/remote-runs.js';
import { Worker } from './executor/worker.js';
import type { ClaimStore } from './store/ports/claim-store.js';
import type { Backfills } from './scheduler/backfill.js';
import type { Scheduler } from './scheduler/scheduler.js';
import { startScheduler } from './start-scheduler.js';
import type { PipelineService } from './pipelines/pipeline-service.js';
import { eventLogLocator, pipelineTaskRunner, startPipelines } from './start-pipelines.js';
import type { OperationsApi } from './api/operations-routes.js';
import { OperationsSqlStore } from './store/sql/operations-sql-store.js';
import { createCompute, type Compute } from './executor/compute/create-compute.js';
import { ClusterSqlStore } from './store/sql/cluster-sql-store.js';
import { nodeTypeCatalog } from './domain/node-types.js';

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
  /** The worker role of this process (scale-out), if it runs one. */
  worker?: Worker;
  /** Clusters, cluster policies, node types and their prices. */
  compute: Compute;
  /** The operations dashboard's aggregates. */
  operations: OperationsApi;
  close(): Promise<void>;
}

/**
 * Which roles a process runs. `executor`: `local` runs every run in this process (one `weir server`, any store);
 * `worker` claims runs of its pool from a shared PostgreSQL store; `none` only creates and cancels runs through
 * the store. `scheduler`: fires the jobs' triggers (any number of schedulers may run; each tick fires once).
 */
export interface WeirRoles {
  executor: 'local' | 'worker' | 'none';
  scheduler: boolean;
}

/** One `weir server`: everything in one process. */
export const ALL_ROLES: WeirRoles = { executor: 'local', scheduler: true };

/** Composition root: opens the store (`config.store`: SQLite in the data folder, or PostgreSQL) and the warehouse (DuckDB), starts the executor. */
export async function startWeir(config: Readonly<Config>, clock: Clock = systemClock, roles: WeirRoles = ALL_ROLES): Promise<Weir> {
  const scaleOut = roles.executor !== 'local';
  if (scaleOut) requireSharedStore(config.store, roles.executor === 'worker' ? 'weir worker' : 'weir scheduler / weir server --roles');
  mkdirSync(config.dataDir, { recursive: true });
  mkdirSync(config.workspaceDir, { recursive: true });
  const unlock = lockDataDir(config.dataDir);
  const unlockStore = await (scaleOut ? lockStoreScaleOut(config.store) : lockStoreExecutor(config.store)).catch((e: unknown) => {
    unlock();
    throw e;
  });
  const store = await openStore(config.store);
  const claims: ClaimStore | undefined = scaleOut ? claimStoreOf(config.store, store) : undefined;
  // The worker is made after its executor; the executor reaches it through this forwarder.
  let worker: Worker | undefined;
  const remote: RemoteRuns | undefined = !claims
    ? undefined
    : roles.executor === 'worker'
      ? { wake: () => worker?.wake(), request: (r, t, k) => worker!.request(r, t, k), release: async (r) => worker?.release(r) }
      : storeRemoteRuns(claims);
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
    remote,
  });
  const runs = new RunService(store, executor, clock, config.dataDir);
  const compute = createCompute({ store: new ClusterSqlStore(store.kysely), clock, catalog: nodeTypeCatalog(), dataDir: config.dataDir, workspaceDir: config.workspaceDir });
  const pipelines = await startPipelines(store, warehouse, clock, config.dataDir);
  catalog.eventLogLocation = eventLogLocator(pipelines, config.dataDir);
  executor.runPipelineUpdate = pipelineTaskRunner(pipelines);
  await executor.start();
  if (claims && roles.executor === 'worker') {
    worker = new Worker({ claims, store, executor, options: { pool: config.pool, slots: config.slots, timeoutMs: config.workerTimeoutMs, pollMs: config.workerPollMs } });
    await worker.start();
  }
  const { scheduler, backfills } = await startScheduler(store, runs, clock, config.dataDir, roles.scheduler);
  const stopSweep = claims && roles.executor === 'none' ? sweepLostWorkers(claims, config.workerTimeoutMs) : () => undefined;
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
    worker,
    compute,
    operations: { store: new OperationsSqlStore(store.kysely), clock },
    async close() {
      stopSweep();
      await worker?.stop();
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

/** Processes without a worker (API, scheduler) also declare silent workers lost, every third of the timeout. */
function sweepLostWorkers(claims: ClaimStore, timeoutMs: number): () => void {
  const t = setInterval(() => void claims.sweepLostWorkers(timeoutMs).catch(() => undefined), Math.max(100, Math.floor(timeoutMs / 3)));
  return () => clearInterval(t);
}
