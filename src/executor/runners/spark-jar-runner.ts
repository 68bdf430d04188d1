import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { readStderrTail } from './python-error.js';
import { isOutOfMemory, resolveTaskPath, runProcessAttempt } from './process-attempt.js';
import type { AttemptContext, AttemptResult, TaskRunner } from './task-runner.js';

/** The jar paths of a task: every `libraries[].jar` plus the deprecated `spark_jar_task.jar_uri`, resolved. */
function jarPaths(ctx: AttemptContext): { field: string; path: string }[] {
  const jars = (ctx.task.libraries ?? []).flatMap((lib, i) =>
    lib.jar ? [{ field: `libraries[${i}].jar`, path: resolveTaskPath(ctx, lib.jar) }] : [],
  );
  const uri = ctx.task.spark_jar_task?.jar_uri;
  if (uri) jars.push({ field: 'spark_jar_task.jar_uri', path: resolveTaskPath(ctx, uri.replace(/^file:/, '')) });
  return jars;
}

/** Runner of spark_jar_task: `java -cp <jars> main_class_name ...parameters` with the machine's JDK. */
export const sparkJarRunner: TaskRunner = {
  kind: 'spark_jar_task',
  async run(ctx) {
    const spec = ctx.task.spark_jar_task;
    if (!spec) return { result: 'FAILED', error: `task ${ctx.taskKey} has no spark_jar_task` };
    const jars = jarPaths(ctx);
    if (jars.length === 0) {
      return {
        result: 'FAILED',
        error: `spark_jar_task ${ctx.taskKey} has no jar; add {"jar": "path/to/app.jar"} to the task's libraries`,
      };
    }
    const missing = jars.find((j) => !existsSync(j.path));
    if (missing) return { result: 'FAILED', error: `Jar not found: ${missing.path} (${missing.field})` };
    const classPath = jars.map((j) => j.path).join(delimiter);
    const res = await runProcessAttempt(ctx, {
      label: 'Java program',
      command: 'java',
      args: ['-cp', classPath, spec.main_class_name, ...(spec.parameters ?? [])],
      cwd: ctx.sourceDir,
    });
    if (res.result === 'SUCCESS' || res.exitCode === undefined || ctx.signal.aborted || isOutOfMemory(res)) return res;
    return { ...res, error: await javaError(ctx, spec.main_class_name, classPath, res) };
  },
};

/** A clearer error for a failed JVM: a main class that is not in the jars, or the uncaught exception. */
async function javaError(ctx: AttemptContext, mainClass: string, classPath: string, res: AttemptResult): Promise<string> {
  const tail = await readStderrTail(ctx.stderrPath, 200);
  if (tail.includes(`Could not find or load main class ${mainClass}`)) {
    return `Main class ${mainClass} was not found in the class path ${classPath} (ClassNotFoundException); check spark_jar_task.main_class_name and the task's jar libraries`;
  }
  const thrown = tail.split('\n').reverse().find((l) => l.startsWith('Exception in thread '));
  return thrown ? `${res.error}: ${thrown}` : (res.error ?? 'Java program failed');
}
