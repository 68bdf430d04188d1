/**
 * The writer's view of a table: a Snapshot plus the tombstones (live `remove`s) a checkpoint must carry.
 * Built by replaying the JSON commits (weir never deletes its own commit files) and advanced incrementally
 * by the commits that land after it, so a writer re-reads only what is new.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DELTA_LOG_DIR, versionStem, type Action, type AddFile, type DomainMetadata, type RemoveFile } from '../actions.js';
import type { Snapshot } from '../snapshot.js';
import { WeirError } from '../../domain/weir-error.js';

/** A snapshot plus its tombstones. */
export interface TableState {
  snapshot: Snapshot;
  tombstones: ReadonlyMap<string, RemoveFile>;
}

/** Parses one commit file's text into actions (blank lines ignored). */
export function parseCommit(text: string, where: string): Action[] {
  const out: Action[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as Action);
    } catch (e) {
      throw new WeirError('DELTA.LOG_CORRUPT', `${where}:${i + 1} is not valid JSON (${(e as Error).message}); the commit file is damaged`, { cause: e, params: { file: where, line: i + 1 } });
    }
  });
  return out;
}

/** Reads the actions of commit `version`; undefined when that commit does not exist. */
export async function readCommitActions(tablePath: string, version: number): Promise<Action[] | undefined> {
  const file = join(tablePath, DELTA_LOG_DIR, `${versionStem(version)}.json`);
  try {
    return parseCommit(await readFile(file, 'utf8'), file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The highest commit version in `_delta_log`, or -1 when the table has no commits. */
export async function latestCommitVersion(tablePath: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(join(tablePath, DELTA_LOG_DIR));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return -1;
    throw e;
  }
  let max = -1;
  for (const n of names) {
    const m = /^(\d{20})\.json$/.exec(n);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max;
}

/** Applies one commit's actions to a state, giving the state at `version`. */
export function applyCommit(prev: TableState | undefined, actions: Action[], version: number, tablePath: string): TableState {
  const files = new Map<string, AddFile>(prev ? prev.snapshot.files.map((f) => [f.path, f]) : []);
  const tombstones = new Map(prev?.tombstones ?? []);
  const txns = new Map(prev?.snapshot.txns ?? []);
  const domains = new Map<string, DomainMetadata>(prev?.snapshot.domainMetadata ?? []);
  let protocol = prev?.snapshot.protocol;
  let metadata = prev?.snapshot.metadata;
  let timestamp = prev?.snapshot.timestamp ?? 0;
  for (const a of actions) {
    if ('add' in a) {
      files.delete(a.add.path); // re-adding moves the file to the end (log order)
      files.set(a.add.path, a.add);
      tombstones.delete(a.add.path);
    } else if ('remove' in a) {
      files.delete(a.remove.path);
      tombstones.set(a.remove.path, a.remove);
    } else if ('txn' in a) txns.set(a.txn.appId, a.txn.version);
    else if ('protocol' in a) protocol = a.protocol;
    else if ('metaData' in a) metadata = a.metaData;
    else if ('domainMetadata' in a) {
      if (a.domainMetadata.removed) domains.delete(a.domainMetadata.domain);
      else domains.set(a.domainMetadata.domain, a.domainMetadata);
    } else if ('commitInfo' in a) timestamp = a.commitInfo.inCommitTimestamp ?? a.commitInfo.timestamp ?? timestamp;
  }
  if (!protocol || !metadata) {
    throw new WeirError('DELTA.LOG_CORRUPT', `the table at ${tablePath} has no protocol or metaData action at version ${version}; commit 0 must create the table`, { params: { tablePath, version } });
  }
  return {
    snapshot: { tablePath, version, protocol, metadata, files: [...files.values()], txns, domainMetadata: domains, timestamp },
    tombstones,
  };
}

/**
 * Brings a state up to the newest commit (or builds it from commit 0 when `prev` is undefined); undefined when
 * the table has no commits yet. Stops at `upTo` when given (time travel). A missing commit before the newest
 * one is a corrupt log.
 */
export async function refreshState(tablePath: string, prev?: TableState, upTo?: number): Promise<TableState | undefined> {
  let state = prev;
  for (let v = (prev?.snapshot.version ?? -1) + 1; upTo === undefined || v <= upTo; v++) {
    let actions = await readCommitActions(tablePath, v);
    if (!actions) {
      if (upTo === undefined && (await latestCommitVersion(tablePath)) < v) return state; // reached the newest commit
      actions = await readCommitActions(tablePath, v); // it may have landed between the read and the listing
    }
    if (!actions) {
      throw new WeirError('DELTA.LOG_CORRUPT', `commit ${versionStem(v)}.json is missing in ${join(tablePath, DELTA_LOG_DIR)}; versions must be contiguous`, { params: { tablePath, version: v } });
    }
    state = applyCommit(state, actions, v, tablePath);
  }
  return state;
}
