import { isAbsolute, resolve } from 'node:path';
import { runChild, type ChildExit } from './child-process.js';
import { looksOutOfMemory, OUT_OF_MEMORY, outOfMemoryError, type AttemptLimits } from './resource-limits.js';
import { readStderrTail } from './python-error.js';
import type { AttemptContext, AttemptResult } from './task-runner.js';

/** One process a runner starts for an attempt. */
export interface ProcessSpec {
  /** What the process is, for error messages ("Python script", "Shell command"). */
  label: string;
  command: string;
  args: string[];
  cwd: string;
  /** Environment on top of the attempt's `ctx.env`. */
  env?: Record<string, string>;
  /** The process is the whole attempt: it waits for `ctx.slot` and passes it on as it exits (see AttemptContext). */
  usesSlot?: boolean;
}

/**
 * Runs one process of an attempt through runChild and turns how it ended into an AttemptResult: exit 0 → SUCCESS;
 * non-zero exit, death by signal, abort or a command that cannot start → FAILED with a message naming `label`.
 */
export async function runProcessAttempt(ctx: AttemptContext, spec: ProcessSpec): Promise<AttemptResult> {
  if (ctx.signal.aborted) return abortedResult(spec.label);
  let exit;
  try {
    exit = await runChild({
      command: spec.command,
      args: spec.args,
      cwd: spec.cwd,
      env: { ...ctx.env, ...spec.env },
      stdoutPath: ctx.stdoutPath,
      stderrPath: ctx.stderrPath,
      signal: ctx.signal,
      onStart: (pid) => ctx.onProcessStart(pid),
      limits: ctx.limits && { limits: ctx.limits, attemptId: `${process.pid}-${ctx.taskRunId}` },
      slot: spec.usesSlot ? ctx.slot : undefined,
    });
  } catch (e) {
    return startFailure(spec, e as NodeJS.ErrnoException);
  }
  if (exit.aborted) return { ...abortedResult(spec.label), exitCode: exit.exitCode };
  if (exit.exitCode === 0) return { result: 'SUCCESS', exitCode: 0 };
  const errorTrace = await readStderrTail(ctx.stderrPath);
  if (ranOutOfMemory(ctx, exit, errorTrace)) return { result: 'FAILED', error: outOfMemoryError(ctx.limits as AttemptLimits), errorTrace, exitCode: exit.exitCode };
  const error =
    exit.exitCode === null
      ? `${spec.label} was killed by signal ${exit.signal ?? 'unknown'}`
      : `${spec.label} exited with code ${exit.exitCode}`;
  return { result: 'FAILED', error, errorTrace, exitCode: exit.exitCode };
}

/** The FAILED result of an attempt whose process tree was stopped; the executor decides timeout or cancel. */
export function abortedResult(label: string): AttemptResult {
  return { result: 'FAILED', error: `${label} was stopped because the attempt was cancelled or timed out` };
}

/** Resolves a task path against the attempt's source folder (absolute paths stay as they are). */
export function resolveTaskPath(ctx: AttemptContext, path: string): string {
  return isAbsolute(path) ? path : resolve(ctx.sourceDir, path);
}

function startFailure(spec: ProcessSpec, e: NodeJS.ErrnoException): AttemptResult {
  if (e.code === 'ENOENT') {
    return {
      result: 'FAILED',
      error: `${spec.label} could not start: '${spec.command}' was not found on PATH (or the folder ${spec.cwd} does not exist); install it or fix PATH`,
    };
  }
  return { result: 'FAILED', error: `${spec.label} could not start '${spec.command}': ${e.message}` };
}

/** True when a failed attempt's processes went over its memory limit (the kernel said so, or the exit shows it). */
export function ranOutOfMemory(ctx: AttemptContext, exit: Pick<ChildExit, 'exitCode' | 'signal' | 'oomKilled'>, stderrTail: string): boolean {
  if (!ctx.limits?.memoryBytes) return false;
  return exit.oomKilled === true || looksOutOfMemory(exit, stderrTail);
}

/** True when an attempt result is an out-of-memory failure (runners keep it instead of their own error). */
export function isOutOfMemory(res: AttemptResult): boolean {
  return res.error?.startsWith(OUT_OF_MEMORY) ?? false;
}
