import type { LifeCycleState } from '../../domain/run-state.js';
import type { RunStore } from '../../store/ports/run-store.js';
import { CostLimitMonitor, type CostLimitBreach } from './cost-limit-monitor.js';
import { costModelForRuns } from './cost.js';
import type { Compute } from './create-compute.js';

/** What the compute upkeep of a process that executes runs needs. */
export interface ComputeUpkeepDeps {
  compute: Compute;
  store: Pick<RunStore, 'runsInStates' | 'listTaskRuns'>;
  /** The executor of this process: only runs it works on are checked, and it cancels them (with the cost message). */
  executor: { isActive(runId: number): boolean; cancelRun(runId: number, reason: 'cancel', message: string): Promise<void> };
  /** Told of each cost limit breach after the run was cancelled (the run's on_failure notifications follow from the cancel). */
  onBreach(breach: CostLimitBreach): void;
  /** How often run costs are checked against weir_cost_limit (default 10 s). */
  costCheckMs?: number;
  /** How often idle all-purpose clusters are looked for (default 60 s; autotermination_minutes counts in minutes). */
  idleCheckMs?: number;
}

/** The running upkeep: the cost limit monitor (exposed so tests can drive a pass on their clock) and a stop. */
export interface ComputeUpkeep {
  costLimits: CostLimitMonitor;
  stop(): void;
}

/**
 * Starts the timers of a process that executes runs: the weir_cost_limit monitor over the runs this executor works
 * on (each worker checks its own, so the cancel carries its message) and the autotermination of idle all-purpose
 * clusters (skipping clusters a task of this process holds).
 */
export function startComputeUpkeep(d: ComputeUpkeepDeps): ComputeUpkeep {
  const { compute } = d;
  const mine = async (states: LifeCycleState[]) => (await d.store.runsInStates(states)).filter((r) => d.executor.isActive(r.run_id));
  const costLimits = new CostLimitMonitor({
    store: { runsInStates: mine, listTaskRuns: (runId) => d.store.listTaskRuns(runId) },
    // The all-purpose clusters this executor's running runs name, at their current size.
    model: async () => costModelForRuns(compute.catalog, compute.store, await mine(['RUNNING'])),
    clock: compute.clock,
    cancel: (runId, message) => d.executor.cancelRun(runId, 'cancel', message),
    notify: d.onBreach,
  });
  costLimits.start(d.costCheckMs ?? 10_000);
  const idle = setInterval(() => {
    compute.clusters
      .terminateIdle((id) => compute.provider.isBusy(id))
      .catch((e) => process.emitWarning(`weir: terminating idle clusters failed: ${(e as Error).stack ?? e}`));
  }, d.idleCheckMs ?? 60_000);
  idle.unref();
  return {
    costLimits,
    stop() {
      costLimits.stop();
      clearInterval(idle);
    },
  };
}
