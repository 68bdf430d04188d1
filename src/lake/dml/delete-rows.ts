/**
 * DELETE FROM table WHERE predicate: files without matching rows stay; files whose rows all match are removed;
 * files with some matching rows are removed and their other rows written to new files. One commit, operation
 * DELETE, with Spark's metrics (numRemovedFiles, numAddedFiles, numDeletedRows, numCopiedRows).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Clock } from '../../domain/clock.js';
import type { Action } from '../actions.js';
import type { PendingCommit } from '../commit/commit-transaction.js';
import type { TableState } from '../commit/table-state.js';
import { assertWritable } from '../write/table-protocol.js';
import { tableScanSql } from '../write/table-scan-sql.js';
import { matchingFiles, matchSql, removeAction } from './matching-files.js';
import { writeTableRows } from './write-table-rows.js';

/** Builds (and writes the data files of) the DELETE commit; `predicate` undefined deletes every row. */
export async function buildDelete(conn: DuckDBConnection, state: TableState, predicate: string | undefined, clock: Clock): Promise<PendingCommit> {
  const { snapshot } = state;
  assertWritable(snapshot.tablePath, snapshot.protocol, snapshot.metadata, true);
  const now = clock.now();
  const { matches, filesScanned } = await matchingFiles(conn, snapshot, predicate, `DELETE predicate "${predicate ?? ''}" on ${snapshot.tablePath}`);
  const partial = matches.filter((m) => m.matched < m.total).map((m) => m.file);
  let adds: Awaited<ReturnType<typeof writeTableRows>> = [];
  if (partial.length > 0) {
    const scan = await tableScanSql(conn, snapshot, { files: partial });
    adds = await writeTableRows(conn, snapshot, `SELECT * FROM (${scan}) WHERE NOT ${matchSql(predicate)}`, clock);
  }
  const actions: Action[] = [...matches.map((m) => ({ remove: removeAction(m.file, now) })), ...adds.map((a) => ({ add: a }))];
  const deleted = matches.reduce((s, m) => s + m.matched, 0);
  const copied = matches.reduce((s, m) => s + m.total - m.matched, 0);
  return {
    tablePath: snapshot.tablePath,
    readState: state,
    actions,
    operation: 'DELETE',
    operationParameters: { predicate: JSON.stringify(predicate ? [predicate] : []) },
    operationMetrics: {
      numRemovedFiles: String(matches.length),
      numAddedFiles: String(adds.length),
      numDeletedRows: String(deleted),
      numCopiedRows: String(copied),
      numFilesScanned: String(filesScanned),
      numRemovedBytes: String(matches.reduce((s, m) => s + m.file.size, 0)),
      numAddedBytes: String(adds.reduce((s, a) => s + a.size, 0)),
    },
    footprint: {
      isBlindAppend: false,
      removedPaths: new Set(matches.map((m) => m.file.path)),
      appIds: new Set(),
      changesMetadata: false,
      readPaths: new Set(matches.map((m) => m.file.path)),
      readsNewData: true,
    },
  };
}
