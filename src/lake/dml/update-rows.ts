/**
 * UPDATE table SET col = expr, … WHERE predicate: only files with matching rows are rewritten (every row of such a
 * file is written again, the matching ones with the new values). One commit, operation UPDATE, with Spark's
 * metrics (numUpdatedRows, numCopiedRows, numAddedFiles, numRemovedFiles).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Clock } from '../../domain/clock.js';
import { WeirError } from '../../domain/weir-error.js';
import type { Action } from '../actions.js';
import type { PendingCommit } from '../commit/commit-transaction.js';
import type { TableState } from '../commit/table-state.js';
import { assertWritable } from '../write/table-protocol.js';
import { tableScanSql } from '../write/table-scan-sql.js';
import { quoteIdent } from '../write/delta-schema.js';
import { matchingFiles, matchSql, removeAction } from './matching-files.js';
import { tableSchema, typedColumns, writeTableRows } from './write-table-rows.js';

/** SET assignments (column → DuckDB SQL over the old row) and an optional WHERE predicate. */
export interface UpdateSpec {
  set: Record<string, string>;
  where?: string;
}

/** Resolves SET column names case-insensitively against the schema; unknown columns fail with the column list. */
function resolveAssignments(columns: string[], set: Record<string, string>, tablePath: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, expr] of Object.entries(set)) {
    const col = columns.find((c) => c === name) ?? columns.find((c) => c.toLowerCase() === name.toLowerCase());
    if (!col) {
      throw new WeirError('VALIDATION.INVALID', `UPDATE on ${tablePath}: set.${name} is not a column of the table (columns: ${columns.join(', ')}); fix the SET clause`, { params: { column: name } });
    }
    out.set(col, expr);
  }
  if (out.size === 0) throw new WeirError('VALIDATION.INVALID', `UPDATE on ${tablePath} has an empty SET clause; assign at least one column`, { params: { tablePath } });
  return out;
}

/** Builds (and writes the data files of) the UPDATE commit. */
export async function buildUpdate(conn: DuckDBConnection, state: TableState, spec: UpdateSpec, clock: Clock): Promise<PendingCommit> {
  const { snapshot } = state;
  assertWritable(snapshot.tablePath, snapshot.protocol, snapshot.metadata, true);
  const schema = tableSchema(snapshot);
  const assignments = resolveAssignments(schema.fields.map((f) => f.name), spec.set, snapshot.tablePath);
  const now = clock.now();
  const what = `UPDATE on ${snapshot.tablePath}`;
  const { matches, filesScanned } = await matchingFiles(conn, snapshot, spec.where, what);
  let adds: Awaited<ReturnType<typeof writeTableRows>> = [];
  if (matches.length > 0) {
    const scan = await tableScanSql(conn, snapshot, { files: matches.map((m) => m.file) });
    const cols = typedColumns(schema, (c) => {
      const expr = assignments.get(c);
      return expr === undefined ? undefined : `CASE WHEN __weir_match THEN (${expr}) ELSE ${quoteIdent(c)} END`;
    });
    adds = await writeTableRows(conn, snapshot, `SELECT ${cols} FROM (SELECT *, ${matchSql(spec.where)} AS __weir_match FROM (${scan}))`, clock);
  }
  const actions: Action[] = [...matches.map((m) => ({ remove: removeAction(m.file, now) })), ...adds.map((a) => ({ add: a }))];
  const updated = matches.reduce((s, m) => s + m.matched, 0);
  return {
    tablePath: snapshot.tablePath,
    readState: state,
    actions,
    operation: 'UPDATE',
    operationParameters: { predicate: JSON.stringify(spec.where ? [spec.where] : []) },
    operationMetrics: {
      numUpdatedRows: String(updated),
      numCopiedRows: String(matches.reduce((s, m) => s + m.total, 0) - updated),
      numAddedFiles: String(adds.length),
      numRemovedFiles: String(matches.length),
      numFilesScanned: String(filesScanned),
      numAddedBytes: String(adds.reduce((s, a) => s + a.size, 0)),
      numRemovedBytes: String(matches.reduce((s, m) => s + m.file.size, 0)),
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
