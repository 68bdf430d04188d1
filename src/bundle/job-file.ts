import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { JobSettings } from '../domain/job-settings.js';
import { validateJobTrigger } from '../scheduler/job-trigger.js';
import { validateJobGraph } from '../domain/job-graph.js';
import { WeirError, isWeirError } from '../domain/weir-error.js';

/** A job file read from disk: its settings and the folder its relative paths resolve against. */
export interface JobFile {
  path: string;
  settings: JobSettings;
  sourceDir: string;
}

/**
 * Reads a job file (YAML or JSON, one JobSettings object: the body of jobs/create). Errors name the file and
 * line of the offending field and what to change.
 */
export function readJobFile(file: string): JobFile {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new WeirError('JOB.FILE', `${file}: cannot read the job file (${(e as NodeJS.ErrnoException).code ?? e})`, { cause: e });
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length) {
    const err = doc.errors[0];
    const line = err.linePos?.[0].line ?? 1;
    throw new WeirError('JOB.FILE', `${file}:${line}: not valid YAML/JSON: ${err.message.split('\n')[0]}`);
  }
  const body = doc.toJS() as unknown;
  const where = (path: PropertyKey[]): string => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as (string | number)[], true);
      if (isNode(node) && node.range) return `${file}:${lines.linePos(node.range[0]).line}`;
    }
    return file;
  };
  const r = JobSettings.safeParse(body);
  if (!r.success) {
    const i = r.error.issues[0];
    const p = i.path.map((x, n) => (typeof x === 'number' ? `[${x}]` : n === 0 ? String(x) : `.${String(x)}`)).join('');
    throw new WeirError('VALIDATION.INVALID', `${where(i.path)}: ${p || '(root)'}: ${i.message}`, { params: { issues: r.error.issues } });
  }
  try {
    validateJobGraph(r.data);
  } catch (e) {
    if (!isWeirError(e)) throw e;
    const m = /^tasks\[(\d+)\]((?:\.[\w]+|\[\d+\])*)/.exec(e.message);
    const at = m ? where(['tasks', Number(m[1]), ...m[2].split(/\.|\[|\]/).filter(Boolean).map((s) => (/^\d+$/.test(s) ? Number(s) : s))]) : file;
    throw new WeirError(e.code, `${at}: ${e.message}`, { params: e.params });
  }
  try {
    validateJobTrigger(r.data);
  } catch (e) {
    if (!isWeirError(e)) throw e;
    const field = /^([\w.]+):/.exec(e.message)?.[1];
    throw new WeirError(e.code, `${field ? where(field.split('.')) : file}: ${e.message}`, { params: e.params });
  }
  return { path, settings: r.data, sourceDir: dirname(path) };
}
