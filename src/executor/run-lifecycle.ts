import { SlotPool } from './slot-pool.js';
import type { Clock } from '../domain/clock.js';
import { attemptEnded } from './top-index.js';
import { isTerminal, type ResultState } from '../domain/run-state.js';
import { taskKindOf, type TaskKind } from '../domain/task.js';
import { WeirError } from '../domain/weir-error.js';
import type { SqlEngine } from '../engine/sql-engine.js';
import type { JobStore } from '../store/ports/job-store.js';
import type { RunStore } from '../store/ports/run-store.js';
import type { RunRecord, TaskRunPatch, TaskRunRecord } from '../store/records.js';
import type { AttemptResult, TaskRunner } from './runners/task-runner.js';
import type { SecretResolver } from '../secrets/secret-service.js';
import { AttemptLauncher } from './attempt-launcher.js';
import { ComputeLeases } from './compute-lease.js';
import type { ComputeProvider } from './compute/compute-provider.js';
import { emitRunEvent, type RunEvent, type RunEventListener } from './run-events.js';
import type { ActiveRun } from './active-run.js';
import { endedAttemptPatch, retryAttempt, shouldRetry } from './attempt-policy.js';
import type { RemoteRuns } from './remote-runs.js';
import { awaitedChildRuns, endLostProcess, LOST_WORKER } from './run-adoption.js';

/** What the executor needs. */
export interface ExecutorDeps {
  store: JobStore & RunStore;
  runners: ReadonlyMap<TaskKind, TaskRunner>;
  clock: Clock;
  dataDir: string;
  /** Tasks that may run processes at once. */
  slots: number;
  sql: SqlEngine;
  workspaceUrl: string;
  /** Resolves `{{secrets/scope/key}}` and dbutils.secrets.get for attempts; without it they fail. */
  secrets?: SecretResolver;
  /** Told (never awaited) when runs and task attempts start and end: notifications and health rules. */
  events?: RunEventListener;
  /** Scale-out (PostgreSQL): runs are claimed by workers, and this executor works only on runs adopted from a claim. */
  remote?: RemoteRuns;
  /** Clusters tasks run on (job clusters, all-purpose clusters, libraries); without it every task runs on the default compute. */
  compute?: ComputeProvider;
}

/** The result of a canceled run or attempt. */
export const CANCELED: ResultState = 'CANCELED';

/**
 * The executor's runs and how their attempts and runs end (split from executor.ts, which walks the graphs and
 * starts attempts): the active runs and their waiters, settling and retrying attempts, ending runs, crash and
 * lost-worker recovery of RUNNING attempts, and taking over or dropping runs claimed from the store (scale-out).
 */
export abstract class RunLifecycle {
  protected readonly active = new Map<number, ActiveRun>();
  protected readonly waiters = new Map<number, ((r: RunRecord) => void)[]>();
  protected readonly timers = new Set<NodeJS.Timeout>();
  /** The task slots, and the attempts waiting on standby for one (slot-pool.ts). */
  protected readonly slots: SlotPool;
  /** Task runs launched on standby whose process has not started yet (still PENDING in the store). */
  protected readonly standby = new Set<number>();
  protected readonly launcher: AttemptLauncher;
  protected readonly leases: ComputeLeases;

  constructor(protected readonly d: ExecutorDeps) {
    this.slots = new SlotPool(d.slots);
    this.leases = new ComputeLeases(d.compute, d.store, d.clock);
    this.launcher = new AttemptLauncher({ ...d, compute: this.leases });
  }

  /** Asks for a scheduling pass soon. */
  abstract kick(): void;

  /** Cancels a whole run (or times it out). */
  abstract cancelRun(runId: number, reason?: 'cancel' | 'timeout', message?: string): Promise<void>;

