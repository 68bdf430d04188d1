import { mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname } from 'node:path';
import type { Stats } from 'node:fs';
import { WeirError } from '../domain/weir-error.js';
import { workspaceFile } from './workspace-path.js';

/** A workspace object as the Workspace API describes it. */
export interface WorkspaceObject {
  path: string;
  object_type: 'NOTEBOOK' | 'FILE' | 'DIRECTORY';
  object_id: number;
  language?: 'PYTHON' | 'SQL';
  size?: number;
  created_at?: number;
  modified_at?: number;
}

/** A notebook's file extension per language, and the header line that marks a source file as a notebook. */
export const NOTEBOOK_FORMS = {
  PYTHON: { ext: '.py', header: '# Databricks notebook source' },
  SQL: { ext: '.sql', header: '-- Databricks notebook source' },
} as const;
/** Languages weir stores notebooks in. */
export type NotebookLanguage = keyof typeof NOTEBOOK_FORMS;

/** The language of a notebook file: `.ipynb`, or `.py`/`.sql` whose first line is the Databricks header. */
async function notebookLanguage(file: string): Promise<NotebookLanguage | undefined> {
  const ext = extname(file);
  if (ext === '.ipynb') return 'PYTHON';
  const lang = (Object.keys(NOTEBOOK_FORMS) as NotebookLanguage[]).find((l) => NOTEBOOK_FORMS[l].ext === ext);
  if (!lang) return undefined;
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(64);
    const { bytesRead } = await fh.read(buf, 0, 64, 0);
    const first = buf.subarray(0, bytesRead).toString('utf8').split(/\r?\n/)[0]?.trim();
    return first === NOTEBOOK_FORMS[lang].header ? lang : undefined;
  } finally {
    await fh.close();
  }
}

const statOf = (f: string): Promise<Stats | undefined> => stat(f).catch(() => undefined);

function describe(path: string, st: Stats, type: WorkspaceObject['object_type'], language?: NotebookLanguage): WorkspaceObject {
  const o: WorkspaceObject = { path, object_type: type, object_id: st.ino };
  if (language) o.language = language;
  if (type !== 'DIRECTORY') {
    o.size = st.size;
    o.created_at = Math.floor(st.birthtimeMs || st.ctimeMs);
    o.modified_at = Math.floor(st.mtimeMs);
  }
  return o;
}

/** The Workspace API over a folder: notebooks are `.py`/`.sql` files with the Databricks header or `.ipynb`. */
export class WorkspaceTree {
  constructor(readonly root: string) {}

  /** The object at a workspace path and the file behind it, or undefined. */
  async find(path: unknown): Promise<{ obj: WorkspaceObject; file: string } | undefined> {
    const { wsPath, file } = workspaceFile(this.root, path);
    const st = await statOf(file);
    if (st?.isDirectory()) return { obj: describe(wsPath, st, 'DIRECTORY'), file };
    if (st?.isFile()) {
      const lang = await notebookLanguage(file);
      const shown = lang ? wsPath.slice(0, wsPath.length - extname(wsPath).length) : wsPath;
      return { obj: describe(shown, st, lang ? 'NOTEBOOK' : 'FILE', lang), file };
    }
    for (const ext of ['.py', '.sql', '.ipynb']) {
      const nst = await statOf(file + ext);
      const lang = nst?.isFile() ? await notebookLanguage(file + ext) : undefined;
      if (nst && lang) return { obj: describe(wsPath, nst, 'NOTEBOOK', lang), file: file + ext };
    }
    return undefined;
  }

  /** get-status: the object, or WORKSPACE.NOT_FOUND. */
  async getStatus(path: unknown): Promise<WorkspaceObject> {
    return (await this.require(path)).obj;
  }

  private async require(path: unknown): Promise<{ obj: WorkspaceObject; file: string }> {
    const found = await this.find(path);
    if (!found) throw new WeirError('WORKSPACE.NOT_FOUND', `Path (${String(path)}) doesn't exist.`, { params: { path } });
    return found;
  }

