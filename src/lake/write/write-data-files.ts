/**
 * Writes the rows of a (conformed) DuckDB query into new Parquet files inside a Delta table and describes each
 * file as an `add` action: URI-encoded relative path, partition values from the data, size and stats from
 * DuckDB's `RETURN_STATS`. File names always carry a fresh UUID, so no COPY ever overwrites a file.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, unlink } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { AddFile } from '../actions.js';
import type { Clock } from '../../domain/clock.js';
import { WeirError } from '../../domain/weir-error.js';
import { buildStats, isoMicros, parseTimestampMicros, type ColumnStatistics } from './file-stats.js';
import { quoteIdent, quoteLiteral, type DeltaStructType } from './delta-schema.js';
import type { StatsSettings } from './stats-columns.js';

/** What to write and how. */
export interface WriteDataFilesInput {
  tablePath: string;
  /** A SELECT whose columns are exactly the table schema's, in order. */
  query: string;
  schema: DeltaStructType;
  partitionColumns: string[];
  /** Parquet codec (`delta.parquet.compression.codec`), e.g. zstd or snappy. */
  codec: string;
  /** Which columns get stats, and the string prefix length. */
  stats: StatsSettings;
  clock: Clock;
}

type JsonMap = { key: string; value: unknown }[] | null;

function mapToRecord<T>(m: JsonMap): Record<string, T> {
  const out: Record<string, T> = {};
  for (const e of m ?? []) out[e.key] = e.value as T;
  return out;
}

/** URI-encodes a relative file path per segment (keeping `=`), so `%` in a directory name becomes `%25`. */
export function encodeRelativePath(relPath: string): string {
  return relPath
    .split(sep)
    .map((seg) => encodeURIComponent(seg).replace(/%3D/g, '='))
    .join('/');
}

/** Serialises a partition value the way the Delta log stores it (strings; null for NULL or empty). */
function partitionValue(raw: unknown, type: string): string | null {
  if (raw === null || raw === undefined || raw === '') return null;
  const text = String(raw);
  if (type === 'timestamp') {
    const micros = parseTimestampMicros(text);
    return micros === undefined ? text : isoMicros(micros);
  }
  return text;
}

/** Runs the COPY and returns one add action per written file (none when the query has no rows). */
export async function writeDataFiles(conn: DuckDBConnection, input: WriteDataFilesInput): Promise<AddFile[]> {
  const { tablePath, partitionColumns, schema } = input;
  await mkdir(tablePath, { recursive: true });
  const options = [`FORMAT parquet`, `RETURN_STATS`, `COMPRESSION ${quoteLiteral(input.codec)}`];
  let target: string;
  if (partitionColumns.length > 0) {
    options.push(`PARTITION_BY (${partitionColumns.map(quoteIdent).join(', ')})`, `FILENAME_PATTERN 'part-{uuid}'`, 'APPEND');
    target = tablePath;
  } else {
    target = `${tablePath}${sep}part-00000-${randomUUID()}.parquet`;
  }
  let reader;
  try {
    reader = await conn.runAndReadAll(`COPY (${input.query}) TO ${quoteLiteral(target)} (${options.join(', ')})`);
  } catch (e) {
    throw new WeirError('SQL.FAILED', `writing the data files of the Delta table at ${tablePath} failed: ${(e as Error).message}; check the query (and delta.parquet.compression.codec = ${input.codec})`, { cause: e, params: { tablePath } });
  }
  const now = input.clock.now();
  const adds: AddFile[] = [];
  for (const row of reader.getRowObjectsJson()) {
    const count = Number(row.count);
    if (count === 0) {
      await unlink(String(row.filename)).catch(() => undefined); // an empty result still makes a file; never reference it
      continue;
    }
    const rawColumns = mapToRecord<JsonMap>(row.column_statistics as JsonMap);
    const columns: Record<string, ColumnStatistics> = {};
    for (const [k, v] of Object.entries(rawColumns)) columns[k] = mapToRecord<string | null>(v);
    const keys = mapToRecord<unknown>(row.partition_keys as JsonMap);
    const partitionValues: Record<string, string | null> = {};
    for (const col of partitionColumns) {
      const field = schema.fields.find((f) => f.name === col);
      partitionValues[col] = partitionValue(keys[col], typeof field?.type === 'string' ? field.type : 'string');
    }
    adds.push({
      path: encodeRelativePath(relative(tablePath, String(row.filename))),
      partitionValues,
      size: Number(row.file_size_bytes),
      modificationTime: now,
      dataChange: true,
      stats: buildStats(count, columns, schema, input.stats),
    });
  }
  return adds;
}
