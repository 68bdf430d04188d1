/**
 * The per-file side of a DML rewrite: prune a snapshot's files with the predicate's skipping form, then count, per
 * remaining file, how many rows the exact SQL predicate matches. Only files with matches are rewritten; files whose
 * rows all match need no rewrite (DELETE drops them whole).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { WeirError } from '../../domain/weir-error.js';
import type { AddFile, RemoveFile } from '../actions.js';
import { skipFiles } from '../file-skipping.js';
import { dataFilePath } from '../scan/data-file-path.js';
import type { Snapshot } from '../snapshot.js';
import { tableScanSql } from '../write/table-scan-sql.js';
import { duckDbTypeOf, quoteIdent, quoteLiteral } from '../write/delta-schema.js';
import { pruningPredicate } from './pruning-predicate.js';
import { tableSchema } from './write-table-rows.js';

/** One file with matching rows. */
export interface FileMatch {
  file: AddFile;
  matched: number;
  total: number;
}

/** The files a predicate touches, and how many files the scan read to find them. */
export interface MatchResult {
  matches: FileMatch[];
  filesScanned: number;
}

/** `coalesce((sql), false)`: a NULL predicate result does not match (SQL's WHERE semantics). */
export function matchSql(predicate: string | undefined): string {
  return predicate === undefined || predicate.trim() === '' ? 'true' : `coalesce((${predicate}), false)`;
}

/** Files that may hold matching rows, by partition values and min/max stats (all files when nothing prunes). */
export async function candidateFiles(conn: DuckDBConnection, snapshot: Snapshot, predicate: string | undefined): Promise<AddFile[]> {
  if (predicate === undefined || predicate.trim() === '') return snapshot.files;
  const pruning = await pruningPredicate(conn, predicate);
  if (!pruning) return snapshot.files;
  try {
    return skipFiles(snapshot, pruning).kept;
  } catch {
    return snapshot.files; // e.g. a literal the skipping code cannot type: read everything, the exact SQL decides
  }
}

/** Runs a query, turning DuckDB errors into SQL.FAILED that names the operation and the user's SQL. */
export async function runDml(conn: DuckDBConnection, sql: string, what: string): Promise<Record<string, unknown>[]> {
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } catch (e) {
    throw new WeirError('SQL.FAILED', `${what} failed: ${(e as Error).message.split('\n')[0]}; fix the SQL (it runs in DuckDB over the table's columns)`, { cause: e });
  }
}

/**
 * When the predicate binds over partition columns alone, decides per file from its partition values (every row of
 * a matching file matches) and takes the row counts from the stats, without reading data; undefined when it
 * references data columns or a file lacks numRecords.
 */
async function partitionOnlyMatches(conn: DuckDBConnection, snapshot: Snapshot, files: AddFile[], predicate: string): Promise<FileMatch[] | undefined> {
  const parts = tableSchema(snapshot).fields.filter((f) => snapshot.metadata.partitionColumns.includes(f.name));
  if (parts.length === 0 || files.some((f) => !hasRecordCount(f))) return undefined;
  const literal = (v: string | null | undefined, f: (typeof parts)[number]) => (v == null || v === '' ? `CAST(NULL AS ${duckDbTypeOf(f.type)})` : `CAST(${quoteLiteral(v)} AS ${duckDbTypeOf(f.type)})`);
  const rows = files.map((file, i) => `(${[String(i), ...parts.map((f) => literal(file.partitionValues[f.name], f))].join(', ')})`);
  const sql = `SELECT __i FROM (VALUES ${rows.join(', ')}) pv(__i, ${parts.map((f) => quoteIdent(f.name)).join(', ')}) WHERE ${matchSql(predicate)}`;
  try {
    const hits = (await conn.runAndReadAll(sql)).getRowObjectsJson();
    return hits.map((r) => files[Number(r.__i)]).map((file) => ({ file, matched: recordCount(file), total: recordCount(file) }));
  } catch {
    return undefined; // references a data column (or is invalid): scan the files, which reports real SQL errors
  }
}

/** Counts matching rows per candidate file; `predicate` undefined matches every row. */
export async function matchingFiles(conn: DuckDBConnection, snapshot: Snapshot, predicate: string | undefined, what: string): Promise<MatchResult> {
  const candidates = await candidateFiles(conn, snapshot, predicate);
  if (candidates.length === 0) return { matches: [], filesScanned: 0 };
  const byPartition = predicate?.trim() ? await partitionOnlyMatches(conn, snapshot, candidates, predicate) : undefined;
  if (byPartition) return { matches: byPartition, filesScanned: 0 };
  const scan = await tableScanSql(conn, snapshot, { files: candidates, withFile: true });
  const rows = await runDml(conn, `SELECT __file AS f, count(*) FILTER (WHERE ${matchSql(predicate)}) AS m, count(*) AS n FROM (${scan}) GROUP BY __file`, what);
  const byPath = new Map(candidates.map((f) => [dataFilePath(snapshot.tablePath, f.path), f]));
  const matches: FileMatch[] = [];
  for (const r of rows) {
    const file = byPath.get(String(r.f));
    const matched = Number(r.m);
    if (file && matched > 0) matches.push({ file, matched, total: Number(r.n) });
  }
  return { matches, filesScanned: candidates.length };
}

/** The remove action for a live file (dataChange as given: false for OPTIMIZE). */
export function removeAction(add: AddFile, now: number, dataChange = true): RemoveFile {
  return { path: add.path, deletionTimestamp: now, dataChange, extendedFileMetadata: true, partitionValues: add.partitionValues, size: add.size, stats: add.stats };
}

/** True when an add's stats carry numRecords. */
function hasRecordCount(add: AddFile): boolean {
  try {
    return add.stats != null && typeof (JSON.parse(add.stats) as { numRecords?: unknown }).numRecords === 'number';
  } catch {
    return false;
  }
}

/** numRecords of an add's stats (0 when unknown). */
export function recordCount(add: AddFile): number {
  if (!add.stats) return 0;
  try {
    return Number((JSON.parse(add.stats) as { numRecords?: number }).numRecords ?? 0);
  } catch {
    return 0;
  }
}
