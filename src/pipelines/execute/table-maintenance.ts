import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Dataset } from '../../domain/pipeline-definition.js';
import { DeltaTable } from '../../lake/delta-table.js';
import type { UpdateEvents } from '../update/update-events.js';

/**
 * The maintenance Databricks runs on pipeline tables, after a successful update once the table's last maintenance
 * is `pipelines.maintenance.interval` old (default 24 hours, counted from the table's first update): OPTIMIZE (bin-packing small files;
 * ZORDER BY `pipelines.autoOptimize.zOrderCols`) unless `pipelines.autoOptimize.managed` is 'false', then VACUUM
 * with the table's retention when it has files to delete. Both commit only when they change something, and a
 * failure is a warning, never a failed update. Each step is a maintenance_progress event.
 */
export async function maintainTables(conn: DuckDBConnection, tables: { id: string; path: string; dataset: Dataset }[], events: UpdateEvents, schedule: MaintenanceSchedule): Promise<void> {
  for (const t of tables) {
    const props = t.dataset.tableProperties;
    if (props['pipelines.autoOptimize.managed'] === 'false' || !schedule.due(t.id)) continue;
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
      schedule.done(t.id);
    } catch (e) {
      await events.emit({ level: 'WARN', event_type: 'maintenance_progress', message: `Maintenance of ${t.id} failed: ${(e as Error).message}`, origin: { dataset_name: t.id }, details: { maintenance_progress: { state: 'FAILED' } } });
    }
  }
}

/**
 * When each table was last maintained, kept beside the pipeline's checkpoints. A table seen for the first time is
 * not due: its clock starts then, so freshly written tables are not rewritten at once.
 */
export class MaintenanceSchedule {
  private readonly last: Record<string, number>;

  constructor(
    private readonly file: string,
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {
    try {
      this.last = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
    } catch {
      this.last = {};
    }
  }

  /** Whether the table should be maintained now (records first sightings). */
  due(id: string): boolean {
    const at = this.last[id];
    if (at === undefined) {
      this.done(id);
      return false;
    }
    return this.now() - at >= this.intervalMs;
  }

  /** Records a maintenance (or a first sighting) now. */
  done(id: string): void {
    this.last[id] = this.now();
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(this.file, JSON.stringify(this.last));
  }
}
