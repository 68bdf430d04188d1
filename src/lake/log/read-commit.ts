/** Reads one JSON commit file `_delta_log/<version>.json` into its actions. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WeirError } from '../../domain/weir-error.js';
import { DELTA_LOG_DIR, versionStem, type Action } from '../actions.js';
import { actionsOf } from './parse-actions.js';

/** Parses newline-delimited JSON actions; `file` names the source in errors. */
export function parseCommitText(text: string, file: string): Action[] {
  const out: Action[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      throw new WeirError('DELTA.LOG_CORRUPT', `${file}:${i + 1} is not valid JSON (${(e as Error).message}); the commit is damaged — restore it from a backup or remove the table's later versions`, { cause: e, params: { file, line: i + 1 } });
    }
    if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) out.push(...actionsOf(obj as Record<string, unknown>));
  }
  return out;
}

/** Reads the commit file of a version from disk; DELTA.VERSION_NOT_FOUND when it does not exist. */
export async function readCommitFile(file: string, version: number, tablePath: string): Promise<Action[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new WeirError('DELTA.VERSION_NOT_FOUND', `version ${version} of the Delta table at ${tablePath} has no commit file (${file}); pick an existing version (history lists them)`, { cause: e, params: { tablePath, version } });
    }
    throw e;
  }
  return parseCommitText(text, file);
}

/** The actions of commit `version` of the table at `tablePath` (used by the writer's conflict check). */
export async function readCommit(tablePath: string, version: number): Promise<Action[]> {
  return readCommitFile(join(tablePath, DELTA_LOG_DIR, `${versionStem(version)}.json`), version, tablePath);
}
