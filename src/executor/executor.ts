import { isTerminal, type ResultState } from '../domain/run-state.js';
import { taskKindOf, type TaskKind } from '../domain/task.js';
import { WeirError } from '../domain/weir-error.js';
import { conditionResult, pipelineTaskResult, type PipelineUpdateRunner } from './control-tasks.js';
import type { TaskRunPatch, TaskRunRecord } from '../store/records.js';
import { currentAttempts, dependencyDecision, finalResult, forEachOutcome, isReady, runTaskValues, type ActiveRun } from './active-run.js';
import { currentTops, topIndex } from './top-index.js';
import { referenceScope, resolveDeep } from './references.js';
import { applyOverrides, UNRESOLVED_KEYS } from './task-resolution.js';
import { iterationRuns, parseForEachInputs } from './attempt-policy.js';
import { CANCELED, RunLifecycle } from './run-lifecycle.js';
import { endStrayProcesses, HOST, LOST_IN_CRASH } from './run-adoption.js';
import type { AttemptSlot } from './slot-pool.js';

export type { ExecutorDeps } from './run-lifecycle.js';

/** Kinds the executor settles itself, without a slot or a process. */
const CONTROL_KINDS: ReadonlySet<TaskKind> = new Set(['condition_task', 'for_each_task', 'run_job_task', 'pipeline_task']);

/**
 * Kinds whose attempt is one process that can wait on standby for a slot (slot-pool.ts, ADR 0011), when the task
 * runs on the default compute (a cluster's setup must not start before the task has a slot).
 */
function standbyCapable(kind: TaskKind | undefined, task: TaskRunRecord['task']): boolean {
  return kind === 'shell_task' && !task.job_cluster_key && !task.existing_cluster_id && !task.new_cluster;
}

/**
 * Claims queued runs, walks their task graphs, starts attempts on runners, applies retries, timeouts, cancels
 * and repairs, and reconciles after a crash. Every state change is written to the store before it is acted on.
 */
export class Executor extends RunLifecycle {
  private pumping = false;
  private dirty = false;
  private stopped = false;
  private recovering = false;
  private pending: Promise<void> = Promise.resolve();

  /** Reconciles what a crash left behind, then starts working. */
  async start(): Promise<void> {
    // No pass may start tasks while recovery still decides which RUNNING attempts were lost.
    if (this.d.remote) return this.kick();
    this.recovering = true;
    const runs = await this.d.store.runsInStates(['QUEUED', 'PENDING', 'RUNNING', 'TERMINATING', 'BLOCKED']);
    const stray: TaskRunRecord[] = [];
    for (const run of runs) {
      const trs = await this.d.store.listTaskRuns(run.run_id);
      if (run.life_cycle_state === 'RUNNING' || run.life_cycle_state === 'TERMINATING') stray.push(...trs);
      const a: ActiveRun = { run, taskRuns: new Map(trs.map((t) => [t.task_run_id, t])) };
      this.active.set(run.run_id, a);
      for (const tr of trs) if (tr.life_cycle_state === 'RUNNING') await this.recoverAttempt(a, tr, LOST_IN_CRASH);
      if (run.life_cycle_state === 'RUNNING') this.armJobTimeout(a);
    }
    await endStrayProcesses(stray);
    this.recovering = false;
    this.kick();
  }

  /** Stops scheduling new work and waits for the current pass. Running processes are left to the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    // Attempts waiting on standby never start now (the store has them PENDING; the next start runs them).
    this.slots.close();
    for (const a of this.active.values()) if (a.timeout) clearTimeout(a.timeout);
    await this.pending;
  }

  /** Adds a created run (already stored as QUEUED) to the work. */
  async enqueue(runId: number): Promise<void> {
    if (this.d.remote) return this.d.remote.wake();
    const run = await this.d.store.getRun(runId);
    if (!run) throw new WeirError('RUN.NOT_FOUND', `Run ${runId} does not exist.`);
    const trs = await this.d.store.listTaskRuns(runId);
    this.active.set(runId, { run, taskRuns: new Map(trs.map((t) => [t.task_run_id, t])) });
    this.kick();
  }

