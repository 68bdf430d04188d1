import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from './child-process.js';
import { outOfMemoryError, type AttemptLimits } from './resource-limits.js';
import { findNotebook, loadNotebook, type NotebookCell } from './notebook-source.js';
import { serveNotebookRpc, truncateUtf8, type NotebookRpcHandlers } from './notebook-rpc.js';
import { abortedResult, ranOutOfMemory, resolveTaskPath } from './process-attempt.js';
import { pythonFailure } from './python-error.js';
import type { AttemptContext, AttemptResult, TaskRunner } from './task-runner.js';

/** dbutils.notebook.exit values longer than this are cut (Databricks' limit: 5 MB). */
export const NOTEBOOK_OUTPUT_MAX_BYTES = 5 * 1024 * 1024;
/** Rows one spark.sql / SQL cell brings into Python; count() still reports the full row count. */
export const NOTEBOOK_SQL_MAX_ROWS = 100_000;
const LABEL = 'Notebook';

/** How the harness said the notebook ended (the `finish` op). */
interface Finish {
  status: 'SUCCESS' | 'FAILED';
  exitValue?: string | null;
  error?: string;
  trace?: string;
}

/**
 * The folder `dbfs:/` (and `/dbfs/`) paths map to: `<cacheDir>/../dbfs`, a sibling of the runner cache, so files
 * written by one run are visible to later runs like on a workspace's DBFS root.
 */
export function dbfsRoot(cacheDir: string): string {
  return resolve(cacheDir, '..', 'dbfs');
}

/** Widget values of an attempt: base_parameters overridden by job parameters of the same name. */
export function notebookWidgets(ctx: AttemptContext): Record<string, string> {
  return { ...(ctx.task.notebook_task?.base_parameters ?? {}), ...ctx.jobParameters };
}

/** Where weir_notebook.py lives: beside this module in src/, or in src/ when running the compiled dist/. */
function harnessPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    resolve(here, 'python', 'weir_notebook.py'),
    resolve(here, '..', '..', '..', 'src', 'executor', 'runners', 'python', 'weir_notebook.py'),
  ];
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}

/** Runs one notebook attempt: one python3 harness process; cells, SQL and task values go over the rpc pipe. */
async function runNotebook(ctx: AttemptContext): Promise<AttemptResult> {
  const spec = ctx.task.notebook_task;
  if (!spec) return { result: 'FAILED', error: `task ${ctx.taskKey} has no notebook_task` };
  if (ctx.signal.aborted) return abortedResult(LABEL);
  const { file, tried } = findNotebook(ctx.sourceDir, resolveTaskPath(ctx, spec.notebook_path));
  if (!file) {
    return {
      result: 'FAILED',
      error: `Notebook not found: notebook_task.notebook_path "${spec.notebook_path}" (relative to ${ctx.sourceDir}); tried ${tried.join(', ')}`,
    };
  }
  let cells: NotebookCell[];
  try {
    cells = await loadNotebook(file);
  } catch (e) {
    return { result: 'FAILED', error: `Notebook ${file} could not be read: ${(e as Error).message}` };
  }
  const root = dbfsRoot(ctx.services.cacheDir);
  await mkdir(root, { recursive: true });
  let finish: Finish | undefined;
  const handlers = notebookHandlers(ctx, { path: file, cells, dbfsRoot: root }, (f) => (finish = f));
  let exit;
  try {
    exit = await runChild({
      command: 'python3',
      args: ['-u', harnessPath()],
      cwd: dirname(file),
      env: { ...ctx.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', WEIR_NOTEBOOK_PATH: file },
      stdoutPath: ctx.stdoutPath,
      stderrPath: ctx.stderrPath,
      signal: ctx.signal,
      onStart: (pid) => ctx.onProcessStart(pid),
      rpc: (channel) => serveNotebookRpc(channel, handlers),
      limits: ctx.limits && { limits: ctx.limits, attemptId: `${process.pid}-${ctx.taskRunId}` },
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? "'python3' was not found on PATH; install Python 3 or fix PATH" : err.message;
    return { result: 'FAILED', error: `${LABEL} could not start: ${why}` };
  }
  if (exit.aborted) return { ...abortedResult(LABEL), exitCode: exit.exitCode };
  const res = await settle(ctx, finish, exit.exitCode, exit.signal);
  if (res.result === 'FAILED' && ranOutOfMemory(ctx, exit, `${res.error ?? ''}\n${res.errorTrace ?? ''}`)) {
    return { ...res, error: outOfMemoryError(ctx.limits as AttemptLimits) };
  }
  return res;
}

/** The attempt result from the harness's own report, or from the exit status and stderr when it died first. */
async function settle(
  ctx: AttemptContext,
  finish: Finish | undefined,
  exitCode: number | null,
  signal: NodeJS.Signals | null,
): Promise<AttemptResult> {
  if (finish?.status === 'SUCCESS') {
    const out: AttemptResult = { result: 'SUCCESS', exitCode };
    if (typeof finish.exitValue === 'string') out.notebookOutput = truncateUtf8(finish.exitValue, NOTEBOOK_OUTPUT_MAX_BYTES);
    return out;
  }
  if (finish?.status === 'FAILED') {
    return { result: 'FAILED', error: finish.error ?? `${LABEL} failed`, errorTrace: finish.trace ?? '', exitCode };
  }
  const fallback =
    exitCode === null
      ? `${LABEL} process was killed by signal ${signal ?? 'unknown'}`
      : `${LABEL} process exited with code ${exitCode} before finishing`;
  return { result: 'FAILED', exitCode, ...(await pythonFailure(ctx.stderrPath, fallback)) };
}

/** The rpc ops of one attempt. */
function notebookHandlers(
  ctx: AttemptContext,
  start: { path: string; cells: NotebookCell[]; dbfsRoot: string },
  onFinish: (f: Finish) => void,
): NotebookRpcHandlers {
  return {
    start: () => ({ ...start, widgets: notebookWidgets(ctx), taskKey: ctx.taskKey }),
    load: async (a) => {
      const base = dirname(String(a.base ?? start.path));
      const { file, tried } = findNotebook(base, String(a.path));
      if (!file) throw new Error(`Notebook not found: "${String(a.path)}" (relative to ${base}); tried ${tried.join(', ')}`);
      return { path: file, cells: await loadNotebook(file) };
    },
    sql: async (a) => {
      const params = (a.params ?? {}) as Record<string, string>;
      const r = await ctx.services.sql.execute(String(a.query), { params, maxRows: NOTEBOOK_SQL_MAX_ROWS });
      return { columns: r.columns, rows: r.rows, rowCount: r.rowCount, truncated: r.truncated };
    },
    'taskValues.set': async (a) => {
      await ctx.services.taskValues.set(String(a.key), a.value);
      return null;
    },
    'taskValues.get': (a) => ctx.services.taskValues.get(String(a.taskKey), String(a.key)),
    'secrets.get': async (a) => {
      if (!ctx.services.secrets) throw new Error('dbutils.secrets.get: this weir has no secret store configured');
      return { value: await ctx.services.secrets(String(a.scope), String(a.key)) };
    },
    finish: (a) => {
      onFinish(a as unknown as Finish);
      return null;
    },
  };
}

/** Runner of notebook_task: Databricks source (.py/.sql) and .ipynb notebooks on the machine's python3. */
export const notebookRunner: TaskRunner = { kind: 'notebook_task', run: runNotebook };
