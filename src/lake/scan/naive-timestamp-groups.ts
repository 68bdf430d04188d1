/**
 * Groups data files by which of their top-level `timestamp` columns are stored naive (INT96, or INT64 with
 * isAdjustedToUTC=0). One read_parquet over mixed files would let DuckDB's union_by_name cast naive values to
 * TIMESTAMPTZ in the session time zone; reading each group separately lets the scan interpret them as UTC.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../schema/duckdb-type.js';

interface SchemaRow { file: string; name: string; type: string | null; logical: string | null; children: number }

function isNaiveTimestamp(r: SchemaRow): boolean {
  if (r.type === 'INT96') return true;
  return r.logical !== null && /TimestampType\(isAdjustedToUTC=(0|false)/i.test(r.logical);
}

/** The top-level rows of one file's parquet_schema listing (the root's direct children). */
function topLevel(rows: SchemaRow[]): SchemaRow[] {
  const out: SchemaRow[] = [];
  const open: number[] = []; // children still expected per open group
  for (const r of rows) {
    if (open.length === 1) out.push(r);
    if (open.length > 0) open[open.length - 1]--;
    if (r.children > 0) open.push(r.children);
    while (open.length > 0 && open[open.length - 1] === 0) open.pop();
  }
  return out;
}

/** File indexes grouped by their set of naive timestamp columns among `columns` (one group when none differ). */
export async function naiveTimestampGroups(conn: DuckDBConnection, paths: string[], columns: string[]): Promise<number[][]> {
  const all = paths.map((_, i) => i);
  if (columns.length === 0) return [all];
  const reader = await conn.runAndReadAll(`SELECT file_name, name, type, logical_type, coalesce(num_children, 0)::INTEGER AS children FROM parquet_schema([${paths.map(sqlString).join(', ')}])`);
  const byFile = new Map<string, SchemaRow[]>();
  for (const [file, name, type, logical, children] of reader.getRowsJson()) {
    const row: SchemaRow = { file: String(file), name: String(name), type: type === null ? null : String(type), logical: logical === null ? null : String(logical), children: Number(children) };
    const list = byFile.get(row.file) ?? [];
    list.push(row);
    byFile.set(row.file, list);
  }
  const wanted = new Set(columns);
  const groups = new Map<string, number[]>();
  paths.forEach((p, i) => {
    const naive = topLevel(byFile.get(p) ?? []).filter((r) => wanted.has(r.name) && isNaiveTimestamp(r)).map((r) => r.name).sort();
    const key = JSON.stringify(naive);
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  return [...groups.values()];
}
