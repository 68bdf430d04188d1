import type { AddFile, DomainMetadata, Metadata, Protocol } from './actions.js';

/**
 * The state of a Delta table at one version, reconstructed from the log (newest usable checkpoint, then the
 * JSON commits after it). Immutable: a writer commits against the snapshot it read (its readVersion).
 */
export interface Snapshot {
  /** Absolute path of the table root (the folder that holds `_delta_log`). */
  tablePath: string;
  version: number;
  protocol: Protocol;
  metadata: Metadata;
  /** Live data files after add/remove reconciliation, keyed in log order. */
  files: AddFile[];
  /** Latest txn version per appId. */
  txns: ReadonlyMap<string, number>;
  /** Live (not removed) domain metadata per domain. */
  domainMetadata: ReadonlyMap<string, DomainMetadata>;
  /** Commit timestamp (ms) of `version`: inCommitTimestamp when enabled, else commitInfo.timestamp / file mtime. */
  timestamp: number;
}
