/**
 * The timestamp of a version: `commitInfo.inCommitTimestamp` when the writer recorded one (in-commit timestamps),
 * else `commitInfo.timestamp`, else the modification time of the commit (or checkpoint) file. Time travel by
 * timestamp picks the newest version at or before a time, with timestamps made strictly increasing the way Spark
 * does (a version is never older than the one before it, +1 ms).
 */
import { WeirError } from '../../domain/weir-error.js';
import type { Action } from '../actions.js';
import { fileMtime, type LogListing } from './log-listing.js';
import { readCommitFile } from './read-commit.js';

/** The recorded time of a commit's actions, or undefined when its commitInfo has none. */
export function recordedTimestamp(actions: Action[]): number | undefined {
  for (const a of actions) {
    if (!('commitInfo' in a)) continue;
    const ict = a.commitInfo.inCommitTimestamp;
    if (typeof ict === 'number') return ict;
    if (typeof a.commitInfo.timestamp === 'number') return a.commitInfo.timestamp;
  }
  return undefined;
}

/** The timestamp (ms) of `version`; `actions` avoids re-reading a commit the caller already has. */
export async function versionTimestamp(listing: LogListing, version: number, tablePath: string, actions?: Action[]): Promise<number> {
  const commit = listing.commits.get(version);
  if (commit !== undefined) {
    const recorded = recordedTimestamp(actions ?? (await readCommitFile(commit, version, tablePath)));
    return recorded ?? (await fileMtime(commit));
  }
  const checkpoint = listing.checkpoints.find((c) => c.version === version);
  if (checkpoint) return fileMtime(checkpoint.files[0]);
  throw new WeirError('DELTA.VERSION_NOT_FOUND', `version ${version} of the Delta table at ${tablePath} has no commit or checkpoint file`, { params: { tablePath, version } });
}

/** Every reconstructable version (ascending) with its monotonised timestamp, stopping after one past `until`. */
export async function versionTimestamps(listing: LogListing, tablePath: string, until = Infinity): Promise<Array<{ version: number; timestamp: number }>> {
  const versions = new Set<number>(listing.commits.keys());
  for (const c of listing.checkpoints) versions.add(c.version);
  const out: Array<{ version: number; timestamp: number }> = [];
  let previous = -Infinity;
  for (const version of [...versions].sort((a, b) => a - b)) {
    const raw = await versionTimestamp(listing, version, tablePath);
    const timestamp = Math.max(raw, previous + 1);
    out.push({ version, timestamp });
    previous = timestamp;
    if (timestamp > until) break; // monotonised timestamps only grow: no later version can qualify
  }
  return out;
}

/** The newest version whose timestamp is at or before `timestamp` (ms); DELTA.VERSION_NOT_FOUND when none is. */
export async function versionAtTimestamp(listing: LogListing, tablePath: string, timestamp: number): Promise<number> {
  const all = await versionTimestamps(listing, tablePath, timestamp);
  let found: number | undefined;
  for (const v of all) if (v.timestamp <= timestamp) found = v.version;
  if (found === undefined) {
    const first = all[0];
    throw new WeirError('DELTA.VERSION_NOT_FOUND', `the Delta table at ${tablePath} has no version at or before ${new Date(timestamp).toISOString()}; its oldest available version ${first?.version ?? '?'} is from ${first ? new Date(first.timestamp).toISOString() : '?'} — pick a later timestamp`, { params: { tablePath, timestamp } });
  }
  return found;
}
