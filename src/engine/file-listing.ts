import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { globRegExp } from '../domain/glob-pattern.js';

/** A file seen by a file-arrival trigger: path (absolute), modification time (ms) and size. */
export interface ListedFile {
  path: string;
  mtimeMs: number;
  size: number;
}

/** At most this many files are listed per location, as Databricks monitors at most 10,000 files per trigger. */
export const MAX_LISTED_FILES = 10_000;

/**
 * Lists the files a file-arrival trigger watches (or a pipeline's read_files reads). `url` is a local file, a
 * folder (also as file:// URL), listed with its subfolders, or a glob (`*`, `**`, `?`) whose fixed prefix is the folder to walk. Hidden files (.name)
 * and files being written by tools that use a `_` / `.` prefix (e.g. `_SUCCESS`, `.part`) are ignored.
 */
export async function listWatchedFiles(url: string): Promise<ListedFile[]> {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const globAt = path.search(/[*?[]/);
  const root = globAt < 0 ? path : path.slice(0, path.lastIndexOf('/', globAt) + 1) || '/';
  const matcher = globAt < 0 ? null : globRegExp(relative(root, path).split(sep).join('/'));
  if (globAt < 0) {
    // A single file is watched (or read) as itself.
    const st = await stat(path).catch(() => null);
    if (st?.isFile()) return [{ path, mtimeMs: Math.floor(st.mtimeMs), size: st.size }];
  }
  const out: ListedFile[] = [];
  await walk(root, async (file) => {
    const rel = relative(root, file).split(sep).join('/');
    if (matcher && !matcher.test(rel)) return;
    const st = await stat(file).catch(() => null);
    if (st?.isFile()) out.push({ path: file, mtimeMs: Math.floor(st.mtimeMs), size: st.size });
  });
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

async function walk(dir: string, visit: (file: string) => Promise<void>, depth = 0): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    throw e;
  });
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) {
      if (depth < 32) await walk(full, visit, depth + 1);
    } else {
      await visit(full);
    }
  }
}
