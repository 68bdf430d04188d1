/**
 * Delta Lake log actions, with the field names of the Delta protocol (PROTOCOL.md §Actions). One line of a
 * commit file `_delta_log/<version>.json` is one object with exactly one of these keys.
 * Shared by the reader (log replay, snapshots) and the writer (commits, checkpoints).
 */

/** `protocol`: the reader/writer versions and, at 3/7, the table features a client must support. */
export interface Protocol {
  minReaderVersion: number;
  minWriterVersion: number;
  readerFeatures?: string[];
  writerFeatures?: string[];
}

/** `metaData`: table id, schema (as a JSON string), partition columns and table properties. */
export interface Metadata {
  id: string;
  name?: string | null;
  description?: string | null;
  format: { provider: string; options?: Record<string, string> };
  schemaString: string;
  partitionColumns: string[];
  configuration: Record<string, string>;
  createdTime?: number | null;
}

/** A deletion vector descriptor (PROTOCOL §Deletion Vectors). */
export interface DeletionVectorDescriptor {
  /** 'u' = relative path from a Z85-encoded UUID, 'i' = inline Z85 bitmap, 'p' = absolute path. */
  storageType: 'u' | 'i' | 'p';
  pathOrInlineDv: string;
  offset?: number;
  sizeInBytes: number;
  cardinality: number;
}

/** `add`: a data file that becomes part of the table. `path` is a URI relative to the table root (or absolute). */
export interface AddFile {
  path: string;
  /** Partition column → serialized value; null (or, in old logs, '') means the null partition. */
  partitionValues: Record<string, string | null>;
  size: number;
  modificationTime: number;
  dataChange: boolean;
  /** Per-file statistics as a JSON string: {numRecords, minValues, maxValues, nullCount, tightBounds}. */
  stats?: string | null;
  tags?: Record<string, string> | null;
  deletionVector?: DeletionVectorDescriptor | null;
  baseRowId?: number | null;
  defaultRowCommitVersion?: number | null;
  clusteringProvider?: string | null;
}

/** `remove`: a logical delete of a file (tombstone, kept until VACUUM's retention passes). */
export interface RemoveFile {
  path: string;
  deletionTimestamp?: number | null;
  dataChange: boolean;
  extendedFileMetadata?: boolean | null;
  partitionValues?: Record<string, string | null> | null;
  size?: number | null;
  stats?: string | null;
  tags?: Record<string, string> | null;
  deletionVector?: DeletionVectorDescriptor | null;
  baseRowId?: number | null;
  defaultRowCommitVersion?: number | null;
}

/** `txn`: the last version an application (e.g. a streaming writer) committed; makes its writes idempotent. */
export interface Txn {
  appId: string;
  version: number;
  lastUpdated?: number | null;
}

/** `commitInfo`: free-form provenance (operation, parameters, metrics as strings); not kept in checkpoints. */
export interface CommitInfo {
  timestamp?: number;
  inCommitTimestamp?: number;
  operation?: string;
  operationParameters?: Record<string, unknown>;
  readVersion?: number;
  isolationLevel?: string;
  isBlindAppend?: boolean;
  operationMetrics?: Record<string, string>;
  engineInfo?: string;
  txnId?: string;
  userMetadata?: string;
  [key: string]: unknown;
}

/** `cdc`: a change-data file under `_change_data/` with a `_change_type` column. */
export interface AddCdcFile {
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  dataChange: boolean;
  tags?: Record<string, string> | null;
}

/** `domainMetadata`: named configuration owned by a feature or a writer; `removed` is a tombstone. */
export interface DomainMetadata {
  domain: string;
  configuration: string;
  removed: boolean;
}

/** One action, as it appears on one line of a commit file. */
export type Action =
  | { protocol: Protocol }
  | { metaData: Metadata }
  | { add: AddFile }
  | { remove: RemoveFile }
  | { txn: Txn }
  | { commitInfo: CommitInfo }
  | { cdc: AddCdcFile }
  | { domainMetadata: DomainMetadata }
  | { checkpointMetadata: { version: number; tags?: Record<string, string> | null } }
  | { sidecar: { path: string; sizeInBytes: number; modificationTime: number; tags?: Record<string, string> | null } };

/** The folder of the log inside a table. */
export const DELTA_LOG_DIR = '_delta_log';

/** The zero-padded 20-digit file name stem of a version (`00000000000000000012`). */
export function versionStem(version: number): string {
  return String(version).padStart(20, '0');
}