  /** Cancels a whole run: running attempts are killed, tasks not started end CANCELED; `message` (default "Run cancelled.") is the run's state_message. */
  async cancelRun(runId: number, reason: 'cancel' | 'timeout' = 'cancel', message?: string): Promise<void> {
    const a = this.active.get(runId);
    if (!a && this.d.remote) return this.d.remote.request(runId, null, reason);
    // A run that finishRun already ended (but has not dropped yet) must not be reopened as TERMINATING.
    if (!a || isTerminal(a.run.life_cycle_state)) return;
    const patches: [number, TaskRunPatch][] = [];
    const now = this.d.clock.now();
    const result: ResultState = reason === 'timeout' ? 'TIMEDOUT' : CANCELED;
    for (const tr of a.taskRuns.values()) {
      if (isTerminal(tr.life_cycle_state) || !tr.is_current) continue;
      if (this.launcher.abort(tr.task_run_id, reason)) {
        // the attempt ends through its runner
      } else if (tr.child_run_id !== null) {
        await this.cancelRun(tr.child_run_id, reason);
      } else if (tr.life_cycle_state !== 'RUNNING' || CONTROL_KINDS.has(taskKindOf(tr.task) as TaskKind)) {
        const p: TaskRunPatch = { life_cycle_state: 'TERMINATED', result_state: result, state_message: reason === 'timeout' ? 'The job run timed out.' : 'Canceled by user.', end_time: now };
        Object.assign(tr, p);
        patches.push([tr.task_run_id, p]);
      }
    }
    const runPatch = { life_cycle_state: 'TERMINATING' as const, user_cancelled_or_timedout: true, state_message: message ?? (reason === 'timeout' ? 'Run timed out.' : 'Run cancelled.') };
    Object.assign(a.run, runPatch);
    await this.d.store.batch({ run: [runId, runPatch], taskRuns: patches });
    this.kick();
  }

  /** Cancels one task run (attempt); the rest of the run goes on per run_if. */
  async cancelTaskRun(runId: number, taskRunId: number): Promise<void> {
    const a = this.active.get(runId);
    const tr = a?.taskRuns.get(taskRunId);
    if (!a && this.d.remote) return this.d.remote.request(runId, taskRunId, 'cancel');
    if (!a || !tr || isTerminal(tr.life_cycle_state)) return;
    if (this.launcher.abort(taskRunId, 'cancel')) return;
    await this.settle(a, tr, { life_cycle_state: 'TERMINATED', result_state: CANCELED, state_message: 'Canceled by user.' });
  }

  /** Re-activates a terminal run for repair with new attempts for `keys` (already stored by the caller). */
  async reactivate(runId: number): Promise<void> {
    if (this.d.remote) return this.d.remote.wake();
    await this.enqueue(runId);
    const a = this.active.get(runId);
    if (a) this.armJobTimeout(a);
  }

  /** Asks for a scheduling pass soon; passes never overlap. */
  kick(): void {
    if (this.stopped || this.recovering) return;
    if (this.pumping) {
      this.dirty = true;
      return;
    }
    this.pumping = true;
    this.pending = (async () => {
      try {
        do {
          this.dirty = false;
          await this.pass();
        } while (this.dirty && !this.stopped);
      } catch (e) {
        process.emitWarning(`weir executor pass failed: ${(e as Error).stack ?? e}`);
      } finally {
        this.pumping = false;
      }
    })();
  }

  private async pass(): Promise<void> {
    for (const a of [...this.active.values()]) {
      if (this.stopped) return;
      if (a.run.life_cycle_state === 'QUEUED') await this.claim(a);
      if (a.run.life_cycle_state === 'RUNNING' || a.run.life_cycle_state === 'TERMINATING') await this.advance(a);
    }
  }

