/**
 * Plans `replaceWhere`: overwrite only the rows matching a predicate. New rows must all match it. Live files
 * whose rows all match are removed; files with some matching rows are removed and their non-matching rows are
 * written again; files with no matching rows stay.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { AddFile } from '../actions.js';
import type { Snapshot } from '../snapshot.js';
import { WeirError } from '../../domain/weir-error.js';
import { dataFilePath } from '../scan/data-file-path.js';
import { duckDbTypeOf, parseSchemaString, quoteIdent, quoteLiteral } from './delta-schema.js';
import { tableScanSql } from './table-scan-sql.js';

/** Files to remove and, when some files are only partly replaced, the query of the rows to keep from them. */
export interface ReplaceWherePlan {
  remove: AddFile[];
  keepQuery?: string;
  rewrittenFiles: number;
}

async function scalar(conn: DuckDBConnection, sql: string, predicate: string): Promise<Record<string, unknown>[]> {
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } catch (e) {
    throw new WeirError('SQL.FAILED', `replaceWhere predicate "${predicate}" failed: ${(e as Error).message}; it must be a SQL boolean expression over the table's columns`, { cause: e, params: { predicate } });
  }
}

/**
 * When the predicate binds over the partition columns alone, decides per file from its partition values without
 * reading any data (whole partitions are replaced); undefined when it references data columns.
 */
async function partitionOnlyRemovals(conn: DuckDBConnection, snapshot: Snapshot, matches: string): Promise<AddFile[] | undefined> {
  const parts = parseSchemaString(snapshot.metadata.schemaString, snapshot.tablePath).fields.filter((f) => snapshot.metadata.partitionColumns.includes(f.name));
  if (parts.length === 0) return undefined;
  const literal = (v: string | null | undefined, f: (typeof parts)[number]) => (v == null ? `CAST(NULL AS ${duckDbTypeOf(f.type)})` : `CAST(${quoteLiteral(v)} AS ${duckDbTypeOf(f.type)})`);
  const rows = snapshot.files.map((file, i) => `(${[String(i), ...parts.map((f) => literal(file.partitionValues[f.name], f))].join(', ')})`);
  const sql = `SELECT __i FROM (VALUES ${rows.join(', ')}) pv(__i, ${parts.map((f) => quoteIdent(f.name)).join(', ')}) WHERE ${matches}`;
  try {
    const hits = (await conn.runAndReadAll(sql)).getRowObjectsJson();
    return hits.map((r) => snapshot.files[Number(r.__i)]);
  } catch (e) {
    if (/Binder Error/i.test((e as Error).message)) return undefined; // references a data column: scan the files
    throw e;
  }
}

/** Checks the new data against the predicate and decides which files to remove or rewrite. */
export async function planReplaceWhere(conn: DuckDBConnection, snapshot: Snapshot, predicate: string, newQuery: string): Promise<ReplaceWherePlan> {
  const matches = `coalesce((${predicate}), false)`;
  const [bad] = await scalar(conn, `SELECT count(*) AS n FROM (${newQuery}) WHERE NOT ${matches}`, predicate);
  if (Number(bad.n) > 0) {
    throw new WeirError(
      'DELTA.REPLACE_WHERE_MISMATCH',
      `${bad.n} row(s) of the new data do not match replaceWhere "${predicate}" for ${snapshot.tablePath}; filter the data with the same predicate or widen it`,
      { params: { predicate, rows: Number(bad.n) } },
    );
  }
  if (snapshot.files.length === 0) return { remove: [], rewrittenFiles: 0 };
  const byPartition = await partitionOnlyRemovals(conn, snapshot, matches);
  if (byPartition) return { remove: byPartition, rewrittenFiles: 0 };
  const scan = await tableScanSql(conn, snapshot, { withFile: true });
  const counts = await scalar(conn, `SELECT __file AS f, count(*) FILTER (WHERE ${matches}) AS m, count(*) AS n FROM (${scan}) GROUP BY __file`, predicate);
  const byPath = new Map(snapshot.files.map((f) => [dataFilePath(snapshot.tablePath, f.path), f]));
  const remove: AddFile[] = [];
  const partial: AddFile[] = [];
  for (const row of counts) {
    const file = byPath.get(String(row.f));
    const m = Number(row.m);
    if (!file || m === 0) continue;
    remove.push(file);
    if (m < Number(row.n)) partial.push(file);
  }
  if (partial.length === 0) return { remove, rewrittenFiles: 0 };
  const keepScan = await tableScanSql(conn, snapshot, { files: partial });
  return { remove, keepQuery: `SELECT * FROM (${keepScan}) WHERE NOT ${matches}`, rewrittenFiles: partial.length };
}
