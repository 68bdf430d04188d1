import type { DuckDBConnection } from '@duckdb/node-api';
import type { Dataset } from '../../domain/pipeline-definition.js';
import { DeltaTable } from '../../lake/delta-table.js';
import type { UpdateEvents } from '../update/update-events.js';

/**
 * The maintenance Databricks runs on pipeline tables, after a successful update: OPTIMIZE (bin-packing small files;
 * ZORDER BY `pipelines.autoOptimize.zOrderCols`) unless `pipelines.autoOptimize.managed` is 'false', then VACUUM
 * with the table's retention when it has files to delete. Both commit only when they change something, and a
 * failure is a warning, never a failed update. Each step is a maintenance_progress event.
 */
export async function maintainTables(conn: DuckDBConnection, tables: { id: string; path: string; dataset: Dataset }[], events: UpdateEvents): Promise<void> {
  for (const t of tables) {
    const props = t.dataset.tableProperties;
    if (props['pipelines.autoOptimize.managed'] === 'false') continue;
    const handle = DeltaTable.forPath(conn, t.path);
    try {
      if (!(await handle.exists())) continue;
      const zOrderBy = props['pipelines.autoOptimize.zOrderCols']?.split(',').map((c) => c.trim()).filter(Boolean);
      const optimized = await handle.optimize(zOrderBy?.length ? { zOrderBy } : {});
      const vacuumable = await handle.vacuum({ dryRun: true });
      if (vacuumable.numDeletedFiles > 0) await handle.vacuum({});
      await events.emit({
        level: 'INFO',
        event_type: 'maintenance_progress',
        message: `Maintenance of ${t.id}: OPTIMIZE${zOrderBy?.length ? ` ZORDER BY (${zOrderBy.join(', ')})` : ''} removed ${optimized.operationMetrics.numRemovedFiles ?? 0} and added ${optimized.operationMetrics.numAddedFiles ?? 0} file(s); VACUUM deleted ${vacuumable.numDeletedFiles}.`,
        origin: { dataset_name: t.id },
        details: { maintenance_progress: { state: 'COMPLETED', optimize: optimized.operationMetrics, vacuum: { numDeletedFiles: vacuumable.numDeletedFiles } } },
      });
    } catch (e) {
      await events.emit({ level: 'WARN', event_type: 'maintenance_progress', message: `Maintenance of ${t.id} failed: ${(e as Error).message}`, origin: { dataset_name: t.id }, details: { maintenance_progress: { state: 'FAILED' } } });
    }
  }
}
