import type { DuckDBConnection } from '@duckdb/node-api';
import type { AddFile } from '../../lake/actions.js';
import { readCommitActions } from '../../lake/commit/table-state.js';
import { DeltaTable, type WriteResult } from '../../lake/delta-table.js';
import type { WriteOptions } from '../../lake/write/build-write.js';
import type { MergeSpec } from '../../lake/dml/merge-clauses.js';
import { tableScanSql } from '../../lake/write/table-scan-sql.js';

/** The Delta tables a pipeline update reads and writes, addressed by qualified id (catalog.schema.table). */
export interface TableAccess {
  /** The newest version, or undefined when the table does not exist. */
  latestVersion(id: string): Promise<number | undefined>;
  /** SQL reading every row of the newest version. */
  scanSql(id: string): Promise<string>;
  /** SQL with the table's columns and no rows. */
  emptySql(id: string): Promise<string>;
  /** SQL reading the rows appended by versions (from, to] (a streaming read of an append-only table). */
  appendedSql(id: string, from: number, to: number): Promise<string>;
  /** True when versions (from, to] only appended rows (no file removed with a data change, no schema change). */
  appendOnly(id: string, from: number, to: number): Promise<boolean>;
  /** True when a version in (from, to] changed data (an add or remove with dataChange, or the schema). */
  dataChanged(id: string, from: number, to: number): Promise<boolean>;
  /** MERGE INTO the table (one commit; only files with matching rows are rewritten). */
  merge(id: string, spec: MergeSpec): Promise<void>;
  /** Writes a query's rows as one commit. */
  write(id: string, sql: string, opts: WriteOptions): Promise<WriteResult>;
}

/** TableAccess over Delta tables at `locate(id)`, through one DuckDB connection. */
export function deltaTableAccess(conn: DuckDBConnection, locate: (id: string) => string): TableAccess {
  const handles = new Map<string, DeltaTable>();
  const table = (id: string) => {
    let t = handles.get(id);
    if (!t) handles.set(id, (t = DeltaTable.forPath(conn, locate(id))));
    return t;
  };
  return {
    async latestVersion(id) {
      const state = await table(id).refresh();
      return state?.snapshot.version;
    },
    scanSql: (id) => table(id).scanSql(),
    async emptySql(id) {
      return tableScanSql(conn, await table(id).snapshot(), { files: [] });
    },
    async appendedSql(id, from, to) {
      const t = table(id);
      const added: AddFile[] = [];
      for (let v = from + 1; v <= to; v++) {
        for (const a of (await readCommitActions(t.tablePath, v)) ?? []) if ('add' in a && a.add.dataChange) added.push(a.add);
      }
      return tableScanSql(conn, await t.snapshot({ version: to }), { files: added });
    },
    async appendOnly(id, from, to) {
      for (let v = from + 1; v <= to; v++) {
        for (const a of (await readCommitActions(table(id).tablePath, v)) ?? []) {
          if (('remove' in a && a.remove.dataChange) || 'metaData' in a) return false;
        }
      }
      return true;
    },
    async dataChanged(id, from, to) {
      for (let v = from + 1; v <= to; v++) {
        for (const a of (await readCommitActions(table(id).tablePath, v)) ?? []) {
          if (('add' in a && a.add.dataChange) || ('remove' in a && a.remove.dataChange) || 'metaData' in a) return true;
        }
      }
      return false;
    },
    async merge(id, spec) {
      await table(id).merge(spec);
    },
    write: (id, sql, opts) => table(id).write(sql, opts),
  };
}