  /** Resolves when the run is terminal. */
  waitForRun(runId: number): Promise<RunRecord> {
    return new Promise((resolve, reject) => {
      if (!this.active.has(runId) && this.d.remote) {
        void this.pollUntilTerminal(runId).then(resolve, reject);
        return;
      }
      if (!this.active.has(runId)) {
        this.d.store.getRun(runId).then((r) => (r ? resolve(r) : reject(new WeirError('RUN.NOT_FOUND', `Run ${runId} does not exist.`))), reject);
        return;
      }
      this.waiters.set(runId, [...(this.waiters.get(runId) ?? []), resolve]);
    });
  }

  protected async pollUntilTerminal(runId: number): Promise<RunRecord> {
    for (;;) {
      const r = await this.d.store.getRun(runId);
      if (!r) throw new WeirError('RUN.NOT_FOUND', `Run ${runId} does not exist.`);
      if (isTerminal(r.life_cycle_state)) return r;
      await new Promise((ok) => setTimeout(ok, 250));
    }
  }

  /** True while the run is being worked on. */
  isActive(runId: number): boolean {
    return this.active.has(runId);
  }

  /**
   * Takes over a run claimed from the store (scale-out). `admitted` false: the claim found the job at
   * max_concurrent_runs (without queueing), so the run ends SKIPPED. Attempts its lost owner left RUNNING end
   * FAILED "lost worker" and are retried per policy, as crash recovery does.
   */
  async adopt(run: RunRecord, taskRuns: TaskRunRecord[], admitted: boolean): Promise<void> {
    const a: ActiveRun = { run, taskRuns: new Map(taskRuns.map((t) => [t.task_run_id, t])), admission: admitted ? 'admitted' : 'rejected' };
    for (const tr of taskRuns) if (tr.life_cycle_state === 'RUNNING') await this.recoverAttempt(a, tr, LOST_WORKER);
    this.active.set(run.run_id, a);
    if (run.life_cycle_state === 'RUNNING') this.armJobTimeout(a);
    this.kick();
  }

  /** Stops working on a run at once (another worker owns it now, or this one lost the store): its processes are killed. */
  drop(runId: number): void {
    const a = this.active.get(runId);
    if (!a) return;
    this.active.delete(runId);
    if (a.timeout) clearTimeout(a.timeout);
    for (const tr of a.taskRuns.values()) this.launcher.kill(tr.task_run_id);
    this.leases.releaseRun(runId);
  }

  /** Runs this executor works on. */
  activeRunIds(): number[] {
    return [...this.active.keys()];
  }

  /** Child runs (of run_job_task attempts) that run elsewhere and whose end this executor waits for. */
  awaitedChildren(): number[] {
    return awaitedChildRuns(this.active.values());
  }

  /** Tells the executor that a child run another worker ran has ended. */
  async childEnded(child: RunRecord): Promise<void> {
    if (!this.active.has(child.run_id) && isTerminal(child.life_cycle_state)) await this.childRunFinished(child);
  }

  protected emit(e: RunEvent): void {
    this.leases.onRunEvent(e);
    emitRunEvent(this.d.events, e);
  }

  protected armJobTimeout(a: ActiveRun): void {
    const secs = a.run.settings.timeout_seconds ?? 0;
    if (!secs || a.timeout || a.run.start_time === null) return;
    const left = Math.max(0, a.run.start_time + secs * 1000 - this.d.clock.now());
    a.timeout = setTimeout(() => this.cancelRun(a.run.run_id, 'timeout').catch((e) => process.emitWarning(`weir: timing out run ${a.run.run_id} failed: ${e}`)), left);
  }

  protected async finishRun(a: ActiveRun, life: 'TERMINATED' | 'SKIPPED', result: ResultState, message: string): Promise<void> {
    const now = this.d.clock.now();
    const history = a.run.repair_history.map((h, i) => (i === a.run.repair_history.length - 1 && !h.end_time ? { ...h, end_time: now } : h));
    const patch = { life_cycle_state: life, result_state: result, state_message: message, end_time: now, repair_history: history };
    Object.assign(a.run, patch);
    await this.d.store.updateRun(a.run.run_id, patch);
    this.emit({ type: 'run_ended', run: { ...a.run } });
    if (a.timeout) clearTimeout(a.timeout);
    this.active.delete(a.run.run_id);
    for (const w of this.waiters.get(a.run.run_id) ?? []) w(a.run);
    this.waiters.delete(a.run.run_id);
    await this.d.remote?.release(a.run.run_id);
    if (a.run.parent_task_run_id !== null) await this.childRunFinished(a.run);
  }

