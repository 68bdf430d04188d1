import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { isWeirError } from '../../domain/weir-error.js';
import type { SqlResult } from '../../engine/sql-engine.js';
import { resolveTaskPath } from './process-attempt.js';
import type { AttemptContext, AttemptResult, TaskRunner } from './task-runner.js';

/** Rows a SQL task's output keeps (runs/get-output `sql_output`). */
export const SQL_OUTPUT_ROWS = 1000;
/** Rows written to the stdout log as text. */
const LOG_ROWS = 20;

/** The SQL text of a task and where it came from, or a FAILED result. */
async function loadQuery(ctx: AttemptContext): Promise<{ sql: string; origin: string } | AttemptResult> {
  const spec = ctx.task.sql_task;
  if (!spec) return { result: 'FAILED', error: `task ${ctx.taskKey} has no sql_task` };
  if (spec.query?.query !== undefined) return { sql: spec.query.query, origin: 'sql_task.query.query' };
  if (spec.file) {
    const path = resolveTaskPath(ctx, spec.file.path);
    if (!existsSync(path)) {
      return {
        result: 'FAILED',
        error: `SQL file not found: ${path} (sql_task.file.path "${spec.file.path}", relative to ${ctx.sourceDir})`,
      };
    }
    return { sql: await readFile(path, 'utf8'), origin: path };
  }
  if (spec.query?.query_id !== undefined) {
    return {
      result: 'FAILED',
      error: `sql_task.query.query_id "${spec.query.query_id}": saved queries are not supported by weir; put the SQL in sql_task.query.query or in a file named by sql_task.file.path`,
    };
  }
  const kind = spec.alert ? 'alert' : spec.dashboard ? 'dashboard' : undefined;
  return {
    result: 'FAILED',
    error: kind
      ? `sql_task.${kind} is not supported by weir; use sql_task.query.query or sql_task.file.path`
      : `sql_task of task ${ctx.taskKey} has no SQL; set sql_task.query.query or sql_task.file.path`,
  };
}

/** A plain-text table of the first rows, for the attempt's stdout log. */
export function renderResult(res: SqlResult, maxRows = LOG_ROWS): string {
  if (res.columns.length === 0) return 'OK (no result set)\n';
  const cell = (v: unknown) => (v === null ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const header = res.columns.map((c) => c.name);
  const body = res.rows.slice(0, maxRows).map((r) => r.map(cell));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ').trimEnd();
  const lines = [line(header), widths.map((w) => '-'.repeat(w)).join('-+-'), ...body.map(line)];
  const shown = Math.min(maxRows, res.rows.length);
  lines.push(`(${res.rowCount} row${res.rowCount === 1 ? '' : 's'}${shown < res.rowCount ? `, first ${shown} shown` : ''})`);
  return lines.join('\n') + '\n';
}

/**
 * Runner of sql_task: runs the inline query or SQL file on the warehouse with `:name` parameters bound from the
 * task's parameters and the job parameters (job parameters win, as on Databricks).
 */
export const sqlRunner: TaskRunner = {
  kind: 'sql_task',
  async run(ctx) {
    const query = await loadQuery(ctx);
    if ('result' in query) return query;
    if (ctx.signal.aborted) return { result: 'FAILED', error: 'SQL task was stopped before it started' };
    const params = { ...ctx.task.sql_task?.parameters, ...ctx.jobParameters };
    let res: SqlResult;
    try {
      res = await ctx.services.sql.execute(query.sql, { params, maxRows: SQL_OUTPUT_ROWS, searchPath: ctx.sourceDir });
    } catch (e) {
      const message = isWeirError(e) || e instanceof Error ? e.message : String(e);
      await appendFile(ctx.stderrPath, `${message}\n`);
      return { result: 'FAILED', error: `SQL failed in ${query.origin}: ${message}`, errorTrace: message };
    }
    await appendFile(ctx.stdoutPath, renderResult(res));
    if (ctx.signal.aborted) return { result: 'FAILED', error: 'SQL task was stopped because the attempt was cancelled or timed out' };
    return {
      result: 'SUCCESS',
      sqlOutput: { columns: res.columns, rows: res.rows, row_count: res.rowCount, truncated: res.truncated },
    };
  },
};
