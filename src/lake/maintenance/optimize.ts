/**
 * OPTIMIZE: per partition, bin-packs files smaller than the target size (`delta.targetFileSize`, default 128 MB)
 * into files of about that size, or, with ZORDER BY, rewrites every file of the partition sorted by the Z-order
 * key and cut into files of about the target size. Rows are unchanged, so every add/remove has dataChange=false
 * and a concurrent append never conflicts. operationParameters carry predicate/zOrderBy as JSON strings (Spark).
 */
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Clock } from '../../domain/clock.js';
import { WeirError } from '../../domain/weir-error.js';
import type { Action, AddFile } from '../actions.js';
import type { PendingCommit } from '../commit/commit-transaction.js';
import type { TableState } from '../commit/table-state.js';
import type { Snapshot } from '../snapshot.js';
import { assertWritable } from '../write/table-protocol.js';
import { tableScanSql } from '../write/table-scan-sql.js';
import { recordCount, removeAction, runDml } from '../dml/matching-files.js';
import { tableSchema, typedColumns, writeTableRows } from '../dml/write-table-rows.js';
import { partitionFilter } from './partition-filter.js';
import { zOrderSql } from './z-order.js';

/** What OPTIMIZE does. */
export interface OptimizeOptions {
  /** Partition predicate (DuckDB SQL over partition columns) limiting which partitions are optimized. */
  where?: string;
  /** Z-order columns (data columns, not partition columns). */
  zOrderBy?: string[];
  /** Target file size in bytes; default `delta.targetFileSize` or 128 MB. */
  targetFileSize?: number;
}

/** Spark's default OPTIMIZE target (spark.databricks.delta.optimize.maxFileSize). */
export const DEFAULT_TARGET_FILE_SIZE = 128 * 1024 * 1024;