  protected async childRunFinished(child: RunRecord): Promise<void> {
    for (const p of this.active.values()) {
      const tr = p.taskRuns.get(child.parent_task_run_id as number);
      if (!tr) continue;
      const ok = child.result_state === 'SUCCESS';
      await this.finishAttempt(p, tr, {
        result: ok ? 'SUCCESS' : 'FAILED',
        error: ok ? undefined : `The child run ${child.run_id} ended ${child.result_state}: ${child.state_message}`,
      }, child.result_state === 'TIMEDOUT' ? 'timeout' : child.result_state === CANCELED ? 'cancel' : undefined);
      return;
    }
  }

  /** Writes a task run's new state (and its end) and asks for the next pass. */
  protected async settle(a: ActiveRun, tr: TaskRunRecord, patch: TaskRunPatch): Promise<void> {
    const now = this.d.clock.now();
    Object.assign(tr, patch, { end_time: now, start_time: tr.start_time ?? now });
    attemptEnded(a, tr);
    await this.d.store.saveTaskRun(tr);
    this.emit({ type: 'task_ended', run: { ...a.run }, taskRun: { ...tr }, lastAttempt: true });
    this.kick();
  }

  protected async finishAttempt(a: ActiveRun, tr: TaskRunRecord, res: AttemptResult, reason?: 'timeout' | 'cancel'): Promise<void> {
    const { patch, result } = endedAttemptPatch(a.run, tr, res, reason);
    await this.retryOrSettle(a, tr, patch, result);
  }

  protected async retryOrSettle(a: ActiveRun, tr: TaskRunRecord, patch: TaskRunPatch, result: ResultState): Promise<void> {
    if (!shouldRetry(tr, result, a.run.life_cycle_state === 'RUNNING')) {
      await this.settle(a, tr, patch);
      return;
    }
    const now = this.d.clock.now();
    const next = retryAttempt(tr, a.run, await this.d.store.allocateIds(1), now, this.d.dataDir);
    const id = next.task_run_id;
    Object.assign(tr, patch, { end_time: now, is_current: false });
    a.taskRuns.set(id, next);
    // The pid goes with the end: a short attempt's pid was not written on its own (attempt-launcher.ts).
    await this.d.store.batch({ insert: [next], taskRuns: [[tr.task_run_id, { ...patch, pid: tr.pid, host: tr.host, end_time: now, is_current: false }]] });
    this.emit({ type: 'task_ended', run: { ...a.run }, taskRun: { ...tr }, lastAttempt: false });
    // Kick now (other tasks may start) and again when the retry may start.
    const t = setTimeout(() => (this.timers.delete(t), this.kick()), Math.max(0, (next.not_before ?? now) - now));
    this.timers.add(t);
    this.kick();
  }

  protected async recoverAttempt(a: ActiveRun, tr: TaskRunRecord, msg: string): Promise<void> {
    const kind = taskKindOf(tr.task);
    if (kind === 'for_each_task') return;
    if (kind === 'run_job_task' && tr.child_run_id !== null) return;
    if (kind === 'condition_task' || kind === 'run_job_task') {
      const p: TaskRunPatch = { life_cycle_state: 'PENDING', start_time: null };
      Object.assign(tr, p);
      await this.d.store.updateTaskRun(tr.task_run_id, p);
      return;
    }
    await endLostProcess(tr);
    await this.retryOrSettle(a, tr, { life_cycle_state: 'TERMINATED', result_state: 'FAILED', state_message: msg, error: msg }, 'FAILED');
  }
}
