import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, resolve } from 'node:path';
import { WeirError } from '../../domain/weir-error.js';

/** One runnable cell of a notebook, as the Python harness receives it. */
export type NotebookCell =
  | { kind: 'python'; source: string; index: number }
  | { kind: 'sql'; source: string; index: number }
  /** `%run ./other`: run another notebook in the same namespace first. */
  | { kind: 'run'; path: string; index: number }
  /** A magic weir cannot run (`%sh`, `%scala`, `%pip` …); the harness decides what to do. */
  | { kind: 'unsupported'; magic: string; index: number };

/** Extensions tried, in order, when a notebook path names no existing file. */
export const NOTEBOOK_EXTENSIONS = ['.py', '.sql', '.ipynb'] as const;

/**
 * The notebook file `path` names (relative to `baseDir` unless absolute), and every file tried. An absolute path
 * that is not a file on this machine is also tried as a workspace path (`/Users/me/nb`) under `baseDir`, where the
 * Workspace API stores uploaded notebooks.
 */
export function findNotebook(baseDir: string, path: string): { file: string | null; tried: string[] } {
  const bases = isAbsolute(path) ? [path, resolve(baseDir, `.${path}`)] : [resolve(baseDir, path)];
  const tried = bases.flatMap((full) => [full, ...NOTEBOOK_EXTENSIONS.map((ext) => full + ext)]);
  const file = tried.find((f) => existsSync(f) && statSync(f).isFile()) ?? null;
  return { file, tried };
}

/** Reads and parses a notebook file (Databricks source .py/.sql, or Jupyter .ipynb) into cells. */
export async function loadNotebook(file: string): Promise<NotebookCell[]> {
  const text = await readFile(file, 'utf8');
  return parseNotebook(file, text);
}

/** Parses notebook text; the file name's extension picks the format (anything but .sql/.ipynb is Python). */
export function parseNotebook(file: string, text: string): NotebookCell[] {
  const ext = extname(file).toLowerCase();
  if (ext === '.ipynb') return parseIpynb(file, text);
  return parseSource(text, ext === '.sql' ? 'sql' : 'python');
}

type Lang = 'python' | 'sql';
const SYNTAX: Record<Lang, { comment: string; header: RegExp; separator: RegExp }> = {
  python: { comment: '#', header: /^#\s*Databricks notebook source\s*$/, separator: /^#\s*COMMAND -{5,}\s*$/ },
  sql: { comment: '--', header: /^--\s*Databricks notebook source\s*$/, separator: /^--\s*COMMAND -{5,}\s*$/ },
};

/** Databricks "source" format: a header line, cells split by COMMAND lines, magics behind `# MAGIC`/`-- MAGIC`. */
function parseSource(text: string, lang: Lang): NotebookCell[] {
  const syntax = SYNTAX[lang];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.length > 0 && syntax.header.test(lines[0])) lines.shift();
  const chunks: string[][] = [[]];
  for (const line of lines) {
    if (syntax.separator.test(line)) chunks.push([]);
    else chunks[chunks.length - 1].push(line);
  }
  const magic = new RegExp(`^${syntax.comment === '#' ? '#' : '--'} MAGIC( |$)`);
  const cells: NotebookCell[] = [];
  chunks.forEach((chunk, i) => {
    const body = chunk.filter((l) => l.trim() !== '');
    if (body.length === 0) return;
    const isMagic = body.every((l) => magic.test(l));
    const source = isMagic ? chunk.map((l) => l.replace(magic, '')).join('\n') : chunk.join('\n');
    const cell = classify(source, lang, i + 1);
    if (cell) cells.push(cell);
  });
  return cells;
}

/** Turns cell text into a cell: a leading `%lang` magic overrides the notebook's language; `%md` cells vanish. */
function classify(raw: string, lang: Lang, index: number): NotebookCell | null {
  const source = raw.replace(/^\s*\n/, '').replace(/\s+$/, '');
  const m = /^%(\S+)[ \t]*(.*)$/m.exec(source.split('\n')[0] ?? '');
  if (!m || !source.startsWith('%')) return source.trim() === '' ? null : { kind: lang, source, index };
  const [, name, rest] = m;
  const body = [rest, ...source.split('\n').slice(1)].join('\n').trim();
  switch (name) {
    case 'md':
    case 'md-sandbox':
      return null;
    case 'sql':
      return body === '' ? null : { kind: 'sql', source: body, index };
    case 'python':
      return body === '' ? null : { kind: 'python', source: body, index };
    case 'run': {
      const path = rest.trim().split(/\s+/)[0]?.replace(/^["']|["']$/g, '');
      if (!path) throw new WeirError('JOB.FILE', `cell ${index}: %run needs a notebook path, e.g. %run ./helpers`);
      return { kind: 'run', path, index };
    }
    default:
      return { kind: 'unsupported', magic: name, index };
  }
}

interface IpynbCell {
  cell_type?: string;
  source?: string | string[];
}

/** Jupyter notebooks: code cells only; language from the Databricks or kernel metadata (python by default). */
function parseIpynb(file: string, text: string): NotebookCell[] {
  let nb: { cells?: IpynbCell[]; metadata?: Record<string, unknown> };
  try {
    nb = JSON.parse(text);
  } catch (e) {
    throw new WeirError('JOB.FILE', `${file} is not a valid .ipynb notebook (JSON parse failed: ${(e as Error).message})`);
  }
  if (!Array.isArray(nb.cells)) throw new WeirError('JOB.FILE', `${file} is not a valid .ipynb notebook: it has no "cells" array`);
  const lang: Lang = notebookLanguage(nb.metadata ?? {}) === 'sql' ? 'sql' : 'python';
  const cells: NotebookCell[] = [];
  nb.cells.forEach((c, i) => {
    if (c.cell_type !== 'code') return;
    const source = Array.isArray(c.source) ? c.source.join('') : (c.source ?? '');
    const cell = classify(source, lang, i + 1);
    if (cell) cells.push(cell);
  });
  return cells;
}

function notebookLanguage(meta: Record<string, unknown>): string {
  const dbx = meta['application/vnd.databricks.v1+notebook'] as { language?: string } | undefined;
  const kernel = meta.kernelspec as { language?: string } | undefined;
  const info = meta.language_info as { name?: string } | undefined;
  return (dbx?.language ?? kernel?.language ?? info?.name ?? 'python').toLowerCase();
}
