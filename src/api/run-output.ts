import { logPath } from '../executor/task-run-factory.js';
import { open, stat } from 'node:fs/promises';
import { isTerminal } from '../domain/run-state.js';
import type { RunRecord, TaskRunRecord } from '../store/records.js';
import type { ApiDeps } from './app.js';
import { invalidParameter, runNotFound } from './errors.js';
import { compact, currentTopTaskRuns, wireRun, wireTaskRun, type WireContext } from './wire-run.js';

/** runs/get-output returns the last 5 MB of a task's stdout, as Databricks does. */
const LOG_TAIL_BYTES = 5 * 1024 * 1024;
/** runs/logs returns at most this much per call; `--follow` calls again from next_offset. */
const LOG_CHUNK_BYTES = 1024 * 1024;

const MULTI_TASK_MESSAGE =
  'Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each individual task run instead.';

/** Reads bytes [start, end) of a file; a missing file reads as empty. */
async function readRange(path: string, start: number, end: number): Promise<Buffer> {
  if (end <= start) return Buffer.alloc(0);
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return Buffer.alloc(0);
  try {
    const buf = Buffer.alloc(end - start);
    const { bytesRead } = await fh.read(buf, 0, buf.length, start);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => undefined))?.size ?? 0;
}

/** Bytes of `buf` up to its last complete UTF-8 character, so a chunk never ends inside one. */
function completeUtf8Length(buf: Buffer): number {
  let i = buf.length - 1;
  let back = 0;
  while (i >= 0 && back < 4 && (buf[i] & 0xc0) === 0x80) {
    i--;
    back++;
  }
  if (i < 0) return buf.length;
  const lead = buf[i];
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return buf.length - i >= need ? buf.length : i;
}

async function wireContext(deps: ApiDeps, run: RunRecord): Promise<WireContext> {
  return { baseUrl: deps.baseUrl(), now: Date.now(), all: await deps.store.listTaskRuns(run.run_id) };
}

/** The task run behind a runs/get-output id: a task run id, or a run with exactly one task. */
async function outputTarget(deps: ApiDeps, id: number): Promise<{ run: RunRecord; tr: TaskRunRecord; ctx: WireContext }> {
  const tr = await deps.store.getTaskRun(id);
  if (tr) {
    const run = await deps.store.getRun(tr.run_id);
    if (!run) throw runNotFound(id);
    return { run, tr, ctx: await wireContext(deps, run) };
  }
  const run = await deps.store.getRun(id);
  if (!run) throw runNotFound(id);
  const ctx = await wireContext(deps, run);
  const tops = currentTopTaskRuns(run, ctx.all);
  if (tops.length !== 1) throw invalidParameter(MULTI_TASK_MESSAGE);
  return { run, tr: tops[0], ctx };
}

/** runs/get-output: metadata, task output, error and the tail of stdout of one task run. */
export async function runOutput(deps: ApiDeps, id: number): Promise<Record<string, unknown>> {
  const { run, tr, ctx } = await outputTarget(deps, id);
  const task = wireTaskRun(run, tr, ctx);
  const runForm = wireRun(run, ctx, { tasks: false });
  // metadata is the task run shaped as a Run: the job's identity plus the task run's own state and times.
  const metadata = compact({
    ...runForm,
    ...task,
    run_id: tr.task_run_id,
    job_run_id: run.run_id,
    number_in_job: tr.task_run_id,
    attempt_number: tr.attempt_number,
    tasks: [task],
    repair_history: undefined,
  });
  const path = logPath(tr, 'stdout');
  const size = await sizeOf(path);
  const from = Math.max(0, size - LOG_TAIL_BYTES);
  const logs = (await readRange(path, from, size)).toString('utf8');
  return compact({
    metadata,
    notebook_output: tr.output.notebook_output,
    sql_output: tr.output.sql_output,
    run_job_output: tr.output.run_job_output ?? (tr.child_run_id !== null ? { run_id: tr.child_run_id } : undefined),
    error: tr.result_state !== 'SUCCESS' ? (tr.error ?? undefined) : undefined,
    error_trace: tr.error_trace ?? undefined,
    logs: size > 0 ? logs : undefined,
    logs_truncated: from > 0 ? true : undefined,
  });
}

/** weir extension runs/logs: a chunk of a task run's stdout or stderr from `offset`, for `runs logs --follow`. */
export async function runLogs(deps: ApiDeps, taskRunId: number, stream: 'stdout' | 'stderr', offset: number): Promise<Record<string, unknown>> {
  const tr = await deps.store.getTaskRun(taskRunId);
  if (!tr) {
    if (await deps.store.getRun(taskRunId)) throw invalidParameter(`run_id: ${taskRunId} is a job run; pass the run_id of one of its tasks (runs/get lists them under tasks[].run_id)`);
    throw runNotFound(taskRunId);
  }
  const path = logPath(tr, stream);
  const size = await sizeOf(path);
  const start = Math.min(offset, size);
  const buf = await readRange(path, start, Math.min(size, start + LOG_CHUNK_BYTES));
  const n = completeUtf8Length(buf);
  return { content: buf.subarray(0, n).toString('utf8'), next_offset: start + n, done: isTerminal(tr.life_cycle_state) && start + n >= size };
}
