/**
 * Plans a scan of a snapshot as one DuckDB SELECT the SQL warehouse can embed as a view or subquery: the kept
 * files (after data skipping) in one `read_parquet(…, hive_partitioning=false, union_by_name=true)`, partition
 * values from the log joined in as typed literals, deletion-vector rows anti-joined away, columns converted to the
 * schema's types and logical names, and the predicate applied as a row filter.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { WeirError } from '../../domain/weir-error.js';
import type { AddFile } from '../actions.js';
import { columnMappingMode, fieldId, physicalName, type ColumnMappingMode } from '../column-mapping.js';
import { readDeletionVector } from '../deletion-vectors/read-deletion-vector.js';
import { skipFiles } from '../file-skipping.js';
import { duckDbType, sqlIdent, sqlString } from '../schema/duckdb-type.js';
import { parseSchema, type StructField, type StructType } from '../schema/struct-type.js';
import type { Snapshot } from '../snapshot.js';
import { columnExpr } from './column-expr.js';
import { dataFilePath } from './data-file-path.js';
import { deletedRowsSql } from './deleted-rows-sql.js';
import { naiveTimestampGroups } from './naive-timestamp-groups.js';
import { partitionLiteral } from './partition-values.js';
import { predicateSql, type Predicate } from './predicate.js';

/** What to read: a subset of logical columns (default all) and a filter (used for skipping and as WHERE). */
export interface ScanOptions {
  columns?: string[];
  filter?: Predicate;
}

/** A planned scan: its SQL and the file counts (the z-order bench reports files read). */
export interface ScanPlan {
  sql: string;
  filesRead: number;
  filesSkipped: number;
  files: AddFile[];
}

const FILE_COL = '__weir_file';

function selectFields(schema: StructType, columns: string[] | undefined): StructField[] {
  if (!columns) return schema.fields;
  return columns.map((c) => {
    const f = schema.fields.find((x) => x.name === c) ?? schema.fields.find((x) => x.name.toLowerCase() === c.toLowerCase());
    if (!f) throw new WeirError('VALIDATION.INVALID', `column "${c}" does not exist in the table (columns: ${schema.fields.map((x) => x.name).join(', ')}); fix the column list`, { params: { column: c } });
    return f;
  });
}

function emptyRelation(fields: StructField[]): string {
  return `SELECT ${fields.map((f) => `CAST(NULL AS ${duckDbType(f.type)}) AS ${sqlIdent(f.name)}`).join(', ')} WHERE false`;
}

/** read_parquet's `schema` parameter for column mapping id mode: data columns found by Parquet field id. */
function fieldIdSchema(fields: StructField[]): string {
  const entries = fields.map((f) => `${fieldId(f)}: {name: ${sqlString(f.name)}, type: ${sqlString(duckDbType(f.type))}, default_value: NULL}`);
  return `MAP {${entries.join(', ')}}`;
}

interface Source { sql: string; columns: Map<string, string>; idMode: boolean }