  /** list: the children of a directory (a notebook or file lists as itself), sorted by path. */
  async list(path: unknown): Promise<WorkspaceObject[]> {
    const { obj, file } = await this.require(path);
    if (obj.object_type !== 'DIRECTORY') return [obj];
    const base = obj.path === '/' ? '' : obj.path;
    const out: WorkspaceObject[] = [];
    for (const name of (await readdir(file)).sort()) {
      const child = await this.find(`${base}/${name}`).catch(() => undefined);
      if (child) out.push(child.obj);
    }
    return out;
  }

  /** mkdirs: creates a directory and its parents; WORKSPACE.EXISTS when a file or notebook is in the way. */
  async mkdirs(path: unknown): Promise<void> {
    const { wsPath, file } = workspaceFile(this.root, path);
    await this.requireNoObjectOnPath(wsPath, wsPath.split('/').filter((s) => s !== '').length, `Cannot create directory ${wsPath}`);
    await mkdir(file, { recursive: true });
  }

  /** WORKSPACE.EXISTS when one of the first `depth` segments of `wsPath` is a notebook or file (so no directory can be made there). */
  private async requireNoObjectOnPath(wsPath: string, depth: number, what: string): Promise<void> {
    let prefix = '';
    for (const seg of wsPath.split('/').filter((s) => s !== '').slice(0, depth)) {
      prefix += `/${seg}`;
      const found = await this.find(prefix);
      if (found && found.obj.object_type !== 'DIRECTORY') {
        throw new WeirError('WORKSPACE.EXISTS', `${what}: ${found.obj.path} is a ${found.obj.object_type.toLowerCase()}.`, { params: { path: wsPath } });
      }
    }
  }

  /** Writes an object's bytes at `file`, creating parent directories; refuses to replace unless `overwrite`. */
  async write(wsPath: string, file: string, content: Buffer, overwrite: boolean): Promise<void> {
    const existing = await this.find(wsPath);
    if (existing && existing.obj.object_type === 'DIRECTORY') {
      throw new WeirError('WORKSPACE.EXISTS', `Cannot import to ${wsPath}: it is a directory.`, { params: { path: wsPath } });
    }
    if ((existing || (await statOf(file))) && !overwrite) {
      throw new WeirError('WORKSPACE.EXISTS', `Path (${wsPath}) already exists; pass overwrite: true to replace it.`, { params: { path: wsPath } });
    }
    await this.requireNoObjectOnPath(wsPath, wsPath.split('/').filter((s) => s !== '').length - 1, `Cannot import to ${wsPath}`);
    await mkdir(dirname(file), { recursive: true });
    if (existing && existing.file !== file) await rm(existing.file, { force: true });
    await writeFile(file, content);
  }

  /** The bytes and on-disk name of a notebook or file (export). */
  async read(path: unknown): Promise<{ obj: WorkspaceObject; content: Buffer; fileName: string }> {
    const { obj, file } = await this.require(path);
    if (obj.object_type === 'DIRECTORY') {
      throw new WeirError('WORKSPACE.INVALID_PATH', `path: ${obj.path} is a directory; export one notebook or file at a time.`, { params: { path } });
    }
    return { obj, content: await readFile(file), fileName: basename(file) };
  }

  /** delete: removes an object; a non-empty directory needs `recursive`. */
  async delete(path: unknown, recursive: boolean): Promise<void> {
    const { obj, file } = await this.require(path);
    if (obj.path === '/' || obj.path === '') throw new WeirError('WORKSPACE.INVALID_PATH', 'path: the workspace root cannot be deleted.');
    if (obj.object_type === 'DIRECTORY' && !recursive && (await readdir(file)).length > 0) {
      throw new WeirError('WORKSPACE.NOT_EMPTY', `Folder ${obj.path} is not empty; pass recursive: true to delete it with its contents.`, { params: { path } });
    }
    await rm(file, { recursive: true, force: true });
  }
}
