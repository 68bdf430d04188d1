/**
 * RESTORE TABLE … TO VERSION AS OF n / TIMESTAMP AS OF t: one commit (dataChange=true) that re-adds the files of
 * the target version the table no longer has and removes the files it has that the target did not. The schema
 * (metaData) goes back too; the protocol never goes down. Fails when VACUUM already deleted a file it needs.
 */
import { access } from 'node:fs/promises';
import type { Clock } from '../../domain/clock.js';
import { WeirError } from '../../domain/weir-error.js';
import type { Action, AddFile } from '../actions.js';
import type { PendingCommit } from '../commit/commit-transaction.js';
import type { TableState } from '../commit/table-state.js';
import { dataFilePath } from '../scan/data-file-path.js';
import type { Snapshot } from '../snapshot.js';
import { removeAction } from '../dml/matching-files.js';
import { assertWritable } from '../write/table-protocol.js';

async function assertFilesExist(tablePath: string, files: AddFile[], version: number): Promise<void> {
  const missing: string[] = [];
  for (const f of files) await access(dataFilePath(tablePath, f.path)).catch(() => missing.push(f.path));
  if (missing.length === 0) return;
  throw new WeirError(
    'DELTA.FILE_NOT_FOUND',
    `RESTORE of ${tablePath} to version ${version} failed: ${missing.length} data file(s) of that version no longer exist (deleted by VACUUM?), e.g. ${missing.slice(0, 3).join(', ')}; restore to a newer version`,
    { params: { tablePath, version, missing: missing.slice(0, 20) } },
  );
}

function sum(files: AddFile[]): number {
  return files.reduce((n, f) => n + f.size, 0);
}

/** Builds the RESTORE commit from the current state and the snapshot of the version to go back to. */
export async function buildRestore(state: TableState, target: Snapshot, to: { version?: number; timestamp?: number }, clock: Clock): Promise<PendingCommit> {
  const current = state.snapshot;
  const now = clock.now();
  const currentPaths = new Set(current.files.map((f) => f.path));
  const targetPaths = new Set(target.files.map((f) => f.path));
  const restored = target.files.filter((f) => !currentPaths.has(f.path));
  const removed = current.files.filter((f) => !targetPaths.has(f.path));
  assertWritable(current.tablePath, current.protocol, current.metadata, removed.length > 0);
  await assertFilesExist(current.tablePath, restored, target.version);
  const metadataChanged = JSON.stringify(current.metadata) !== JSON.stringify(target.metadata);
  const actions: Action[] = [];
  if (metadataChanged) actions.push({ metaData: target.metadata });
  for (const f of removed) actions.push({ remove: removeAction(f, now) });
  for (const f of restored) actions.push({ add: { ...f, dataChange: true, modificationTime: now } });
  const parameters: Record<string, string> = to.timestamp !== undefined ? { timestamp: new Date(to.timestamp).toISOString() } : { version: String(target.version) };
  return {
    tablePath: current.tablePath,
    readState: state,
    actions,
    operation: 'RESTORE',
    operationParameters: parameters,
    operationMetrics: {
      tableSizeAfterRestore: String(sum(target.files)),
      numOfFilesAfterRestore: String(target.files.length),
      numRemovedFiles: String(removed.length),
      numRestoredFiles: String(restored.length),
      removedFilesSize: String(sum(removed)),
      restoredFilesSize: String(sum(restored)),
    },
    footprint: { isBlindAppend: false, removedPaths: new Set(removed.map((f) => f.path)), appIds: new Set(), changesMetadata: metadataChanged },
  };
}
