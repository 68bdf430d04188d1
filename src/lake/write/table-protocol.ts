/**
 * The protocol and metadata rules of the writer: which protocol a new table needs ((1,2) unless a feature is
 * required, then (3,7) listing only the needed features), which existing tables weir may write (it refuses
 * writer features it does not implement), and valid partition columns.
 */
import type { Metadata, Protocol } from '../actions.js';
import { WeirError } from '../../domain/weir-error.js';
import { describeType, usesTimestampNtz, type DeltaStructType } from './delta-schema.js';

/** Writer features weir honours when it finds them on a table (it never enables appendOnly or invariants itself). */
const SUPPORTED_WRITER_FEATURES = new Set(['appendOnly', 'invariants', 'timestampNtz']);

/** The minimal protocol for a schema: (1,2), or (3,7) with `timestampNtz` when a column needs it. */
export function protocolFor(schema: DeltaStructType, current?: Protocol): Protocol {
  const ntz = schema.fields.some((f) => usesTimestampNtz(f.type));
  if (current && current.minWriterVersion >= 7) {
    if (!ntz || current.writerFeatures?.includes('timestampNtz')) return current;
    return {
      ...current,
      minReaderVersion: 3,
      readerFeatures: [...new Set([...(current.readerFeatures ?? []), 'timestampNtz'])],
      writerFeatures: [...new Set([...(current.writerFeatures ?? []), 'timestampNtz'])],
    };
  }
  if (!ntz) return current ?? { minReaderVersion: 1, minWriterVersion: 2 };
  // Upgrading a legacy (1,2) table to 7 lists the features version 2 implied, as Spark does.
  const implied = current ? ['appendOnly', 'invariants'] : [];
  return { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['timestampNtz'], writerFeatures: [...implied, 'timestampNtz'] };
}

/** Refuses to write a table whose protocol asks for writer features weir does not implement. */
export function assertWritable(tablePath: string, protocol: Protocol, metadata: Metadata, overwrite: boolean): void {
  const { minWriterVersion: w } = protocol;
  const unsupported =
    w >= 7 ? (protocol.writerFeatures ?? []).filter((f) => !SUPPORTED_WRITER_FEATURES.has(f)) : w > 2 ? [`writer version ${w} features`] : [];
  if (unsupported.length > 0) {
    throw new WeirError(
      'DELTA.UNSUPPORTED_FEATURE',
      `${tablePath} requires ${unsupported.join(', ')}, which weir cannot write yet (protocol ${protocol.minReaderVersion},${w}); write it with another engine`,
      { params: { tablePath, features: unsupported } },
    );
  }
  if (overwrite && metadata.configuration['delta.appendOnly'] === 'true') {
    throw new WeirError('DELTA.UNSUPPORTED_FEATURE', `${tablePath} is append-only (delta.appendOnly=true); only appends are allowed`, { params: { tablePath } });
  }
  if (metadata.schemaString.includes('"delta.invariants"')) {
    throw new WeirError('DELTA.UNSUPPORTED_FEATURE', `${tablePath} has column invariants (delta.invariants), which weir does not enforce yet; write it with another engine`, { params: { tablePath } });
  }
}

/** Checks that partition columns exist, are primitive and are not the whole schema. */
export function validatePartitionColumns(tablePath: string, schema: DeltaStructType, partitionBy: string[]): void {
  for (const col of partitionBy) {
    const field = schema.fields.find((f) => f.name === col);
    if (!field) {
      throw new WeirError('DELTA.INVALID_PARTITION', `partition column "${col}" of ${tablePath} is not a column of the data (columns: ${schema.fields.map((f) => f.name).join(', ')}); fix partitionBy`, { params: { column: col } });
    }
    if (typeof field.type !== 'string' || field.type === 'binary') {
      throw new WeirError('DELTA.INVALID_PARTITION', `partition column "${col}" of ${tablePath} has type ${describeType(field.type)}; partition by a primitive column instead`, { params: { column: col } });
    }
  }
  if (partitionBy.length > 0 && partitionBy.length >= schema.fields.length) {
    throw new WeirError('DELTA.INVALID_PARTITION', `${tablePath} would be partitioned by all of its columns; keep at least one data column`, { params: { partitionBy } });
  }
}
