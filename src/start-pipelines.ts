import { join } from 'node:path';
import type { Clock } from './domain/clock.js';
import type { DuckDbWarehouse } from './engine/duckdb-warehouse.js';
import type { Executor } from './executor/executor.js';
import { DuckDbFlowRunner } from './pipelines/execute/duckdb-flow-runner.js';
import { PipelineService } from './pipelines/pipeline-service.js';
import type { PipelineRecord } from './store/ports/pipeline-store.js';
import { PipelineSqlStore } from './store/sql/pipeline-sql-store.js';
import type { SqlStore } from './store/sql/sql-store.js';

/** Folder of a managed table: `<dataDir>/warehouse/<catalog>/<schema>/<table>` (also what table-update triggers watch). */
export function managedTablePath(dataDir: string, id: string): string {
  return join(dataDir, 'warehouse', ...id.split('.'));
}

/**
 * Starts the declarative pipeline engine: updates run on connections of the warehouse's DuckDB, tables are
 * managed Delta tables in the data folder; streaming checkpoints and the event log table (`system/events`) live
 * under the pipeline's `storage` (or `<dataDir>/pipelines/<id>`). With `recover` (the default), updates a crash
 * interrupted are marked FAILED first; scale-out workers and schedulers pass false, since the updates left running
 * in the store may be running in another process (only the API process, where updates are started, recovers).
 */
export async function startPipelines(store: SqlStore, warehouse: DuckDbWarehouse, clock: Clock, dataDir: string, o: { recover?: boolean } = {}): Promise<PipelineService> {
  const flows = new DuckDbFlowRunner({
    connect: () => warehouse.connect(),
    tableLocation: (id) => managedTablePath(dataDir, id),
    storageRoot: (p) => pipelineStorageRoot(dataDir, p),
    clock,
  });
  const service = new PipelineService(new PipelineSqlStore(store.kysely), flows, clock);
  if (o.recover ?? true) await service.recover();
  return service;
}

/** What a job's pipeline_task does: one update of the pipeline (cause JOB_TASK), awaited to its end. */
export function pipelineTaskRunner(pipelines: PipelineService): NonNullable<Executor['runPipelineUpdate']> {
  return async (spec) => {
    const started = await pipelines.startUpdate(spec.pipeline_id, { full_refresh: spec.full_refresh, cause: 'JOB_TASK' });
    const done = await pipelines.waitForUpdate(started.update_id);
    return { ok: done.state === 'COMPLETED', updateId: done.update_id, message: `ended ${done.state}; see its event log (GET /api/2.0/pipelines/${spec.pipeline_id}/events)` };
  };
}

/** A pipeline's storage root: its `storage` setting, or `<dataDir>/pipelines/<id>`. */
export function pipelineStorageRoot(dataDir: string, p: PipelineRecord): string {
  return p.spec.storage ?? join(dataDir, 'pipelines', p.pipeline_id);
}

/** Finds a pipeline's event log table (`<storage>/system/events`) by id or name, for `event_log('…')` in SQL. */
export function eventLogLocator(pipelines: PipelineService, dataDir: string): (idOrName: string) => Promise<string | undefined> {
  return async (idOrName) => {
    const p = (await pipelines.store.getPipeline(idOrName)) ?? (await pipelines.store.findPipelineByName(idOrName));
    return p ? join(pipelineStorageRoot(dataDir, p), 'system', 'events') : undefined;
  };
}
