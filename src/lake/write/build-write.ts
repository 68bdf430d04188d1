/**
 * Turns one write request (create, append, overwrite, replaceWhere; mergeSchema/overwriteSchema; txn) into a
 * pending commit: conform the data, write its Parquet files, and list the add/remove/metaData/protocol/txn
 * actions plus the commitInfo fields. Nothing is visible until the commit file lands.
 */
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Action, AddFile, Metadata, RemoveFile } from '../actions.js';
import type { Clock } from '../../domain/clock.js';
import { WeirError } from '../../domain/weir-error.js';
import type { PendingCommit } from '../commit/commit-transaction.js';
import type { TableState } from '../commit/table-state.js';
import { conformSource } from './conform-source.js';
import { parseSchemaString } from './delta-schema.js';
import { planReplaceWhere } from './replace-where.js';
import { statsSettings } from './stats-columns.js';
import { assertWritable, protocolFor, validatePartitionColumns } from './table-protocol.js';
import { writeDataFiles } from './write-data-files.js';

/** How to write. */
export interface WriteOptions {
  /** create: fail when the table exists; append/overwrite create the table when it does not. */
  mode: 'create' | 'append' | 'overwrite';
  /** Partition columns of a new table (or of an overwriteSchema). */
  partitionBy?: string[];
  /** Table properties (`configuration`), e.g. `delta.checkpointInterval`. */
  properties?: Record<string, string>;
  name?: string;
  description?: string;
  /** Add the data's new columns to the schema. */
  mergeSchema?: boolean;
  /** overwrite only: replace the schema (and partitioning) with the data's. */
  overwriteSchema?: boolean;
  /** overwrite only: replace just the rows matching this SQL predicate. */
  replaceWhere?: string;
  /** Idempotent writes: skipped when the table already has a txn for appId with version ≥ this one. */
  txn?: { appId: string; version: number };
}

function removeFor(add: AddFile, now: number): RemoveFile {
  return { path: add.path, deletionTimestamp: now, dataChange: true, extendedFileMetadata: true, partitionValues: add.partitionValues, size: add.size, stats: add.stats };
}

function numRecords(add: AddFile): number {
  return add.stats ? Number((JSON.parse(add.stats) as { numRecords?: number }).numRecords ?? 0) : 0;
}

function newMetadata(state: TableState | undefined, schemaString: string, partitionColumns: string[], o: WriteOptions, now: number, replaceSchema: boolean): Metadata {
  const old = state?.snapshot.metadata;
  if (!old) {
    const named = { ...(o.name ? { name: o.name } : {}), ...(o.description ? { description: o.description } : {}) };
    return { id: randomUUID(), ...named, format: { provider: 'parquet', options: {} }, schemaString, partitionColumns, configuration: { ...(o.properties ?? {}) }, createdTime: now };
  }
  return { ...old, schemaString, partitionColumns: replaceSchema ? partitionColumns : old.partitionColumns, configuration: { ...old.configuration, ...(o.properties ?? {}) } };
}

function checkOptions(tablePath: string, state: TableState | undefined, o: WriteOptions): void {
  if (o.mode === 'create' && state) {
    throw new WeirError('DELTA.TABLE_EXISTS', `a Delta table already exists at ${tablePath} (version ${state.snapshot.version}); append to it, overwrite it, or pick another path`, { params: { tablePath } });
  }
  if ((o.replaceWhere || o.overwriteSchema) && o.mode !== 'overwrite') {
    throw new WeirError('VALIDATION.INVALID', `replaceWhere and overwriteSchema apply to overwrite only (mode was ${o.mode}) for ${tablePath}`, { params: { tablePath } });
  }
  if (state && o.partitionBy && !o.overwriteSchema && o.partitionBy.join('\u0000') !== state.snapshot.metadata.partitionColumns.join('\u0000')) {
    throw new WeirError(
      'DELTA.INVALID_PARTITION',
      `${tablePath} is partitioned by [${state.snapshot.metadata.partitionColumns.join(', ')}], not [${o.partitionBy.join(', ')}]; drop partitionBy or overwrite with overwriteSchema`,
      { params: { tablePath } },
    );
  }
  if (state) assertWritable(tablePath, state.snapshot.protocol, state.snapshot.metadata, o.mode === 'overwrite');
}

