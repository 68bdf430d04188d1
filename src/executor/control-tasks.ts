import type { Task } from '../domain/task.js';
import type { AttemptResult } from './runners/task-runner.js';
import { evaluateCondition } from './run-if.js';

/** Runs one update of a pipeline and resolves when it ends (the pipeline engine, when it runs in this process). */
export type PipelineUpdateRunner = (spec: { pipeline_id: string; full_refresh?: boolean }, signal: AbortSignal) => Promise<{ ok: boolean; updateId: string; message: string }>;

/** A condition_task decides its outcome without a process: `true` or `false`, or FAILED for operands it cannot compare. */
export function conditionResult(task: Task): AttemptResult {
  const c = task.condition_task!;
  try {
    return { result: 'SUCCESS', outcome: evaluateCondition(c.left, c.op, c.right) ? 'true' : 'false' };
  } catch (e) {
    return { result: 'FAILED', error: (e as Error).message };
  }
}

/** A pipeline_task: one update of the pipeline (full_refresh as asked), SUCCESS when it completes. */
export async function pipelineTaskResult(task: Task, run: PipelineUpdateRunner | undefined): Promise<AttemptResult> {
  const spec = task.pipeline_task!;
  if (!run) return { result: 'FAILED', error: 'pipeline_task: this weir process has no pipeline engine; run the job in `weir server`' };
  try {
    const full = spec.full_refresh === true || String(spec.full_refresh) === 'true';
    const r = await run({ pipeline_id: String(spec.pipeline_id), full_refresh: full }, new AbortController().signal);
    return r.ok ? { result: 'SUCCESS' } : { result: 'FAILED', error: `pipeline_task: update ${r.updateId} of pipeline ${spec.pipeline_id} ${r.message}` };
  } catch (e) {
    return { result: 'FAILED', error: `pipeline_task: ${(e as Error).message}` };
  }
}
