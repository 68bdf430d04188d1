import type { Clock } from '../domain/clock.js';
import { isTerminal, type ResultState } from '../domain/run-state.js';
import { taskKindOf, type TaskKind } from '../domain/task.js';
import { WeirError } from '../domain/weir-error.js';
import type { SqlEngine } from '../engine/sql-engine.js';
import { conditionResult, pipelineTaskResult, type PipelineUpdateRunner } from './control-tasks.js';
import type { JobStore } from '../store/ports/job-store.js';
import type { RunStore } from '../store/ports/run-store.js';
import type { RunRecord, TaskRunPatch, TaskRunRecord } from '../store/records.js';
import type { AttemptResult, TaskRunner } from './runners/task-runner.js';
import type { SecretResolver } from '../secrets/secret-service.js';
import { AttemptLauncher } from './attempt-launcher.js';
import { emitRunEvent, type RunEvent, type RunEventListener } from './run-events.js';
import { currentAttempts, dependencyDecision, finalResult, forEachOutcome, isReady, runTaskValues, type ActiveRun } from './active-run.js';
import { attemptEnded, currentTops, topIndex } from './top-index.js';
import { referenceScope, resolveDeep } from './references.js';
import { applyOverrides, UNRESOLVED_KEYS } from './task-resolution.js';
import { endedAttemptPatch, iterationRuns, parseForEachInputs, retryAttempt, shouldRetry } from './attempt-policy.js';
import type { RemoteRuns } from './remote-runs.js';
import { awaitedChildRuns, endLostProcess, LOST_IN_CRASH, LOST_WORKER } from './run-adoption.js';

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
}

/** Kinds the executor settles itself, without a slot or a process. */
const CONTROL_KINDS: ReadonlySet<TaskKind> = new Set(['condition_task', 'for_each_task', 'run_job_task', 'pipeline_task']);
const CANCELED: ResultState = 'CANCELED';

/**
 * Claims queued runs, walks their task graphs, starts attempts on runners, applies retries, timeouts, cancels
 * and repairs, and reconciles after a crash. Every state change is written to the store before it is acted on.
 */
