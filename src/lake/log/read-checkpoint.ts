/**
 * Reads the actions of a checkpoint: classic or multi-part Parquet (all parts at once), or a V2 UUID-named
 * checkpoint (JSON or Parquet) including the add/remove actions of its sidecar files in `_delta_log/_sidecars/`.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Action } from '../actions.js';
import { sqlIdent, sqlString } from '../schema/duckdb-type.js';
import type { CheckpointRef } from './log-listing.js';
import { toAction } from './parse-actions.js';
import { parseCommitText } from './read-commit.js';

const ACTION_COLUMNS = ['protocol', 'metaData', 'txn', 'domainMetadata', 'add', 'remove', 'checkpointMetadata', 'sidecar'];

/** The actions stored in Parquet checkpoint/sidecar files (one action per row, one struct column per kind). */
export async function readParquetActions(conn: DuckDBConnection, files: string[]): Promise<Action[]> {
  const source = `read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = false, union_by_name = true)`;
  const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  const present = described.getRowObjectsJson().map((r) => String(r.column_name)).filter((c) => ACTION_COLUMNS.includes(c));
  if (present.length === 0) return [];
  const select = present.map((c) => `to_json(${sqlIdent(c)})::VARCHAR AS ${sqlIdent(c)}`).join(', ');
  const reader = await conn.runAndReadAll(`SELECT ${select} FROM ${source}`);
  const out: Action[] = [];
  for (const row of reader.getRowsJson()) {
    for (let i = 0; i < present.length; i++) {
      const v = row[i];
      if (v === null || v === undefined) continue;
      const action = toAction(present[i], JSON.parse(String(v)));
      if (action) out.push(action);
    }
  }
  return out;
}

function sidecarFile(logDir: string, path: string): string {
  if (path.startsWith('file:')) return fileURLToPath(path);
  const decoded = decodeURIComponent(path);
  return isAbsolute(decoded) ? decoded : join(logDir, '_sidecars', decoded);
}

/** All actions of a checkpoint; sidecar references are replaced by the sidecars' add/remove actions. */
export async function readCheckpoint(conn: DuckDBConnection, ref: CheckpointRef, logDir: string): Promise<Action[]> {
  const file = ref.files[0];
  const top = file.endsWith('.json') ? parseCommitText(await readFile(file, 'utf8'), file) : await readParquetActions(conn, ref.files);
  const sidecars: string[] = [];
  const out: Action[] = [];
  for (const a of top) {
    if ('sidecar' in a) sidecars.push(sidecarFile(logDir, a.sidecar.path));
    else if (!('checkpointMetadata' in a) && !('commitInfo' in a)) out.push(a);
  }
  if (sidecars.length > 0) {
    for (const a of await readParquetActions(conn, sidecars)) if ('add' in a || 'remove' in a) out.push(a);
  }
  return out;
}