const UNITS: Record<string, number> = { b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** The target file size: the option, else `delta.targetFileSize` (bytes or `64mb`), else 128 MB. */
export function targetFileSize(snapshot: Snapshot, opts: OptimizeOptions): number {
  if (opts.targetFileSize !== undefined && opts.targetFileSize > 0) return opts.targetFileSize;
  const m = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(snapshot.metadata.configuration['delta.targetFileSize'] ?? '');
  const unit = m ? UNITS[m[2].toLowerCase() || 'b'] : undefined;
  return m && unit ? Number(m[1]) * unit : DEFAULT_TARGET_FILE_SIZE;
}

function partitionGroups(files: AddFile[], partitionColumns: string[]): AddFile[][] {
  const groups = new Map<string, AddFile[]>();
  for (const f of files) {
    const key = JSON.stringify(partitionColumns.map((c) => f.partitionValues[c] ?? null));
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups.values()];
}

/** Greedy bins of small files (smallest first) up to the target size; only bins of two or more files are worth a rewrite. */
function binPack(files: AddFile[], target: number): AddFile[][] {
  const small = files.filter((f) => f.size < target).sort((a, b) => a.size - b.size);
  const bins: AddFile[][] = [];
  let bin: AddFile[] = [];
  let size = 0;
  for (const f of small) {
    if (bin.length > 0 && size + f.size > target) {
      bins.push(bin);
      bin = [];
      size = 0;
    }
    bin.push(f);
    size += f.size;
  }
  if (bin.length > 0) bins.push(bin);
  return bins.filter((b) => b.length > 1);
}

function checkZOrderColumns(snapshot: Snapshot, columns: string[]): string[] {
  const schema = tableSchema(snapshot);
  return columns.map((c) => {
    const f = schema.fields.find((x) => x.name === c) ?? schema.fields.find((x) => x.name.toLowerCase() === c.toLowerCase());
    if (!f) throw new WeirError('VALIDATION.INVALID', `OPTIMIZE ${snapshot.tablePath} ZORDER BY: "${c}" is not a column (columns: ${schema.fields.map((x) => x.name).join(', ')}); fix zOrderBy`, { params: { column: c } });
    if (snapshot.metadata.partitionColumns.includes(f.name)) {
      throw new WeirError('VALIDATION.INVALID', `OPTIMIZE ${snapshot.tablePath} ZORDER BY: "${f.name}" is a partition column, and Z-ordering within a partition by it does nothing; Z-order by data columns`, { params: { column: f.name } });
    }
    return f.name;
  });
}

/** Rewrites one partition's files in Z-order, cut into files of about `target` bytes. */
async function zOrderPartition(conn: DuckDBConnection, snapshot: Snapshot, files: AddFile[], columns: string[], target: number, clock: Clock): Promise<AddFile[]> {
  const rows = files.reduce((n, f) => n + recordCount(f), 0);
  const bytes = files.reduce((n, f) => n + f.size, 0);
  const rowsPerFile = Math.max(1, Math.floor(rows > 0 ? (rows * target) / Math.max(1, bytes) : Number.MAX_SAFE_INTEGER));
  const temp = `__weir_zorder_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const scan = await tableScanSql(conn, snapshot, { files });
  try {
    await runDml(conn, `CREATE TEMP TABLE ${temp} AS SELECT *, (row_number() OVER (ORDER BY __weir_z) - 1) // ${rowsPerFile} AS __weir_bucket FROM (${zOrderSql(scan, columns)})`, `OPTIMIZE ZORDER BY on ${snapshot.tablePath}`);
    const [{ n }] = await runDml(conn, `SELECT coalesce(max(__weir_bucket) + 1, 0) AS n FROM ${temp}`, 'OPTIMIZE ZORDER BY');
    const adds: AddFile[] = [];
    const cols = typedColumns(tableSchema(snapshot), () => undefined);
    for (let b = 0; b < Number(n); b++) adds.push(...(await writeTableRows(conn, snapshot, `SELECT ${cols} FROM ${temp} WHERE __weir_bucket = ${b} ORDER BY __weir_z`, clock)));
    return adds;
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${temp}`).catch(() => undefined);
  }
}

function percentile(sizes: number[], p: number): number {
  return sizes.length === 0 ? 0 : sizes[Math.min(sizes.length - 1, Math.floor(p * (sizes.length - 1)))];
}

function optimizeMetrics(adds: AddFile[], removed: AddFile[], partitions: number): Record<string, string> {
  const sizes = adds.map((a) => a.size).sort((a, b) => a - b);
  return {
    numAddedFiles: String(adds.length),
    numRemovedFiles: String(removed.length),
    numAddedBytes: String(sizes.reduce((s, x) => s + x, 0)),
    numRemovedBytes: String(removed.reduce((s, f) => s + f.size, 0)),
    minFileSize: String(percentile(sizes, 0)),
    p25FileSize: String(percentile(sizes, 0.25)),
    p50FileSize: String(percentile(sizes, 0.5)),
    p75FileSize: String(percentile(sizes, 0.75)),
    maxFileSize: String(percentile(sizes, 1)),
    numBatches: String(partitions),
  };
}

/** Builds (and writes the files of) the OPTIMIZE commit; no actions when there is nothing to compact. */
export async function buildOptimize(conn: DuckDBConnection, state: TableState, opts: OptimizeOptions, clock: Clock): Promise<PendingCommit> {
  const { snapshot } = state;
  assertWritable(snapshot.tablePath, snapshot.protocol, snapshot.metadata, false);
  const zOrderBy = opts.zOrderBy?.length ? checkZOrderColumns(snapshot, opts.zOrderBy) : [];
  const target = targetFileSize(snapshot, opts);
  const files = opts.where ? await partitionFilter(conn, snapshot, opts.where) : snapshot.files;
  const groups = partitionGroups(files, snapshot.metadata.partitionColumns);
  const removed: AddFile[] = [];
  const adds: AddFile[] = [];
  let batches = 0;
  for (const group of groups) {
    const bins = zOrderBy.length > 0 ? [group] : binPack(group, target);
    for (const bin of bins) {
      batches++;
      removed.push(...bin);
      if (zOrderBy.length > 0) adds.push(...(await zOrderPartition(conn, snapshot, bin, zOrderBy, target, clock)));
      else adds.push(...(await writeTableRows(conn, snapshot, await tableScanSql(conn, snapshot, { files: bin }), clock)));
    }
  }
  const now = clock.now();
  const actions: Action[] = [...removed.map((f) => ({ remove: removeAction(f, now, false) })), ...adds.map((a) => ({ add: { ...a, dataChange: false } }))];
  return {
    tablePath: snapshot.tablePath,
    readState: state,
    actions,
    operation: 'OPTIMIZE',
    operationParameters: { predicate: JSON.stringify(opts.where ? [opts.where] : []), zOrderBy: JSON.stringify(zOrderBy), clusterBy: '[]' },
    operationMetrics: optimizeMetrics(adds, removed, batches),
    footprint: { isBlindAppend: false, removedPaths: new Set(removed.map((f) => f.path)), appIds: new Set(), changesMetadata: false, readPaths: new Set(removed.map((f) => f.path)), readsNewData: false },
  };
}
