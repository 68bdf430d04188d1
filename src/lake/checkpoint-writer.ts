/**
 * Writes a classic single-file V1 checkpoint (`<v>.checkpoint.parquet`) in the protocol's checkpoint schema
 * with Spark's column types (one row per action; struct columns protocol, metaData, add, remove, txn,
 * domainMetadata; `add.stats` as a JSON string; partitionValues/configuration as MAP<string,string>), then
 * `_last_checkpoint`. Both land via temp file + rename, so a crash leaves no partial checkpoint under a real name.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DELTA_LOG_DIR, versionStem, type Action } from './actions.js';
import type { TableState } from './commit/table-state.js';
import { quoteLiteral } from './write/delta-schema.js';

const MAP = 'MAP(VARCHAR, VARCHAR)';
const DV = 'STRUCT(storageType VARCHAR, pathOrInlineDv VARCHAR, "offset" INTEGER, sizeInBytes INTEGER, cardinality BIGINT, maxRowIndex BIGINT)';

/** The checkpoint's columns and their DuckDB types (Spark's Parquet layout). */
export const CHECKPOINT_COLUMNS: Record<string, string> = {
  txn: 'STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)',
  add: `STRUCT(path VARCHAR, partitionValues ${MAP}, size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags ${MAP}, deletionVector ${DV}, baseRowId BIGINT, defaultRowCommitVersion BIGINT, clusteringProvider VARCHAR)`,
  remove: `STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, partitionValues ${MAP}, size BIGINT, deletionVector ${DV}, baseRowId BIGINT, defaultRowCommitVersion BIGINT)`,
  metaData: `STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, options ${MAP}), schemaString VARCHAR, partitionColumns VARCHAR[], configuration ${MAP}, createdTime BIGINT)`,
  protocol: 'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], writerFeatures VARCHAR[])',
  domainMetadata: 'STRUCT(domain VARCHAR, configuration VARCHAR, removed BOOLEAN)',
};

const UNIT_MS: Record<string, number> = { millisecond: 1, second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000 };

/** Parses a Delta interval property (`interval 1 week`, `interval 7 days`) to ms; `fallback` when unreadable. */
export function parseIntervalMs(value: string | undefined, fallback: number): number {
  const m = /^\s*(?:interval\s+)?(\d+)\s+(millisecond|second|minute|hour|day|week)s?\s*$/i.exec(value ?? '');
  return m ? Number(m[1]) * UNIT_MS[m[2].toLowerCase()] : fallback;
}

/** The actions a checkpoint at the state's version holds: protocol, metaData, txns, domains, live adds, unexpired removes. */
export function checkpointActions(state: TableState, now: number): Action[] {
  const { snapshot } = state;
  const retention = parseIntervalMs(snapshot.metadata.configuration['delta.deletedFileRetentionDuration'], 604_800_000);
  const out: Action[] = [{ protocol: snapshot.protocol }, { metaData: snapshot.metadata }];
  for (const [appId, version] of snapshot.txns) out.push({ txn: { appId, version } });
  for (const d of snapshot.domainMetadata.values()) out.push({ domainMetadata: d });
  for (const add of snapshot.files) out.push({ add: { ...add, dataChange: false } });
  for (const rm of state.tombstones.values()) {
    if ((rm.deletionTimestamp ?? 0) > now - retention) {
      const { stats: _stats, tags: _tags, ...rest } = rm;
      out.push({ remove: { ...rest, dataChange: false } });
    }
  }
  return out;
}

/** Writes the checkpoint for the state's version and updates `_last_checkpoint`. */
export async function writeCheckpoint(conn: DuckDBConnection, state: TableState, now: number): Promise<void> {
  const logDir = join(state.snapshot.tablePath, DELTA_LOG_DIR);
  const version = state.snapshot.version;
  const actions = checkpointActions(state, now);
  const id = randomUUID();
  const jsonTmp = join(logDir, `.checkpoint-${id}.ndjson.tmp`);
  const parquetTmp = join(logDir, `.checkpoint-${id}.parquet.tmp`);
  const final = join(logDir, `${versionStem(version)}.checkpoint.parquet`);
  try {
    await writeFile(jsonTmp, actions.map((a) => JSON.stringify(a)).join('\n') + '\n');
    const columns = Object.entries(CHECKPOINT_COLUMNS).map(([k, t]) => `${quoteLiteral(k)}: ${quoteLiteral(t)}`).join(', ');
    const select = `SELECT ${Object.keys(CHECKPOINT_COLUMNS).map((k) => `"${k}"`).join(', ')} FROM read_json(${quoteLiteral(jsonTmp)}, format = 'newline_delimited', columns = {${columns}}, maximum_object_size = 1073741824)`;
    await conn.run(`COPY (${select}) TO ${quoteLiteral(parquetTmp)} (FORMAT parquet, COMPRESSION snappy)`);
    await rename(parquetTmp, final);
  } finally {
    await unlink(jsonTmp).catch(() => undefined);
    await unlink(parquetTmp).catch(() => undefined);
  }
  const sizeInBytes = (await stat(final)).size;
  const numOfAddFiles = state.snapshot.files.length;
  const last = JSON.stringify({ version, size: actions.length, sizeInBytes, numOfAddFiles });
  const current = await readFile(join(logDir, '_last_checkpoint'), 'utf8').then((t) => Number((JSON.parse(t) as { version?: number }).version), () => -1);
  if (current > version) return; // a newer checkpoint already landed; never move the hint backwards
  const lastTmp = join(logDir, `._last_checkpoint.${id}.tmp`);
  await writeFile(lastTmp, last);
  await rename(lastTmp, join(logDir, '_last_checkpoint'));
}
