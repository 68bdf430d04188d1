import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Task, TaskKind } from '../domain/task.js';
import type { SqlEngine } from '../engine/sql-engine.js';
import { redactDeep } from '../secrets/redact-secrets.js';
import { resolveSecretsDeep } from '../secrets/secret-references.js';
import type { SecretResolver } from '../secrets/secret-service.js';
import type { RunStore } from '../store/ports/run-store.js';
import type { RunRecord, TaskRunRecord } from '../store/records.js';
import type { AttemptResult, TaskRunner, TaskValues } from './runners/task-runner.js';
import { logPath } from './task-run-factory.js';
import { killGroup } from './runners/child-process.js';
import { HOST } from './run-adoption.js';
import { limitsOption, type ComputeLeases } from './compute-lease.js';
import type { AttemptSlot } from './slot-pool.js';

/** Why an attempt was stopped from outside. */
export type AbortReason = 'timeout' | 'cancel';

/** How a launched attempt ended: the runner's result and, if it was stopped, why. */
export interface LaunchOutcome {
  res: AttemptResult;
  reason?: AbortReason;
}

/** The handle of a running attempt: its abort, why it was stopped, its pid once started, and whether it was killed. */
interface LaunchEntry {
  ctl: AbortController;
  reason?: AbortReason;
  pid?: number;
  killed?: boolean;
  /** The pending write of the pid (see PID_WRITE_DELAY_MS). */
  pidWrite?: NodeJS.Timeout;
}

/**
 * How long an attempt runs before its pid is written on its own; a shorter attempt's pid is written with its end.
 * Saves one of three store writes per short task (a 1,000-task DAG of `true`).
 */
export const PID_WRITE_DELAY_MS = 250;

/**
 * Starts process-backed attempts on their runners with the attempt's context (logs, environment, task values,
 * SQL), enforces task timeouts, and stops attempts on cancel. Owns the abort handle of every running attempt.
 */
export class AttemptLauncher {
  private readonly aborts = new Map<number, LaunchEntry>();
  /** Log folders already made by this process (one per run). */
  private readonly folders = new Set<string>();

  constructor(
    private readonly d: { runners: ReadonlyMap<TaskKind, TaskRunner>; sql: SqlEngine; dataDir: string; store: RunStore; secrets?: SecretResolver; compute?: ComputeLeases },
  ) {}

  /** Stops a running attempt; false when no attempt with that id runs here. */
  abort(taskRunId: number, reason: AbortReason): boolean {
    const entry = this.aborts.get(taskRunId);
    if (!entry) return false;
    entry.reason = reason;
    entry.ctl.abort();
    return true;
  }

  /** Kills a running attempt's process group at once (no grace time): its run is no longer this process's. */
  kill(taskRunId: number): void {
    const entry = this.aborts.get(taskRunId);
    if (!entry) return;
    // Not started yet: the process is SIGKILLed the moment it starts (an abort alone gives it the grace time).
    entry.killed = true;
    this.abort(taskRunId, 'cancel');
    killGroup(entry.pid, 'SIGKILL');
  }

  /** Makes a run's log folder once, off the event loop (a synchronous mkdir measured 0.76 ms here). */
  private async logFolder(dir: string): Promise<void> {
    if (this.folders.has(dir)) return;
    await mkdir(dir, { recursive: true });
    if (this.folders.size >= 1000) this.folders.clear();
    this.folders.add(dir);
  }

  /**
   * Runs one attempt to its end; never rejects (a runner's exception becomes a FAILED result). A standby attempt
   * (`standby` given, its slot not yet held) is stored as started by `standby.started` once its process starts;
   * its timeout counts from then.
   */
  async launch(run: RunRecord, tr: TaskRunRecord, task: Task, kind: TaskKind, taskValues: TaskValues, slot?: AttemptSlot, standby?: { started(): void }): Promise<LaunchOutcome> {
    const runner = this.d.runners.get(kind);
    const ctl = new AbortController();
    const entry: LaunchEntry = { ctl };
    this.aborts.set(tr.task_run_id, entry);
    const armTimeout = () => (task.timeout_seconds ? setTimeout(() => this.abort(tr.task_run_id, 'timeout'), task.timeout_seconds * 1000) : undefined);
    let timer = standby ? undefined : armTimeout();
    try {
      if (!runner) return { res: { result: 'FAILED', error: `no runner for ${kind}` } };
      await this.logFolder(tr.log_dir);
      // The task's compute (cluster start, init scripts, libraries; held across retries); if it fails, so does the attempt.
      const acquired = await this.d.compute?.forAttempt(run, tr, task, ctl.signal);
      if (acquired && 'failure' in acquired) return { res: acquired.failure, reason: entry.reason };
      // Secret references resolve here, after the task's resolved_values were stored, so no plaintext is persisted.
      const secrets = this.d.secrets?.forTaskRun(run.run_id, tr.task_run_id);
      const resolved = secrets ? await resolveSecretsDeep(task, secrets.get) : task;
      const res = await runner.run({
        jobId: run.job_id,
        runId: run.run_id,
        taskRunId: tr.task_run_id,
        taskKey: tr.task_key,
        attemptNumber: tr.attempt_number,
        task: resolved,
        jobParameters: run.job_parameters,
        sourceDir: run.source_dir,
        stdoutPath: logPath(tr, 'stdout'),
        stderrPath: logPath(tr, 'stderr'),
        signal: ctl.signal,
        // The node type's memory and cores, enforced on the attempt's processes.
        ...limitsOption(acquired?.compute),
        slot,
        env: {
          ...acquired?.compute.env,
          WEIR_JOB_ID: String(run.job_id ?? ''),
          WEIR_RUN_ID: String(run.run_id),
          WEIR_TASK_RUN_ID: String(tr.task_run_id),
          WEIR_TASK_KEY: tr.task_key,
          WEIR_JOB_PARAMETERS: JSON.stringify(run.job_parameters),
          // Which weir process runs the attempt (one of several workers in scale-out).
          WEIR_WORKER_PID: String(process.pid),
        },
        services: { sql: this.d.sql, taskValues, cacheDir: join(this.d.dataDir, 'cache'), secrets: secrets?.get },
        onProcessStart: (pid) => {
          if (entry.killed) return killGroup(pid, 'SIGKILL');
          tr.pid = pid;
          tr.host = HOST;
          entry.pid = pid;
          if (standby) {
            // Its start, pid included, is stored now (it was not before the process started).
            timer = armTimeout();
            return standby.started();
          }
          // Stored with the attempt's end when it ends soon, else on its own. Until then a crash finds the process
          // by its environment (run-adoption.ts), as it must anyway for a crash between the start and this write.
          entry.pidWrite = setTimeout(() => {
            // Fire-and-forget (writes land in call order); a refused (fenced) write has already dropped the run.
            if (this.aborts.get(tr.task_run_id) === entry) this.d.store.saveTaskRun(tr).catch(() => undefined);
          }, PID_WRITE_DELAY_MS);
          entry.pidWrite.unref();
        },
      });
      // Results are stored and served: secret values the attempt used never reach them (logs are redacted when served).
      return { res: secrets ? redactDeep(res, secrets.usedValues()) : res, reason: entry.reason };
    } catch (e) {
      return { res: { result: 'FAILED', error: (e as Error).message, errorTrace: (e as Error).stack }, reason: entry.reason };
    } finally {
      if (timer) clearTimeout(timer);
      if (entry.pidWrite) clearTimeout(entry.pidWrite);
      this.aborts.delete(tr.task_run_id);
    }
  }
}
