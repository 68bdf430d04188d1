import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config/config.js';
import { lockDataDir } from './config/data-dir-lock.js';
import { systemClock, type Clock } from './domain/clock.js';
import { DuckDbWarehouse } from './engine/duckdb-warehouse.js';
import { Executor } from './executor/executor.js';
import { RunService } from './executor/run-service.js';
import { defaultRunners } from './executor/runners/runner-registry.js';
import type { SqlStore } from './store/sql/sql-store.js';
import { openSqliteStore } from './store/sqlite/open-sqlite-store.js';

/** The parts of a running weir, wired together. */
export interface Weir {
  config: Readonly<Config>;
  store: SqlStore;
  executor: Executor;
  runs: RunService;
  warehouse: DuckDbWarehouse;
  close(): Promise<void>;
}

/** Composition root: opens the embedded store (SQLite) and warehouse (DuckDB) in the data folder, starts the executor. */
export async function startWeir(config: Readonly<Config>, clock: Clock = systemClock): Promise<Weir> {
  mkdirSync(config.dataDir, { recursive: true });
  mkdirSync(config.workspaceDir, { recursive: true });
  const unlock = lockDataDir(config.dataDir);
  const store = await openSqliteStore(join(config.dataDir, 'weir.sqlite'));
  const warehouse = await DuckDbWarehouse.open(join(config.dataDir, 'warehouse.duckdb'));
  const executor = new Executor({
    store,
    runners: defaultRunners(),
    clock,
    dataDir: config.dataDir,
    slots: config.slots,
    sql: warehouse,
    workspaceUrl: `http://${config.host}:${config.port}`,
  });
  const runs = new RunService(store, executor, clock, config.dataDir);
  await executor.start();
  return {
    config,
    store,
    executor,
    runs,
    warehouse,
    async close() {
      await executor.stop();
      await store.close();
      await warehouse.close();
      unlock();
    },
  };
}
