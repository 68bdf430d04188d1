/**
 * Decides whether a transaction can still commit after other writers committed versions it did not read
 * (optimistic concurrency, the conflict classes of delta-rs/Spark at WriteSerializable): a blind append
 * commutes with other appends; anything that read the table (overwrite, replaceWhere) conflicts with any
 * concurrent data change; everyone conflicts with a protocol/metadata change, a remove of the same file and a
 * txn for the same appId.
 */
import type { Action } from '../actions.js';
import { WeirError } from '../../domain/weir-error.js';

/** What the pending transaction did, as far as conflicts are concerned. */
export interface TransactionFootprint {
  operation: string;
  readVersion: number;
  /** True when the transaction only adds files and read nothing of the table's data. */
  isBlindAppend: boolean;
  /** Paths the transaction removes. */
  removedPaths: ReadonlySet<string>;
  /** appIds of the txn actions it writes. */
  appIds: ReadonlySet<string>;
  /** True when it writes metaData or protocol. */
  changesMetadata: boolean;
  /**
   * DML and OPTIMIZE: the files whose rows the transaction read. When set, a concurrent blind append does not
   * conflict (WriteSerializable); a concurrent remove of a read file does, and so does any other concurrent data
   * change when `readsNewData` (DELETE/UPDATE/MERGE could have matched the new rows; OPTIMIZE could not).
   */
  readPaths?: ReadonlySet<string>;
  readsNewData?: boolean;
}

/** The conflict of a DML/OPTIMIZE transaction (one with readPaths) against a winning commit. */
function readConflict(winner: Action[], tx: TransactionFootprint, readPaths: ReadonlySet<string>): string | undefined {
  const removed = winner.find((a) => 'remove' in a && readPaths.has(a.remove.path));
  if (removed && 'remove' in removed) return `it removed ${removed.remove.path}, which this ${tx.operation} read`;
  const blind = winner.some((a) => 'commitInfo' in a && a.commitInfo.isBlindAppend === true);
  if (blind || !tx.readsNewData) return undefined;
  // A concurrent remove of a file this transaction did not read leaves its result unchanged (Spark's
  // ConcurrentDeleteReadException, too, is only about read files): two DELETEs of different partitions both commit.
  // Added rows are another matter: they might match this transaction's predicate.
  const added = winner.find((a) => 'add' in a && a.add.dataChange);
  if (added && 'add' in added) return `it added ${added.add.path} with rows this ${tx.operation} may have had to change`;
  return undefined;
}

/** Why a winning commit conflicts with the footprint, or undefined when the transaction may retry on top of it. */
export function conflictReason(winner: Action[], tx: TransactionFootprint): string | undefined {
  for (const a of winner) {
    if ('protocol' in a) return 'it changed the table protocol';
    if ('metaData' in a) return 'it changed the table metadata (schema, partitioning or properties)';
    if ('txn' in a && tx.appIds.has(a.txn.appId)) return `it committed a txn for the same appId "${a.txn.appId}"`;
    if ('remove' in a && tx.removedPaths.has(a.remove.path)) return `both transactions removed the file ${a.remove.path}`;
  }
  if (tx.changesMetadata) {
    if (winner.some((a) => 'add' in a || 'remove' in a)) return 'it changed data files while this transaction changed the table metadata';
  }
  if (tx.readPaths) return readConflict(winner, tx, tx.readPaths);
  if (!tx.isBlindAppend) {
    const change = winner.find((a) => ('add' in a && a.add.dataChange) || ('remove' in a && a.remove.dataChange));
    if (change) {
      const path = 'add' in change ? change.add.path : 'remove' in change ? change.remove.path : '';
      return `it ${'add' in change ? 'added' : 'removed'} ${path} in data this ${tx.operation} read`;
    }
  }
  return undefined;
}

/** The error for a lost race that cannot be retried. */
export function concurrentModification(tablePath: string, tx: TransactionFootprint, winnerVersion: number, reason: string): WeirError {
  return new WeirError(
    'DELTA.CONCURRENT_MODIFICATION',
    `${tx.operation} on ${tablePath} (read at version ${tx.readVersion}) lost to version ${winnerVersion}: ${reason}; re-run the operation against the new version`,
    { params: { tablePath, readVersion: tx.readVersion, winnerVersion, reason }, retryable: true },
  );
}
