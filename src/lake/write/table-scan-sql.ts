/**
 * A DuckDB SELECT over the live files of a snapshot, with partition values injected from the log (never parsed
 * from directory names) and NULL for columns older files lack. The writer needs it to rewrite files for
 * replaceWhere; the reader's scans (src/lake/scan) are the general-purpose version.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { AddFile } from '../actions.js';
import { dataFilePath } from '../scan/data-file-path.js';
import type { Snapshot } from '../snapshot.js';
import { duckDbTypeOf, parseSchemaString, quoteIdent, quoteLiteral, type DeltaType } from './delta-schema.js';

function partitionLiteral(value: string | null | undefined, type: DeltaType): string {
  return value === null || value === undefined ? `CAST(NULL AS ${duckDbTypeOf(type)})` : `CAST(${quoteLiteral(value)} AS ${duckDbTypeOf(type)})`;
}

/** A SELECT yielding the rows of `files` (default: all live files) in the snapshot's schema, plus `__file` when asked. */
export async function tableScanSql(conn: DuckDBConnection, snapshot: Snapshot, opts: { files?: AddFile[]; withFile?: boolean } = {}): Promise<string> {
  const schema = parseSchemaString(snapshot.metadata.schemaString, snapshot.tablePath);
  const partCols = new Set(snapshot.metadata.partitionColumns);
  const files = opts.files ?? snapshot.files;
  if (files.length === 0) {
    const cols = schema.fields.map((f) => `CAST(NULL AS ${duckDbTypeOf(f.type)}) AS ${quoteIdent(f.name)}`);
    if (opts.withFile) cols.push(`CAST(NULL AS VARCHAR) AS __file`);
    return `SELECT ${cols.join(', ')} WHERE false`;
  }
  const paths = files.map((f) => dataFilePath(snapshot.tablePath, f.path));
  const source = `read_parquet([${paths.map(quoteLiteral).join(', ')}], filename = true, hive_partitioning = false, union_by_name = true)`;
  const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  const present = new Set(described.getRowObjectsJson().map((r) => String(r.column_name)));
  const cols = schema.fields.map((f) => {
    if (partCols.has(f.name)) return `pv.${quoteIdent(f.name)}`;
    if (present.has(f.name)) return `CAST(d.${quoteIdent(f.name)} AS ${duckDbTypeOf(f.type)}) AS ${quoteIdent(f.name)}`;
    return `CAST(NULL AS ${duckDbTypeOf(f.type)}) AS ${quoteIdent(f.name)}`;
  });
  if (opts.withFile) cols.push(`d.filename AS __file`);
  if (partCols.size === 0) return `SELECT ${cols.join(', ')} FROM ${source} d`;
  const partFields = schema.fields.filter((f) => partCols.has(f.name));
  const rows = files.map((f, i) => `(${[quoteLiteral(paths[i]), ...partFields.map((p) => partitionLiteral(f.partitionValues[p.name], p.type))].join(', ')})`);
  const names = ['__pv_file', ...partFields.map((p) => quoteIdent(p.name))].join(', ');
  return `SELECT ${cols.join(', ')} FROM ${source} d JOIN (VALUES ${rows.join(', ')}) pv(${names}) ON d.filename = pv.__pv_file`;
}
