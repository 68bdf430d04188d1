import type { TaskKind } from '../../domain/task.js';
import { nodeRunner } from './node-runner.js';
import { notebookRunner } from './notebook-runner.js';
import { pythonScriptRunner, pythonScriptTaskRunner } from './python-script-runner.js';
import { pythonWheelRunner } from './python-wheel-runner.js';
import { shellRunner } from './shell-runner.js';
import { sparkJarRunner } from './spark-jar-runner.js';
import { sqlRunner } from './sql-runner.js';
import type { TaskRunner } from './task-runner.js';

/** Every process-backed runner by task kind (condition, for_each, run_job and pipeline are the executor's). */
export function defaultRunners(): Map<TaskKind, TaskRunner> {
  const all = [notebookRunner, pythonScriptRunner, pythonScriptTaskRunner, pythonWheelRunner, sparkJarRunner, sqlRunner, shellRunner, nodeRunner];
  return new Map(all.map((r) => [r.kind, r]));
}
