import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SparkPythonTask } from '../../domain/task.js';
import type { z } from 'zod';
import { pythonFailure } from './python-error.js';
import { isOutOfMemory, resolveTaskPath, runProcessAttempt } from './process-attempt.js';
import type { AttemptContext, AttemptResult, TaskRunner } from './task-runner.js';

type PythonFileTask = z.infer<typeof SparkPythonTask>;

/** Runs `python3 -u <python_file> ...parameters` in the file's folder; a traceback becomes error and trace. */
async function runPythonFile(ctx: AttemptContext, spec: PythonFileTask | undefined, field: string): Promise<AttemptResult> {
  if (!spec) return { result: 'FAILED', error: `task ${ctx.taskKey} has no ${field}` };
  const file = resolveTaskPath(ctx, spec.python_file);
  if (!existsSync(file)) {
    return {
      result: 'FAILED',
      error: `Python file not found: ${file} (${field}.python_file "${spec.python_file}", relative to ${ctx.sourceDir})`,
    };
  }
  const label = 'Python script';
  const res = await runProcessAttempt(ctx, {
    label,
    command: 'python3',
    args: ['-u', file, ...(spec.parameters ?? [])],
    cwd: dirname(file),
    env: { PYTHONUNBUFFERED: '1' },
  });
  if (res.result === 'SUCCESS' || res.exitCode === undefined || ctx.signal.aborted || isOutOfMemory(res)) return res;
  return { ...res, ...(await pythonFailure(ctx.stderrPath, res.error ?? `${label} failed`)) };
}

/** Runner of spark_python_task: a Python file run by the machine's python3. */
export const pythonScriptRunner: TaskRunner = {
  kind: 'spark_python_task',
  run: (ctx) => runPythonFile(ctx, ctx.task.spark_python_task, 'spark_python_task'),
};

/** Runner of python_script_task: the same as spark_python_task. */
export const pythonScriptTaskRunner: TaskRunner = {
  kind: 'python_script_task',
  run: (ctx) => runPythonFile(ctx, ctx.task.python_script_task, 'python_script_task'),
};
