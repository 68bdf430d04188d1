/**
 * Partition values as the log stores them (PROTOCOL §Partition Value Serialization): always strings, with JSON
 * null, '' and Hive's `__HIVE_DEFAULT_PARTITION__` meaning NULL and a missing key meaning NULL too; typed here
 * per the schema into DuckDB literals.
 */
import { duckDbType, sqlString } from '../schema/duckdb-type.js';
import type { DataType } from '../schema/struct-type.js';

/** Hive's directory name for the null partition. */
export const HIVE_NULL_PARTITION = '__HIVE_DEFAULT_PARTITION__';

/** True when a serialised partition value means NULL. */
export function isNullPartitionValue(v: string | null | undefined): v is null | undefined | '' {
  return v === null || v === undefined || v === '' || v === HIVE_NULL_PARTITION;
}

/** A timestamp partition value in UTC ISO form: Spark's zone-less `YYYY-MM-DD HH:MM:SS[.f]` is read as UTC. */
export function utcTimestampText(v: string): string {
  const t = v.trim();
  return /(Z|[+-]\d{2}(:?\d{2})?)$/i.test(t) && /[T ]\d/.test(t) ? t : `${t}Z`;
}

/** The DuckDB literal of a serialised partition value of type `type` (`CAST(NULL AS DATE)` for null). */
export function partitionLiteral(value: string | null | undefined, type: DataType): string {
  const sqlType = duckDbType(type);
  if (isNullPartitionValue(value)) return `CAST(NULL AS ${sqlType})`;
  if (type.type !== 'primitive') return `CAST(${sqlString(value)} AS ${sqlType})`;
  switch (type.name) {
    case 'string':
      return sqlString(value);
    case 'binary':
      return `encode(${sqlString(value)})`; // the value's UTF-8 bytes, not DuckDB's '\xAA' escape syntax
    case 'timestamp':
      return `CAST(${sqlString(utcTimestampText(value))} AS ${sqlType})`;
    default:
      return `CAST(${sqlString(value.trim())} AS ${sqlType})`;
  }
}