  private async claim(a: ActiveRun): Promise<void> {
    const max = a.run.settings.max_concurrent_runs ?? 1;
    if (a.admission === 'rejected') {
      await this.finishRun(a, 'SKIPPED', 'MAXIMUM_CONCURRENT_RUNS_REACHED', `Skipped: the job already has ${max} active run(s) and max_concurrent_runs is ${max}.`);
      return;
    }
    // A claimed run was admitted by the claim transaction, which counted the job's runs on every worker.
    if (a.run.job_id !== null && a.run.parent_task_run_id === null && a.admission !== 'admitted') {
      const others = [...this.active.values()].filter((o) => o !== a && o.run.job_id === a.run.job_id && o.run.life_cycle_state !== 'QUEUED');
      if (others.length >= max) {
        if (a.run.settings.queue?.enabled) {
          // Say who the run waits for (runs/get shows it as state_message), once per change.
          const msg = `Queued: waiting for run(s) ${others.map((o) => o.run.run_id).join(', ')} of this job to finish (max_concurrent_runs is ${max}).`;
          if (a.run.state_message !== msg) {
            a.run.state_message = msg;
            await this.d.store.updateRun(a.run.run_id, { state_message: msg });
          }
          return;
        }
        await this.finishRun(a, 'SKIPPED', 'MAXIMUM_CONCURRENT_RUNS_REACHED', `Skipped: the job already has ${others.length} active run(s) and max_concurrent_runs is ${max}.`);
        return;
      }
    }
    const now = this.d.clock.now();
    const patch = { life_cycle_state: 'RUNNING' as const, start_time: a.run.start_time ?? now, state_message: '' };
    Object.assign(a.run, patch);
    await this.d.store.updateRun(a.run.run_id, patch);
    this.armJobTimeout(a);
    this.emit({ type: 'run_started', run: { ...a.run } });
  }

  private async advance(a: ActiveRun): Promise<void> {
    const { byKey, live } = topIndex(a);
    const canceling = a.run.life_cycle_state === 'TERMINATING';
    const now = this.d.clock.now();
    for (const tr of live) {
      if (tr.life_cycle_state === 'RUNNING' && taskKindOf(tr.task) === 'for_each_task') await this.advanceForEach(a, tr);
      if (canceling || !isReady(tr, now)) continue;
      const decision = dependencyDecision(tr, byKey);
      if (decision === 'run') await this.startAttempt(a, tr);
      else if (decision !== 'wait') await this.settle(a, tr, decision);
    }
    const end = topIndex(a);
    if (end.live.length === 0 && end.tops.every((t) => isTerminal(t.life_cycle_state))) {
      const { result, message } = finalResult(a.run, [...end.tops]);
      await this.finishRun(a, 'TERMINATED', result, message);
    }
  }

  private async advanceForEach(a: ActiveRun, parent: TaskRunRecord): Promise<void> {
    const its = currentAttempts(a, parent.task_run_id);
    const concurrency = Math.max(1, parent.task.for_each_task?.concurrency ?? 1);
    let running = its.filter((t) => t.life_cycle_state === 'RUNNING' || this.standby.has(t.task_run_id)).length;
    for (const it of its) {
      if (running >= concurrency) break;
      if (!isReady(it, this.d.clock.now()) || a.run.life_cycle_state === 'TERMINATING') continue;
      running++;
      await this.startAttempt(a, it);
    }
    if (its.every((t) => isTerminal(t.life_cycle_state))) await this.settle(a, parent, forEachOutcome(its));
  }

  private async startAttempt(a: ActiveRun, tr: TaskRunRecord): Promise<void> {
    if (this.standby.has(tr.task_run_id)) return;
    const kind = taskKindOf(tr.task);
    const needsSlot = kind !== undefined && !CONTROL_KINDS.has(kind);
    // A free slot, or (all in use) a place on standby: the attempt's process starts the moment a slot frees.
    let slot: AttemptSlot | undefined;
    if (needsSlot) {
      if (this.slots.tryTake()) slot = { pool: this.slots, held: true };
      else if (standbyCapable(kind, tr.task) && !this.d.remote && this.standby.size < this.slots.capacity) slot = { pool: this.slots, held: false };
      else return;
    }
    const now = this.d.clock.now();
    let task = tr.task;
    try {
      task = resolveDeep(applyOverrides(tr.task, a.run), referenceScope(a.run, currentTops(a).tops, tr, this.d.workspaceUrl), UNRESOLVED_KEYS);
    } catch (e) {
      if (slot?.held) this.slots.release();
      await this.settle(a, tr, { life_cycle_state: 'INTERNAL_ERROR', result_state: 'FAILED', state_message: (e as Error).message, error: (e as Error).message });
      return;
    }
    // The host is stored before the process starts: if this worker dies before the pid is stored, the adopter on
    // this host still knows to look for the attempt's process (run-adoption.ts).
    const started: TaskRunPatch = { life_cycle_state: 'RUNNING', start_time: now, resolved_values: task as Record<string, unknown>, host: HOST };
    if (slot && !slot.held) return this.runOnStandby(a, tr, task, kind as TaskKind, slot, started);
    Object.assign(tr, started);
    await this.d.store.saveTaskRun(tr);
    this.emit({ type: 'task_started', run: { ...a.run }, taskRun: { ...tr } });
    if (kind === 'condition_task') {
      await this.finishAttempt(a, tr, conditionResult(task));
    } else if (kind === 'for_each_task') {
      await this.startForEach(a, tr, task);
    } else if (kind === 'run_job_task') {
      await this.startChildJob(a, tr, task);
    } else if (kind === 'pipeline_task') {
      void pipelineTaskResult(task, this.runPipelineUpdate)
        .then((res) => this.finishAttempt(a, tr, res))
        .catch((e) => process.emitWarning(`weir: finishing task run ${tr.task_run_id} failed: ${e}`));
    } else {
      this.runProcess(a, tr, task, kind as TaskKind, slot);
    }
  }

