/**
 * Lists a table's `_delta_log`: JSON commits and the checkpoints (classic, multi-part, V2 UUID-named) by version.
 * Everything else (`.crc`, `.tmp` leftovers, hidden files, compactions, `_last_checkpoint`) is ignored: listing is
 * the source of truth, so a missing, stale or dangling `_last_checkpoint` hint cannot mislead the reader.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { WeirError } from '../../domain/weir-error.js';
import { DELTA_LOG_DIR } from '../actions.js';

/** One checkpoint of a version: its files (several for multi-part) and its kind. */
export interface CheckpointRef {
  version: number;
  kind: 'classic' | 'multi-part' | 'v2';
  files: string[];
}

/** The versions and checkpoints found in `_delta_log`. */
export interface LogListing {
  logDir: string;
  /** Commit version → absolute path of `<v>.json`. */
  commits: Map<number, string>;
  /** Complete checkpoints, newest version first (classic before V2 before multi-part for one version). */
  checkpoints: CheckpointRef[];
}

const COMMIT = /^(\d{20})\.json$/;
const CLASSIC = /^(\d{20})\.checkpoint\.parquet$/;
const MULTI = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;
const V2 = /^(\d{20})\.checkpoint\.[0-9a-fA-F-]{36}\.(json|parquet)$/;
const KIND_ORDER = { classic: 0, v2: 1, 'multi-part': 2 } as const;

function multiPartSets(names: string[], logDir: string): CheckpointRef[] {
  const sets = new Map<string, { version: number; total: number; parts: Map<number, string> }>();
  for (const n of names) {
    const m = MULTI.exec(n);
    if (!m) continue;
    const key = `${m[1]}/${m[3]}`;
    const set = sets.get(key) ?? { version: Number(m[1]), total: Number(m[3]), parts: new Map<number, string>() };
    set.parts.set(Number(m[2]), join(logDir, n));
    sets.set(key, set);
  }
  const out: CheckpointRef[] = [];
  for (const s of sets.values()) {
    // A set with a missing part is incomplete (a crashed writer) and must be ignored (PROTOCOL §Checkpoints).
    if (s.parts.size !== s.total) continue;
    out.push({ version: s.version, kind: 'multi-part', files: [...s.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, f]) => f) });
  }
  return out;
}

/** Lists `<tablePath>/_delta_log`; DELTA.NOT_A_TABLE when the folder does not exist. */
export async function listLog(tablePath: string): Promise<LogListing> {
  const logDir = join(tablePath, DELTA_LOG_DIR);
  let names: string[];
  try {
    names = await readdir(logDir);
  } catch (e) {
    throw new WeirError('DELTA.NOT_A_TABLE', `${tablePath} is not a Delta table: ${logDir} does not exist or cannot be read; check the path (it must be the folder that holds _delta_log)`, { cause: e, params: { tablePath } });
  }
  const commits = new Map<number, string>();
  const checkpoints: CheckpointRef[] = multiPartSets(names, logDir);
  for (const n of names) {
    let m = COMMIT.exec(n);
    if (m) commits.set(Number(m[1]), join(logDir, n));
    else if ((m = CLASSIC.exec(n))) checkpoints.push({ version: Number(m[1]), kind: 'classic', files: [join(logDir, n)] });
    else if ((m = V2.exec(n))) checkpoints.push({ version: Number(m[1]), kind: 'v2', files: [join(logDir, n)] });
  }
  checkpoints.sort((a, b) => b.version - a.version || KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
  return { logDir, commits, checkpoints };
}

/** The newest version the log can reconstruct (max of commits and checkpoints); -1 when there is none. */
export function latestVersion(listing: LogListing): number {
  let latest = -1;
  for (const v of listing.commits.keys()) latest = Math.max(latest, v);
  for (const c of listing.checkpoints) latest = Math.max(latest, c.version);
  return latest;
}

/** The modification time (ms) of a log file, the timestamp of last resort for a version. */
export async function fileMtime(file: string): Promise<number> {
  return Math.floor((await stat(file)).mtimeMs);
}