export class Executor {
  private readonly active = new Map<number, ActiveRun>();
  private readonly waiters = new Map<number, ((r: RunRecord) => void)[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private usedSlots = 0;
  private pumping = false;
  private dirty = false;
  private stopped = false;
  private recovering = false;
  private pending: Promise<void> = Promise.resolve();

  private readonly launcher: AttemptLauncher;

  constructor(private readonly d: ExecutorDeps) {
    this.launcher = new AttemptLauncher(d);
  }

  /** Reconciles what a crash left behind, then starts working. */
  async start(): Promise<void> {
    // No pass may start tasks while recovery still decides which RUNNING attempts were lost.
    if (this.d.remote) return this.kick();
    this.recovering = true;
    const runs = await this.d.store.runsInStates(['QUEUED', 'PENDING', 'RUNNING', 'TERMINATING', 'BLOCKED']);
    for (const run of runs) {
      const trs = await this.d.store.listTaskRuns(run.run_id);
      const a: ActiveRun = { run, taskRuns: new Map(trs.map((t) => [t.task_run_id, t])) };
      this.active.set(run.run_id, a);
      for (const tr of trs) if (tr.life_cycle_state === 'RUNNING') await this.recoverAttempt(a, tr, LOST_IN_CRASH);
      if (run.life_cycle_state === 'RUNNING') this.armJobTimeout(a);
    }
    this.recovering = false;
    this.kick();
  }

  /** Stops scheduling new work and waits for the current pass. Running processes are left to the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
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

  private async pollUntilTerminal(runId: number): Promise<RunRecord> {
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

  /** Cancels a whole run: running attempts are killed, tasks not started end CANCELED. */
  async cancelRun(runId: number, reason: 'cancel' | 'timeout' = 'cancel'): Promise<void> {
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
    const runPatch = { life_cycle_state: 'TERMINATING' as const, user_cancelled_or_timedout: true, state_message: reason === 'timeout' ? 'Run timed out.' : 'Run cancelled.' };
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

  private emit(e: RunEvent): void {
    emitRunEvent(this.d.events, e);
  }

  private armJobTimeout(a: ActiveRun): void {
    const secs = a.run.settings.timeout_seconds ?? 0;
    if (!secs || a.timeout || a.run.start_time === null) return;
    const left = Math.max(0, a.run.start_time + secs * 1000 - this.d.clock.now());
    a.timeout = setTimeout(() => this.cancelRun(a.run.run_id, 'timeout').catch((e) => process.emitWarning(`weir: timing out run ${a.run.run_id} failed: ${e}`)), left);
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
    let running = its.filter((t) => t.life_cycle_state === 'RUNNING').length;
    for (const it of its) {
      if (running >= concurrency) break;
      if (!isReady(it, this.d.clock.now()) || a.run.life_cycle_state === 'TERMINATING') continue;
      running++;
      await this.startAttempt(a, it);
    }
    if (its.every((t) => isTerminal(t.life_cycle_state))) await this.settle(a, parent, forEachOutcome(its));
  }

  private async finishRun(a: ActiveRun, life: 'TERMINATED' | 'SKIPPED', result: ResultState, message: string): Promise<void> {
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

  private async childRunFinished(child: RunRecord): Promise<void> {
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
  private async settle(a: ActiveRun, tr: TaskRunRecord, patch: TaskRunPatch): Promise<void> {
    const now = this.d.clock.now();
    Object.assign(tr, patch, { end_time: now, start_time: tr.start_time ?? now });
    attemptEnded(a, tr);
    await this.d.store.saveTaskRun(tr);
    this.emit({ type: 'task_ended', run: { ...a.run }, taskRun: { ...tr }, lastAttempt: true });
    this.kick();
  }

  private async startAttempt(a: ActiveRun, tr: TaskRunRecord): Promise<void> {
    const kind = taskKindOf(tr.task);
    const needsSlot = kind !== undefined && !CONTROL_KINDS.has(kind);
    if (needsSlot && this.usedSlots >= this.d.slots) return;
    const now = this.d.clock.now();
    let task = tr.task;
    try {
      task = resolveDeep(applyOverrides(tr.task, a.run), referenceScope(a.run, currentTops(a).tops, tr, this.d.workspaceUrl), UNRESOLVED_KEYS);
    } catch (e) {
      await this.settle(a, tr, { life_cycle_state: 'INTERNAL_ERROR', result_state: 'FAILED', state_message: (e as Error).message, error: (e as Error).message });
      return;
    }
    const started: TaskRunPatch = { life_cycle_state: 'RUNNING', start_time: now, resolved_values: task as Record<string, unknown> };
    Object.assign(tr, started);
    if (needsSlot) this.usedSlots++;
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
      this.runProcess(a, tr, task, kind as TaskKind);
    }
  }

  private runProcess(a: ActiveRun, tr: TaskRunRecord, task: TaskRunRecord['task'], kind: TaskKind): void {
    void this.launcher
      .launch(a.run, tr, task, kind, runTaskValues(a, tr, this.d.store))
      .then(async ({ res, reason }) => {
        this.usedSlots--;
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

  private async finishAttempt(a: ActiveRun, tr: TaskRunRecord, res: AttemptResult, reason?: 'timeout' | 'cancel'): Promise<void> {
    const { patch, result } = endedAttemptPatch(a.run, tr, res, reason);
    await this.retryOrSettle(a, tr, patch, result);
  }

  private async retryOrSettle(a: ActiveRun, tr: TaskRunRecord, patch: TaskRunPatch, result: ResultState): Promise<void> {
    if (!shouldRetry(tr, result, a.run.life_cycle_state === 'RUNNING')) {
      await this.settle(a, tr, patch);
      return;
    }
    const now = this.d.clock.now();
    const next = retryAttempt(tr, a.run, await this.d.store.allocateIds(1), now, this.d.dataDir);
    const id = next.task_run_id;
    Object.assign(tr, patch, { end_time: now, is_current: false });
    a.taskRuns.set(id, next);
    await this.d.store.batch({ insert: [next], taskRuns: [[tr.task_run_id, { ...patch, end_time: now, is_current: false }]] });
    this.emit({ type: 'task_ended', run: { ...a.run }, taskRun: { ...tr }, lastAttempt: false });
    // Kick now (other tasks may start) and again when the retry may start.
    const t = setTimeout(() => (this.timers.delete(t), this.kick()), Math.max(0, (next.not_before ?? now) - now));
    this.timers.add(t);
    this.kick();
  }

  private async recoverAttempt(a: ActiveRun, tr: TaskRunRecord, msg: string): Promise<void> {
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