  /**
   * Launches an attempt that waits for a slot with its process ready to start (ADR 0011). It stays PENDING, in the
   * store too, until its process starts; then its start is stored with the pid, in one write.
   */
  private runOnStandby(a: ActiveRun, tr: TaskRunRecord, task: TaskRunRecord['task'], kind: TaskKind, slot: AttemptSlot, started: TaskRunPatch): void {
    this.standby.add(tr.task_run_id);
    this.runProcess(a, tr, task, kind, slot, {
      started: () => {
        this.standby.delete(tr.task_run_id);
        Object.assign(tr, started, { start_time: this.d.clock.now() });
        // Fire-and-forget like the pid write (writes land in call order; a fenced one has already dropped the run).
        this.d.store.saveTaskRun(tr).catch(() => undefined);
        this.emit({ type: 'task_started', run: { ...a.run }, taskRun: { ...tr } });
      },
    });
  }

  private runProcess(a: ActiveRun, tr: TaskRunRecord, task: TaskRunRecord['task'], kind: TaskKind, slot?: AttemptSlot, standby?: { started(): void }): void {
    void this.launcher
      .launch(a.run, tr, task, kind, runTaskValues(a, tr, this.d.store), slot, standby)
      .then(async ({ res, reason }) => {
        this.standby.delete(tr.task_run_id);
        // Given back unless the attempt's process passed it on as it exited (or it never got one).
        if (slot?.held) this.slots.release();
        // A dropped run (taken over by another worker) gets no more writes from here.
        if (this.active.get(a.run.run_id) !== a) return this.kick();
        await this.finishAttempt(a, tr, res, reason);
      })
      .catch((e) => process.emitWarning(`weir: finishing task run ${tr.task_run_id} failed: ${e}`));
  }

  private async startForEach(a: ActiveRun, tr: TaskRunRecord, task: TaskRunRecord['task']): Promise<void> {
    let inputs: unknown[];
    try {
      inputs = parseForEachInputs(task.for_each_task!.inputs);
    } catch (e) {
      await this.finishAttempt(a, tr, { result: 'FAILED', error: (e as Error).message });
      return;
    }
    const rows = iterationRuns(a.run, tr, inputs, await this.d.store.allocateIds(inputs.length || 1), this.d.clock.now(), this.d.dataDir);
    for (const r of rows) a.taskRuns.set(r.task_run_id, r);
    await this.d.store.insertTaskRuns(rows);
    this.kick();
  }

  private async startChildJob(a: ActiveRun, tr: TaskRunRecord, task: TaskRunRecord['task']): Promise<void> {
    if (!this.createChildRun) {
      await this.finishAttempt(a, tr, { result: 'FAILED', error: 'run_job_task is not available' });
      return;
    }
    try {
      const childId = await this.createChildRun(task.run_job_task!, tr.task_run_id);
      tr.child_run_id = childId;
      tr.output = { run_job_output: { run_id: childId } };
      await this.d.store.updateTaskRun(tr.task_run_id, { child_run_id: childId, output: tr.output });
      await this.enqueue(childId);
    } catch (e) {
      await this.finishAttempt(a, tr, { result: 'FAILED', error: (e as Error).message });
    }
  }

  /** Runs a pipeline_task's update (set by the composition root when the pipeline engine runs in this process). */
  runPipelineUpdate?: PipelineUpdateRunner;

  /** Creates the child run of a run_job_task (set by the jobs service, which owns run creation). */
  createChildRun?: (spec: NonNullable<TaskRunRecord['task']['run_job_task']>, parentTaskRunId: number) => Promise<number>;

}
