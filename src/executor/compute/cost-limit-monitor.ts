import type { Clock } from '../../domain/clock.js';
import type { LifeCycleState } from '../../domain/run-state.js';
import type { RunStore } from '../../store/ports/run-store.js';
import type { RunRecord } from '../../store/records.js';
import { runCost, type CostModel, type CostReport } from './cost.js';

/** What a cost limit breach tells the notifier. */
export interface CostLimitBreach {
  run: RunRecord;
  /** The job's weir_cost_limit.max_cost. */
  limit: number;
  cost: CostReport;
  /** The state_message the run is cancelled with. */
  message: string;
}

/** What the monitor needs: runs, prices, a clock, and how to cancel and notify (wired to the executor and notifications). */
export interface CostLimitMonitorDeps {
  store: Pick<RunStore, 'runsInStates' | 'listTaskRuns'>;
  /** The cost model now (the price list and the current all-purpose cluster specs). */
  model: () => CostModel | Promise<CostModel>;
  clock: Clock;
  cancel(runId: number, message: string): Promise<void>;
  notify(breach: CostLimitBreach): void | Promise<void>;
}

/** States in which a run accrues cost and can still be cancelled. */
const ACTIVE: LifeCycleState[] = ['PENDING', 'RUNNING', 'BLOCKED', 'WAITING_FOR_RETRY'];

/** The state_message of a run cancelled by its cost limit. */
export function costLimitMessage(limit: number, cost: number, currency = 'USD'): string {
  return `Run cancelled: cost limit of ${formatAmount(limit)} ${currency} reached (cost so far ${formatAmount(cost)} ${currency})`;
}

function formatAmount(n: number): string {
  return n >= 1 ? n.toFixed(2) : String(Number(n.toPrecision(3)));
}

/**
 * Cancels runaway runs: on each `check()` (driven by a timer, e.g. every 10 s), every active run whose job sets
 * `weir_cost_limit` has its cost so far computed on the clock's time; at or over the limit the run is cancelled with
 * "Run cancelled: cost limit of X USD reached (cost so far Y USD)" and the breach is notified, once per run.
 */
export class CostLimitMonitor {
  private readonly cancelled = new Set<number>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly d: CostLimitMonitorDeps) {}

  /** One pass over the active runs; returns the breaches it acted on. */
  async check(): Promise<CostLimitBreach[]> {
    const active = await this.d.store.runsInStates(ACTIVE);
    // Forget runs that ended, so the set stays as small as the active runs.
    const ids = new Set(active.map((r) => r.run_id));
    for (const id of this.cancelled) if (!ids.has(id)) this.cancelled.delete(id);
    const runs = active.filter((r) => r.settings.weir_cost_limit && !this.cancelled.has(r.run_id));
    if (!runs.length) return [];
    const model = await this.d.model();
    const now = this.d.clock.now();
    const breaches: CostLimitBreach[] = [];
    for (const run of runs) {
      const limit = run.settings.weir_cost_limit!.max_cost;
      const cost = runCost(run, await this.d.store.listTaskRuns(run.run_id), model, now);
      if (cost.cost.amount < limit) continue;
      const breach = { run, limit, cost, message: costLimitMessage(limit, cost.cost.amount, cost.cost.currency) };
      this.cancelled.add(run.run_id);
      await this.d.cancel(run.run_id, breach.message);
      await this.d.notify(breach);
      breaches.push(breach);
    }
    return breaches;
  }

  /** Checks every `intervalMs` until stop(); a failed pass is reported as a process warning. */
  start(intervalMs = 10_000): void {
    this.stop();
    this.timer = setInterval(() => {
      this.check().catch((e) => process.emitWarning(`weir: cost limit check failed: ${(e as Error).stack ?? e}`));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
