import type { Task, TaskKind } from '../../domain/task.js';
import type { SqlEngine } from '../../engine/sql-engine.js';
import type { SecretLookup } from '../../secrets/secret-service.js';
import type { AttemptSlot } from '../slot-pool.js';
import type { AttemptLimits } from './resource-limits.js';

/** Task values of the current job run, as runners reach them. */
export interface TaskValues {
  /** Stores a JSON-serialisable value on the current task run (last write wins). */
  set(key: string, value: unknown): Promise<void>;
  /** The latest value `taskKey` set under `key` in this job run, or found=false. */
  get(taskKey: string, key: string): Promise<{ found: boolean; value?: unknown }>;
}

/** What a runner may use besides the task itself. */
export interface RunnerServices {
  sql: SqlEngine;
  taskValues: TaskValues;
  /** A folder for caches that outlive runs (virtual environments, compiled artefacts). */
  cacheDir: string;
  /** Secret values for this attempt (dbutils.secrets.get); each use is recorded for redaction. */
  secrets?: SecretLookup;
}

/** Everything one attempt of one task needs. References in `task` are already resolved. */
export interface AttemptContext {
  jobId: number | null;
  runId: number;
  taskRunId: number;
  taskKey: string;
  attemptNumber: number;
  task: Task;
  /** Resolved job parameters (defaults overridden by run-now). */
  jobParameters: Record<string, string>;
  /** Folder that relative paths in the task resolve against (job file's folder or the workspace folder). */
  sourceDir: string;
  /** Where this attempt's stdout and stderr go; runners append to these files. */
  stdoutPath: string;
  stderrPath: string;
  /** Aborted on cancel or timeout; the runner must stop its process tree promptly. */
  signal: AbortSignal;
  /** Extra environment for child processes (WEIR_RUN_ID …). */
  env: Record<string, string>;
  services: RunnerServices;
  /** Called with the pid of the attempt's main process once it started (crash recovery needs it). */
  onProcessStart(pid: number): void;
  /** Memory and CPU limits of the node type the task runs on, enforced on all of the attempt's processes. */
  limits?: AttemptLimits;
  /**
   * The attempt's executor slot, for runners whose attempt is one process (shell_task): a standby attempt
   * (`held` false) starts its process only once given a slot, and the process passes its slot on as it exits.
   */
  slot?: AttemptSlot;
}

/** How an attempt ended, as the runner saw it. Timeouts and cancels are decided by the executor. */
export interface AttemptResult {
  result: 'SUCCESS' | 'FAILED';
  /** Short error message (runs/get-output `error`). */
  error?: string;
  /** Stack trace or tail of stderr (runs/get-output `error_trace`). */
  errorTrace?: string;
  exitCode?: number | null;
  /** dbutils.notebook.exit value. */
  notebookOutput?: { result: string; truncated: boolean };
  /** First rows of a SQL task's result. */
  sqlOutput?: { columns: { name: string; type: string }[]; rows: unknown[][]; row_count: number; truncated: boolean };
  /** condition_task outcome. */
  outcome?: 'true' | 'false';
}

/** Runs one kind of task. One module per kind under executor/runners/. */
export interface TaskRunner {
  readonly kind: TaskKind;
  run(ctx: AttemptContext): Promise<AttemptResult>;
}
