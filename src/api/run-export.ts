import { readFile } from 'node:fs/promises';
import { findNotebook } from '../executor/runners/notebook-source.js';
import { logPath } from '../executor/task-run-factory.js';
import type { RunRecord, TaskRunRecord } from '../store/records.js';
import type { ApiDeps } from './app.js';
import { invalidParameter, runNotFound } from './errors.js';
import { currentTopTaskRuns } from './wire-run.js';

/** One exported view: an HTML page, as runs/export returns it. */
export interface ExportedView {
  content: string;
  name: string;
  type: 'NOTEBOOK' | 'DASHBOARD';
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * runs/export: the notebook task runs of a run as HTML views — the notebook's source with the run's output under it
 * (weir notebooks have no dashboards, so DASHBOARDS exports nothing). `run_id` may be a notebook task run or a job
 * run (then every notebook task is exported); other task kinds have no notebook to export.
 */
export async function exportRun(deps: ApiDeps, runId: number, views: string): Promise<{ views: ExportedView[] }> {
  if (!['CODE', 'DASHBOARDS', 'ALL'].includes(views)) throw invalidParameter(`views_to_export: "${views}" is not CODE, DASHBOARDS or ALL`);
  const tr = await deps.store.getTaskRun(runId);
  let run: RunRecord | undefined;
  let tasks: TaskRunRecord[];
  if (tr) {
    if (!tr.task.notebook_task) throw invalidParameter(`run_id: task run ${runId} (${tr.task_key}) is not a notebook task; only notebook task runs can be exported`);
    run = await deps.store.getRun(tr.run_id);
    tasks = [tr];
  } else {
    run = await deps.store.getRun(runId);
    if (!run) throw runNotFound(runId);
    tasks = currentTopTaskRuns(run, await deps.store.listTaskRuns(runId)).filter((t) => t.task.notebook_task);
  }
  if (!run || views === 'DASHBOARDS') return { views: [] };
  const out: ExportedView[] = [];
  for (const t of tasks) out.push(await notebookView(run, t));
  return { views: out };
}

async function notebookView(run: RunRecord, tr: TaskRunRecord): Promise<ExportedView> {
  const path = tr.task.notebook_task?.notebook_path ?? tr.task_key;
  const { file } = findNotebook(run.source_dir, path);
  const source = file ? await readFile(file, 'utf8').catch(() => '') : '';
  const stdout = await readFile(logPath(tr, 'stdout'), 'utf8').catch(() => '');
  const stderr = await readFile(logPath(tr, 'stderr'), 'utf8').catch(() => '');
  const result = tr.output?.notebook_output?.result;
  const content = [
    '<!DOCTYPE html><html><head><meta charset="utf-8">',
    `<title>${esc(path)} — run ${run.run_id}</title></head><body>`,
    `<h1>${esc(path)}</h1><p>Run ${run.run_id}, task ${esc(tr.task_key)} (task run ${tr.task_run_id}): ${esc(tr.result_state ?? tr.life_cycle_state)}</p>`,
    '<h2>Source</h2>',
    `<pre class="source">${esc(source)}</pre>`,
    '<h2>Output</h2>',
    `<pre class="stdout">${esc(stdout)}</pre>`,
    stderr ? `<h3>stderr</h3><pre class="stderr">${esc(stderr)}</pre>` : '',
    result !== undefined ? `<h3>Exit value</h3><pre class="result">${esc(result)}</pre>` : '',
    tr.error ? `<h3>Error</h3><pre class="error">${esc(tr.error)}</pre>` : '',
    '</body></html>',
  ].join('\n');
  return { content, name: path, type: 'NOTEBOOK' };
}