/** The files an overwrite removes and, for replaceWhere, the query that also writes the rows it keeps. */
async function planRemovals(conn: DuckDBConnection, old: TableState['snapshot'] | undefined, o: WriteOptions, newQuery: string): Promise<{ remove: AddFile[]; query: string; rewritten: number }> {
  if (o.mode !== 'overwrite' || !old) return { remove: [], query: newQuery, rewritten: 0 };
  if (!o.replaceWhere) return { remove: old.files, query: newQuery, rewritten: 0 };
  const plan = await planReplaceWhere(conn, old, o.replaceWhere, newQuery);
  const query = plan.keepQuery ? `(${newQuery}) UNION ALL BY NAME (${plan.keepQuery})` : newQuery;
  return { remove: plan.remove, query, rewritten: plan.rewrittenFiles };
}

/** commitInfo's operation, operationParameters and operationMetrics (all values strings, as Spark reads them). */
function describeOperation(o: WriteOptions, created: boolean, partitionColumns: string[], adds: AddFile[], removed: AddFile[], rewritten: number) {
  const operation = created && o.mode === 'create' ? 'CREATE TABLE AS SELECT' : 'WRITE';
  const operationParameters: Record<string, string> = {
    mode: o.mode === 'create' ? 'ErrorIfExists' : o.mode === 'append' ? 'Append' : 'Overwrite',
    partitionBy: JSON.stringify(partitionColumns),
  };
  if (o.replaceWhere) operationParameters.predicate = JSON.stringify([o.replaceWhere]);
  const operationMetrics: Record<string, string> = {
    numFiles: String(adds.length),
    numOutputRows: String(adds.reduce((s, a) => s + numRecords(a), 0)),
    numOutputBytes: String(adds.reduce((s, a) => s + a.size, 0)),
  };
  if (o.mode === 'overwrite') {
    operationMetrics.numRemovedFiles = String(removed.length);
    operationMetrics.numRemovedBytes = String(removed.reduce((s, a) => s + a.size, 0));
    if (o.replaceWhere) operationMetrics.numRewrittenFiles = String(rewritten);
  }
  return { operation, operationParameters, operationMetrics };
}

/** Writes the data files of a request and returns the commit that would publish them. */
export async function buildWrite(conn: DuckDBConnection, tablePath: string, state: TableState | undefined, source: string, o: WriteOptions, clock: Clock): Promise<PendingCommit> {
  checkOptions(tablePath, state, o);
  const now = clock.now();
  const old = state?.snapshot;
  const replaceSchema = !old || (o.mode === 'overwrite' && !!o.overwriteSchema);
  const conformed = await conformSource(conn, source, replaceSchema ? undefined : parseSchemaString(old.metadata.schemaString, tablePath), { mergeSchema: o.mergeSchema, tablePath });
  const partitionColumns = replaceSchema ? (o.partitionBy ?? []) : old.metadata.partitionColumns;
  if (replaceSchema) validatePartitionColumns(tablePath, conformed.schema, partitionColumns);
  const schemaString = replaceSchema || conformed.schemaChanged ? JSON.stringify(conformed.schema) : old.metadata.schemaString;
  const metadata = newMetadata(state, schemaString, partitionColumns, o, now, replaceSchema);
  const metadataChanged = !old || JSON.stringify(old.metadata) !== JSON.stringify(metadata);
  const protocol = protocolFor(conformed.schema, old?.protocol);
  const protocolChanged = !old || JSON.stringify(old.protocol) !== JSON.stringify(protocol);

  const removals = await planRemovals(conn, old, o, conformed.query);
  const codec = metadata.configuration['delta.parquet.compression.codec'] ?? 'zstd';
  const stats = statsSettings(metadata.configuration, conformed.schema, partitionColumns);
  const adds = await writeDataFiles(conn, { tablePath, query: removals.query, schema: conformed.schema, partitionColumns, codec, stats, clock });

  const actions: Action[] = [];
  if (protocolChanged) actions.push({ protocol });
  if (metadataChanged) actions.push({ metaData: metadata });
  for (const r of removals.remove) actions.push({ remove: removeFor(r, now) });
  for (const a of adds) actions.push({ add: a });
  if (o.txn) actions.push({ txn: { appId: o.txn.appId, version: o.txn.version, lastUpdated: now } });
  return {
    tablePath,
    readState: state,
    actions,
    ...describeOperation(o, !old, partitionColumns, adds, removals.remove, removals.rewritten),
    footprint: {
      isBlindAppend: o.mode !== 'overwrite' && !metadataChanged && !protocolChanged,
      removedPaths: new Set(removals.remove.map((r) => r.path)),
      appIds: new Set(o.txn ? [o.txn.appId] : []),
      changesMetadata: metadataChanged || protocolChanged,
    },
  };
}
