import { randomBytes } from 'node:crypto';
import type { ClaimStore } from '../store/ports/claim-store.js';
import type { RunStore } from '../store/ports/run-store.js';
import type { RunFence } from '../store/sql/run-fence.js';
import type { Executor } from './executor.js';
import type { RemoteRuns } from './remote-runs.js';
import { HOST } from './run-adoption.js';

/** A worker's settings: its pool, how many tasks it runs at once, and the lost-worker timeout. */
export interface WorkerOptions {
  pool: string;
  slots: number;
  /** A worker silent this long is declared lost (default 10 s); it heartbeats every third of it. */
  timeoutMs: number;
  /** Claims are also polled this often, in case a wake-up was missed (default 2 s). */
  pollMs?: number;
}

/** What a worker needs: the claim store, the run store (fenced with this worker's claims), and its executor. */
export interface WorkerDeps {
  claims: ClaimStore;
  store: RunStore & { fence?: RunFence };
  executor: Executor;
  options: WorkerOptions;
}

/**
 * The worker role (ADR 0007): claims runs of its pool from the store and runs them on its executor; heartbeats;
 * sweeps lost workers; acts on cancels other processes request; and fences itself: its writes land only while it
 * owns the run, and when it cannot reach the store for half the timeout it kills its attempts and stops claiming
 * until it can again (then it registers as a new worker, and its old runs are recovered by whoever claims them).
 */
export class Worker implements RemoteRuns {
  private id = '';
  private readonly epochs = new Map<number, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private unlisten: (() => Promise<void>) | undefined;
  private lastBeat = Date.now();
  private fenced = false;
  private stopped = false;
  private busy = false;
  private again = false;
  private beating = false;

  constructor(private readonly d: WorkerDeps) {}

  /** This worker's current id (a new one after it fenced itself). */
  get workerId(): string {
    return this.id;
  }

  /** The fence the run store checks every write of this process against. */
  readonly fence: RunFence = {
    workerId: '',
    epochOf: (runId) => this.epochs.get(runId),
    onFenced: (runId) => {
      this.epochs.delete(runId);
      this.d.executor.drop(runId);
    },
  };

  /** Registers, starts listening, heartbeating, sweeping and claiming. */
  async start(): Promise<void> {
    await this.register();
    this.d.store.fence = this.fence;
    this.unlisten = await this.d.claims.listen(() => this.wakeLocal());
    const beat = Math.max(100, Math.floor(this.d.options.timeoutMs / 3));
    this.timers.push(setInterval(() => void this.beat(), beat));
    this.timers.push(setInterval(() => this.wakeLocal(), this.d.options.pollMs ?? 2000));
    this.wakeLocal();
  }

  /** Stops claiming, kills this worker's attempts and gives its runs back, so another worker continues them now. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.unlisten?.();
    for (const runId of this.d.executor.activeRunIds()) this.d.executor.drop(runId);
    this.epochs.clear();
    await this.d.claims.removeWorker(this.id).catch(() => undefined);
  }

  wake(): void {
    void this.d.claims.notifyWork().catch(() => undefined);
    this.wakeLocal();
  }

  request(runId: number, taskRunId: number | null, kind: 'cancel' | 'timeout'): Promise<void> {
    return this.d.claims.requestRunAction({ run_id: runId, task_run_id: taskRunId, kind });
  }

  async release(runId: number): Promise<void> {
    const epoch = this.epochs.get(runId);
    this.epochs.delete(runId);
    if (epoch !== undefined) await this.d.claims.releaseRun(runId, this.id, epoch).catch(() => undefined);
    this.wakeLocal();
  }

  private async register(): Promise<void> {
    this.id = `${HOST}-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.fence.workerId = this.id;
    const { pool, slots } = this.d.options;
    await this.d.claims.registerWorker({ worker_id: this.id, host: HOST, pid: process.pid, pool, slots });
    this.lastBeat = Date.now();
  }

  private async beat(): Promise<void> {
    if (this.stopped) return;
    // Checked before (not after) the heartbeat: a heartbeat that hangs on a dead connection must not delay it.
    if (!this.fenced && Date.now() - this.lastBeat > this.d.options.timeoutMs / 2) this.fence_('it could not write its heartbeat');
    if (this.beating) return;
    this.beating = true;
    try {
      await this.beatOnce();
    } finally {
      this.beating = false;
    }
  }

  private async beatOnce(): Promise<void> {
    try {
      if (this.fenced) {
        // Reachable again: give the old claims back (a sweep may already have) and start over under a new id.
        await this.d.claims.removeWorker(this.id);
        await this.register();
        this.fenced = false;
        this.wakeLocal();
        return;
      }
      if (await this.d.claims.heartbeat(this.id)) this.lastBeat = Date.now();
      else this.fence_('it was declared lost');
    } catch {
      // Unreachable store: the check at the top of beat() fences this worker once half the timeout has passed.
    }
    await this.d.claims.sweepLostWorkers(this.d.options.timeoutMs).catch(() => undefined);
  }

  /** Kills every attempt and forgets every run: another worker will own them before this one could write again. */
  private fence_(why: string): void {
    process.emitWarning(`weir worker ${this.id}: stopping its ${this.d.executor.activeRunIds().length} run(s) because ${why}`);
    this.fenced = true;
    for (const runId of this.d.executor.activeRunIds()) this.d.executor.drop(runId);
    this.epochs.clear();
  }

  /** Runs one claim round soon; rounds never overlap. */
  private wakeLocal(): void {
    if (this.stopped || this.fenced) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    void (async () => {
      try {
        do {
          this.again = false;
          await this.round();
        } while (this.again && !this.stopped && !this.fenced);
      } catch (e) {
        process.emitWarning(`weir worker ${this.id}: ${(e as Error).message}`);
      } finally {
        this.busy = false;
      }
    })();
  }

  private async round(): Promise<void> {
    const { executor, claims, options } = this.d;
    const want = options.slots - executor.activeRunIds().length;
    for (const c of await claims.claimRuns(this.id, options.pool, want)) {
      this.epochs.set(c.run.run_id, c.epoch);
      await executor.adopt(c.run, c.taskRuns, c.admitted).catch((e) => {
        process.emitWarning(`weir worker ${this.id}: adopting run ${c.run.run_id}: ${(e as Error).message}`);
        executor.drop(c.run.run_id);
      });
    }
    for (const q of await claims.takeRequests(this.id)) {
      if (!executor.isActive(q.run_id)) continue;
      if (q.task_run_id !== null) await executor.cancelTaskRun(q.run_id, q.task_run_id);
      else await executor.cancelRun(q.run_id, q.kind);
    }
    for (const childId of executor.awaitedChildren()) {
      const child = await this.d.store.getRun(childId);
      if (child) await executor.childEnded(child);
    }
  }
}
