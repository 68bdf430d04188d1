import type { Clock } from '../domain/clock.js';
import type { ResourceLimits } from '../domain/node-types.js';
import type { Task } from '../domain/task.js';
import { isWeirError } from '../domain/weir-error.js';
import type { RunStore } from '../store/ports/run-store.js';
import type { RunRecord, TaskRunRecord } from '../store/records.js';
import type { ComputeLease, ComputeProvider } from './compute/compute-provider.js';
import type { RunEvent } from './run-events.js';
import type { AttemptResult } from './runners/task-runner.js';

/** The compute one attempt runs on: what its processes get. */
export interface AttemptCompute {
  /** Environment of the cluster (spark_env_vars, DB_*, the library environment); weir's own WEIR_* variables win. */
  env: Record<string, string>;
  /** The driver node type's memory and cores, for the runners' `limits` option; empty on the default compute. */
  limits: ResourceLimits;
}

/** An attempt's compute, or the FAILED result of an attempt whose compute could not be had. */
export type AttemptComputeOutcome = { compute: AttemptCompute } | { failure: AttemptResult };

/** The runners' `limits` option for an attempt's compute (enforced by src/executor/runners/resource-limits.ts); none on the default compute. */
export function limitsOption(compute: AttemptCompute | undefined): { limits?: ResourceLimits } {
  return compute && Object.keys(compute.limits).length ? { limits: compute.limits } : {};
}

/** The compute of tasks that name none, and of every task when no provider is configured. */
const DEFAULT_COMPUTE: AttemptCompute = { env: {}, limits: {} };

/**
 * The executor's side of compute: acquires a task's compute before its first attempt (job cluster start, init
 * scripts, library installs), keeps it across the task's retries, releases it when the task settles and a run's job
 * clusters when the run ends. The time an acquire took is the attempt's `setup_duration_ms`; an acquire that fails
 * ends the attempt FAILED with the cluster's message and a Databricks termination code.
 */
export class ComputeLeases {
  /** Held leases by task: `<run_id>/<task_key>/<parent task run>:<iteration_index>`. */
  private readonly leases = new Map<string, ComputeLease>();

  constructor(
    private readonly provider: ComputeProvider | undefined,
    private readonly store: Pick<RunStore, 'saveTaskRun'>,
    private readonly clock: Clock,
  ) {}

  /** The compute for an attempt of `tr` (its `task` with references resolved); never rejects. */
  async forAttempt(run: RunRecord, tr: TaskRunRecord, task: Task, signal: AbortSignal): Promise<AttemptComputeOutcome> {
    if (!this.provider) return { compute: DEFAULT_COMPUTE };
    const key = leaseKey(tr);
    const held = this.leases.get(key);
    if (held) return { compute: { env: held.env, limits: held.limits } };
    const t0 = this.clock.now();
    try {
      const lease = await this.provider.acquire(run, task, signal);
      if (signal.aborted) {
        // Cancelled (or the run dropped) while the cluster came up: no attempt follows to settle and release it.
        warnOnFailure(lease.release(), `releasing the compute of ${key}`);
        return { failure: { result: 'FAILED', error: 'The attempt was stopped while its cluster started.' } };
      }
      this.leases.set(key, lease);
      await this.record(tr, { setup_duration_ms: lease.setupMs });
      return { compute: { env: lease.env, limits: lease.limits } };
    } catch (e) {
      // The time a failed start took is setup time too (the lease reports it only for successes).
      const patch: Partial<TaskRunRecord> = { setup_duration_ms: this.clock.now() - t0 };
      if (!signal.aborted) patch.termination_code = terminationCodeOf(e);
      await this.record(tr, patch);
      return { failure: { result: 'FAILED', error: (e as Error).message, errorTrace: isWeirError(e) ? undefined : (e as Error).stack } };
    }
  }

  /** Releases compute when a task settles (its last attempt ended) and a run's job clusters when the run ends. */
  onRunEvent(e: RunEvent): void {
    if (e.type === 'task_ended' && e.lastAttempt) this.release(leaseKey(e.taskRun));
    else if (e.type === 'run_ended') this.releaseRun(e.run.run_id);
  }

  /** Releases every lease of a run (tasks a cancel ended without an event included) and the run's job clusters. */
  releaseRun(runId: number): void {
    const prefix = `${runId}/`;
    for (const key of [...this.leases.keys()]) if (key.startsWith(prefix)) this.release(key);
    if (this.provider) warnOnFailure(this.provider.releaseRun(runId), `releasing the job clusters of run ${runId}`);
  }

  private release(key: string): void {
    const lease = this.leases.get(key);
    if (!lease) return;
    this.leases.delete(key);
    warnOnFailure(lease.release(), `releasing the compute of ${key}`);
  }

  /** Sets fields on the attempt and stores it (writes land in call order, so the settle after this keeps them). */
  private async record(tr: TaskRunRecord, patch: Partial<TaskRunRecord>): Promise<void> {
    Object.assign(tr, patch);
    // A refused (fenced) write means the run was dropped: the settle is refused as well, nothing to do here.
    await this.store.saveTaskRun(tr).catch(() => undefined);
  }
}

/** One lease per task (and per for_each iteration), shared by the task's retries. */
function leaseKey(tr: Pick<TaskRunRecord, 'run_id' | 'task_key' | 'iteration_index' | 'parent_task_run_id'>): string {
  return `${tr.run_id}/${tr.task_key}/${tr.parent_task_run_id ?? ''}:${tr.iteration_index ?? ''}`;
}

/**
 * The Databricks termination code of a failed acquire: LIBRARY_INSTALLATION_ERROR for libraries, INVALID_CLUSTER_REQUEST
 * for a cluster spec weir cannot act on (e.g. an s3 init script), CLUSTER_ERROR for a cluster that did not start.
 */
export function terminationCodeOf(e: unknown): string {
  if (isWeirError(e, 'CLUSTER.START_FAILED') && e.params.library === true) return 'LIBRARY_INSTALLATION_ERROR';
  if (isWeirError(e, 'VALIDATION.INVALID') || isWeirError(e, 'CLUSTER.POLICY_VIOLATION')) return 'INVALID_CLUSTER_REQUEST';
  return 'CLUSTER_ERROR';
}

function warnOnFailure(p: Promise<unknown>, what: string): void {
  p.catch((e) => process.emitWarning(`weir: ${what} failed: ${(e as Error).stack ?? e}`));
}
