import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WeirError } from '../../domain/weir-error.js';
import { readStderrTail } from '../runners/python-error.js';
import { runChild } from '../runners/child-process.js';

/** One process a cluster runs while it starts (an init script, `python3 -m venv`, `pip install`, `npm install`). */
export interface ClusterStep {
  /** What the step is, for errors ("Init script /Users/me/setup.sh"). */
  label: string;
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Log files of the step, kept after it ends. */
  stdoutPath: string;
  stderrPath: string;
  signal?: AbortSignal;
}

/** Lines of stderr a failed step's error quotes. */
const ERROR_TAIL_LINES = 5;

/**
 * Runs a cluster step to its end with stdout/stderr appended to its log files; throws TASK.FAILED naming the step,
 * its exit code, the last lines of its stderr and the log file when it does not exit 0.
 */
export async function runClusterStep(step: ClusterStep): Promise<void> {
  await mkdir(dirname(step.stdoutPath), { recursive: true });
  let exit;
  try {
    exit = await runChild({
      command: step.command,
      args: step.args,
      cwd: step.cwd,
      env: step.env,
      stdoutPath: step.stdoutPath,
      stderrPath: step.stderrPath,
      signal: step.signal ?? new AbortController().signal,
    });
  } catch (e) {
    throw new WeirError('TASK.FAILED', `${step.label} could not start '${step.command}': ${(e as Error).message}; install it or fix PATH`, { cause: e, params: { cluster_error: true } });
  }
  if (exit.exitCode === 0 && !exit.aborted) return;
  const tail = (await readStderrTail(step.stderrPath, ERROR_TAIL_LINES)).trim();
  const how = exit.aborted ? 'was stopped' : exit.exitCode === null ? `was killed by signal ${exit.signal ?? 'unknown'}` : `exited with code ${exit.exitCode}`;
  throw new WeirError('TASK.FAILED', `${step.label} ${how}${tail ? `: ${tail}` : ''} (full log: ${step.stderrPath})`, {
    params: { cluster_error: true, exit_code: exit.exitCode, log: step.stderrPath },
  });
}
