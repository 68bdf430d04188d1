import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DeltaTable } from '../../lake/delta-table.js';

/**
 * Auxiliary state of one AUTO CDC flow, kept as small Delta tables beside its checkpoint under the pipeline storage
 * (`<storage>/state/<flow>/<name>`), never in the target: SCD 1 tombstones (ADR 0008) and, for SCD 2 with TRACK
 * HISTORY, the sequence of each version's last in-place update. Readers of the target never see them.
 */
export class CdcStateTable {
  private readonly table: DeltaTable;

  constructor(
    private readonly conn: DuckDBConnection,
    readonly path: string,
  ) {
    this.table = DeltaTable.forPath(conn, path);
  }

  /** The state table `name` of flow `flowId` under a pipeline's checkpoints folder. */
  static of(conn: DuckDBConnection, checkpointsDir: string, flowId: string, name: string): CdcStateTable {
    return new CdcStateTable(conn, join(checkpointsDir, '..', 'state', flowId.replace(/[^\w.-]/g, '_'), name));
  }

  /**
   * Copies the stored rows into temp table `temp`, or creates it empty from `emptySql` (the columns the state has)
   * when nothing is stored yet or `ignoreStored` (a full refresh starts from no state).
   */
  async load(temp: string, emptySql: string, ignoreStored: boolean): Promise<void> {
    const stored = !ignoreStored && (await this.table.exists());
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE ${temp} AS ${stored ? await this.table.scanSql() : `${emptySql} LIMIT 0`}`);
  }

  /** True when a state was stored. */
  exists(): Promise<boolean> {
    return this.table.exists();
  }

  /** Replaces the stored state with a query's rows (one overwrite commit). */
  async save(sql: string): Promise<void> {
    await this.table.write(sql, { mode: 'overwrite', overwriteSchema: true });
  }
}