async function describeSource(conn: DuckDBConnection, paths: string[], dataFields: StructField[], mode: ColumnMappingMode, withRows: boolean): Promise<Source> {
  const idMode = mode === 'id' && dataFields.length > 0 && dataFields.every((f) => fieldId(f) !== undefined);
  const opts = [`hive_partitioning = false`, `filename = ${sqlString(FILE_COL)}`];
  opts.push(idMode ? `schema = ${fieldIdSchema(dataFields)}` : 'union_by_name = true');
  if (withRows) opts.push('file_row_number = true');
  const sql = `read_parquet([${paths.map(sqlString).join(', ')}], ${opts.join(', ')})`;
  const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${sql}`).catch((e: unknown) => {
    throw new WeirError('DELTA.LOG_CORRUPT', `the data files of the scan cannot be read (${(e as Error).message.split('\n')[0]}); a live add in _delta_log points at a missing or damaged Parquet file — restore it or remove it from the table`, { cause: e });
  });
  const columns = new Map(described.getRowObjectsJson().map((r) => [String(r.column_name), String(r.column_type)]));
  return { sql, columns, idMode };
}

async function deletedRows(snapshot: Snapshot, files: AddFile[], paths: string[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (let i = 0; i < files.length; i++) {
    const dv = files[i].deletionVector;
    if (dv) out.set(paths[i], await readDeletionVector(snapshot.tablePath, dv));
  }
  return out;
}

interface GroupContext { snapshot: Snapshot; mode: ColumnMappingMode; fields: StructField[]; partCols: Set<string> }

/** The SELECT of one group of files (files whose columns DuckDB may unify in one read_parquet). */
async function groupSql(conn: DuckDBConnection, ctx: GroupContext, files: AddFile[], paths: string[]): Promise<string> {
  const { snapshot, mode, partCols } = ctx;
  const partFields = ctx.fields.filter((f) => partCols.has(f.name.toLowerCase()));
  const dataFields = ctx.fields.filter((f) => !partCols.has(f.name.toLowerCase()));
  const deleted = await deletedRows(snapshot, files, paths);
  const source = await describeSource(conn, paths, dataFields, mode, deleted.size > 0);
  const { idMode } = source;
  const cols = ctx.fields.map((f) => {
    if (partCols.has(f.name.toLowerCase())) return `pv.${sqlIdent(f.name)} AS ${sqlIdent(f.name)}`;
    const stored = idMode ? f.name : physicalName(f, mode);
    const type = source.columns.get(stored);
    if (type === undefined) return `CAST(NULL AS ${duckDbType(f.type)}) AS ${sqlIdent(f.name)}`;
    return `${columnExpr(`d.${sqlIdent(stored)}`, f.type, type, idMode ? 'none' : mode)} AS ${sqlIdent(f.name)}`;
  });
  let from = `${source.sql} d`;
  if (partFields.length > 0) {
    const rows = files.map((file, i) => `(${[sqlString(paths[i]), ...partFields.map((p) => partitionLiteral(file.partitionValues[physicalName(p, mode)], p.type))].join(', ')})`);
    from += ` JOIN (VALUES ${rows.join(', ')}) pv(${[FILE_COL, ...partFields.map((p) => sqlIdent(p.name))].join(', ')}) ON d.${FILE_COL} = pv.${FILE_COL}`;
  }
  if (deleted.size > 0) from += ` ANTI JOIN (${deletedRowsSql(deleted)}) dv ON d.${FILE_COL} = dv.f AND d.file_row_number = dv.r`;
  return `SELECT ${cols.join(', ')} FROM ${from}`;
}

/** Physical names of the top-level `timestamp` data columns (the ones naive storage would mis-convert). */
function timestampColumns(ctx: GroupContext): string[] {
  return ctx.fields
    .filter((f) => !ctx.partCols.has(f.name.toLowerCase()) && f.type.type === 'primitive' && f.type.name === 'timestamp')
    .map((f) => physicalName(f, ctx.mode));
}

/** Plans the scan of `snapshot`; `conn` is used to read Parquet footers (which columns each file has). */
export async function scanSql(conn: DuckDBConnection, snapshot: Snapshot, opts: ScanOptions = {}): Promise<ScanPlan> {
  const schema = parseSchema(snapshot.metadata.schemaString, snapshot.tablePath);
  const mode = columnMappingMode(snapshot.metadata);
  const selected = selectFields(schema, opts.columns);
  const { kept, skipped } = skipFiles(snapshot, opts.filter);
  const plan = (sql: string): ScanPlan => ({ sql, filesRead: kept.length, filesSkipped: skipped.length, files: kept });
  if (kept.length === 0) return plan(emptyRelation(selected));
  const ctx: GroupContext = { snapshot, mode, fields: schema.fields, partCols: new Set(snapshot.metadata.partitionColumns.map((c) => c.toLowerCase())) };
  const paths = kept.map((f) => dataFilePath(snapshot.tablePath, f.path));
  const groups = mode === 'id' ? [kept.map((_, i) => i)] : await naiveTimestampGroups(conn, paths, timestampColumns(ctx));
  const selects: string[] = [];
  for (const g of groups) selects.push(await groupSql(conn, ctx, g.map((i) => kept[i]), g.map((i) => paths[i])));
  const inner = selects.join(' UNION ALL ');
  const where = opts.filter ? ` WHERE ${predicateSql(opts.filter)}` : '';
  const projection = opts.columns ? selected.map((f) => sqlIdent(f.name)).join(', ') : '*';
  return plan(`SELECT ${projection} FROM (${inner}) ${sqlIdent('__weir_scan')}${where}`);
}
