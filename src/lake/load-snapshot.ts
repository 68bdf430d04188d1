/**
 * Loads the snapshot of a Delta table at a version (default latest) or a timestamp: lists `_delta_log`, starts from
 * the newest readable checkpoint at or below the target (falling back to older ones, then to commit 0), replays
 * the JSON commits after it and refuses tables whose reader features weir does not implement.
 */
import { resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { WeirError } from '../domain/weir-error.js';
import type { Action, CommitInfo, RemoveFile } from './actions.js';
import { versionAtTimestamp, versionTimestamp } from './log/commit-timestamp.js';
import { logConnection } from './log/log-connection.js';
import { latestVersion, listLog, type LogListing } from './log/log-listing.js';
import { LogReplay } from './log/log-replay.js';
import { readCheckpoint } from './log/read-checkpoint.js';
import { readCommitFile } from './log/read-commit.js';
import { assertReadable } from './reader-features.js';
import type { Snapshot } from './snapshot.js';

/** Which version to load, and optionally the DuckDB connection to read Parquet checkpoints with. */
export interface LoadSnapshotOptions {
  version?: number;
  /** Time travel (ms since epoch): the newest version committed at or before this time. */
  timestamp?: number;
  conn?: DuckDBConnection;
}

/** A snapshot plus what the reader learnt on the way (tombstones for VACUUM, the version's commitInfo). */
export interface LoadedSnapshot extends Snapshot {
  /** Removes not superseded by a later add (kept until retention expires). */
  tombstones: RemoveFile[];
  /** The commitInfo of the snapshot's version, when its commit file still exists. */
  commitInfo?: CommitInfo;
  /** The checkpoint the replay started from, or -1 when it replayed from commit 0. */
  checkpointVersion: number;
}

function targetVersionError(tablePath: string, version: number, latest: number): WeirError {
  return new WeirError('DELTA.VERSION_NOT_FOUND', `version ${version} of the Delta table at ${tablePath} does not exist; the latest version is ${latest}`, { params: { tablePath, version, latest } });
}

async function resolveTarget(listing: LogListing, tablePath: string, opts: LoadSnapshotOptions): Promise<number> {
  const latest = latestVersion(listing);
  if (latest < 0 || (!listing.commits.has(0) && listing.checkpoints.length === 0)) {
    const what = latest < 0 ? 'holds no commit and no checkpoint' : 'has neither commit 0 nor a checkpoint to start from';
    throw new WeirError('DELTA.NOT_A_TABLE', `${tablePath} is not a readable Delta table: ${listing.logDir} ${what}; check the path or create the table first`, { params: { tablePath } });
  }
  if (opts.timestamp !== undefined && opts.version !== undefined) {
    throw new WeirError('VALIDATION.INVALID', `time travel on ${tablePath} got both version ${opts.version} and timestamp ${opts.timestamp}; pass only one`, { params: { tablePath } });
  }
  if (opts.timestamp !== undefined) return versionAtTimestamp(listing, tablePath, opts.timestamp);
  if (opts.version === undefined) return latest;
  if (!Number.isInteger(opts.version) || opts.version < 0 || opts.version > latest) throw targetVersionError(tablePath, opts.version, latest);
  return opts.version;
}

async function startingPoint(conn: DuckDBConnection, listing: LogListing, target: number): Promise<{ version: number; actions: Action[] }> {
  for (const ref of listing.checkpoints) {
    if (ref.version > target) continue;
    let actions: Action[];
    try {
      actions = await readCheckpoint(conn, ref, listing.logDir);
    } catch {
      continue; // truncated or half-deleted checkpoint (delta #7174, delta-rs #2258): try an older one
    }
    // A checkpoint without protocol or metaData is incomplete, however readable the file is.
    if (actions.some((a) => 'protocol' in a) && actions.some((a) => 'metaData' in a)) return { version: ref.version, actions };
  }
  return { version: -1, actions: [] };
}

/** Loads the table at `tablePath` (the folder holding `_delta_log`) at the requested version. */
export async function loadSnapshot(tablePath: string, opts: LoadSnapshotOptions = {}): Promise<LoadedSnapshot> {
  const root = resolve(tablePath);
  const listing = await listLog(root);
  const target = await resolveTarget(listing, root, opts);
  const conn = opts.conn ?? (await logConnection());
  let start: { version: number; actions: Action[] };
  try {
    start = await startingPoint(conn, listing, target);
  } finally {
    if (!opts.conn) conn.closeSync();
  }
  const replay = new LogReplay(root);
  replay.apply(start.actions);
  let last: Action[] | undefined;
  for (let v = start.version + 1; v <= target; v++) {
    const file = listing.commits.get(v);
    if (file === undefined) {
      const why = start.version < 0 ? 'no checkpoint at or below it and' : `the checkpoint at ${start.version} is followed by`;
      throw new WeirError('DELTA.VERSION_NOT_FOUND', `version ${target} of the Delta table at ${root} cannot be reconstructed: ${why} a missing commit ${v} (cleaned up or never written); pick a version the log still covers`, { params: { tablePath: root, version: target, missing: v } });
    }
    last = await readCommitFile(file, v, root);
    replay.apply(last);
  }
  return finish(replay, listing, root, target, start.version, last);
}

async function finish(replay: LogReplay, listing: LogListing, root: string, target: number, checkpointVersion: number, last: Action[] | undefined): Promise<LoadedSnapshot> {
  const { protocol, metadata } = replay;
  if (!protocol || !metadata) {
    throw new WeirError('DELTA.LOG_CORRUPT', `the Delta log of ${root} up to version ${target} has no ${protocol ? 'metaData' : 'protocol'} action; the table is damaged (version 0 or the checkpoint must carry one)`, { params: { tablePath: root, version: target } });
  }
  assertReadable(protocol, root);
  const actions = last ?? (listing.commits.has(target) ? await readCommitFile(listing.commits.get(target) as string, target, root) : []);
  const commitInfo = actions.find((a): a is { commitInfo: CommitInfo } => 'commitInfo' in a)?.commitInfo;
  return {
    tablePath: root,
    version: target,
    protocol,
    metadata,
    files: [...replay.files.values()],
    txns: replay.txns,
    domainMetadata: replay.domainMetadata,
    timestamp: await versionTimestamp(listing, target, root, listing.commits.has(target) ? actions : undefined),
    tombstones: [...replay.tombstones.values()],
    commitInfo,
    checkpointVersion,
  };
}
