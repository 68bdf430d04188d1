/** The versions of a table the log can still reconstruct, with their (monotonised) commit timestamps. */
import { resolve } from 'node:path';
import { versionTimestamps } from './commit-timestamp.js';
import { listLog } from './log-listing.js';

/** One version of a table and when it was committed (ms). */
export interface VersionInfo {
  version: number;
  timestamp: number;
}

/** Every version with a commit or checkpoint file, ascending; DELTA.NOT_A_TABLE when there is no `_delta_log`. */
export async function listVersions(tablePath: string): Promise<VersionInfo[]> {
  const root = resolve(tablePath);
  return versionTimestamps(await listLog(root), root);
}
