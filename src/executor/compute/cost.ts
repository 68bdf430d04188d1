import { initialWorkers, type ClusterSpec } from '../../domain/cluster-spec.js';
import { CURRENCY, nodeTypeCatalog, type NodeTypeCatalog } from '../../domain/node-types.js';
import type { ClusterRecord, ClusterStore } from '../../store/ports/cluster-store.js';
import type { RunRecord, TaskRunRecord } from '../../store/records.js';
import { clusterRefOf } from './cluster-ref.js';

/** An amount of money in weir's currency. */
export interface Money {
  amount: number;
  currency: string;
}

/** Compute seconds and cost of a task run, a run or a cluster (weir extension fields of the API). */
export interface CostReport {
  /** Seconds the compute was held (attempt wall time; for a cluster, time RUNNING). */
  compute_seconds: number;
  cost: Money;
}

/** What costs are computed from: the price list and the specs of the all-purpose clusters tasks ran on. */
export interface CostModel {
  catalog: NodeTypeCatalog;
  /** All-purpose clusters by id (their spec and current workers); tasks on unknown ids are priced as default compute. */
  clusters?: ReadonlyMap<string, Pick<ClusterRecord, 'spec' | 'current_workers'>>;
}

/** The cost model of weir's default price list. */
export const defaultCostModel: CostModel = { catalog: nodeTypeCatalog() };

/** A cost model holding the all-purpose clusters the runs' tasks name (looked up in `store`, when there is one). */
export async function costModelForRuns(catalog: NodeTypeCatalog, store: Pick<ClusterStore, 'getCluster'> | undefined, runs: Pick<RunRecord, 'settings'>[]): Promise<CostModel> {
  const ids = new Set<string>();
  for (const r of runs) {
    for (const t of r.settings.tasks ?? []) {
      if (t.existing_cluster_id) ids.add(t.existing_cluster_id);
      if (t.for_each_task?.task.existing_cluster_id) ids.add(t.for_each_task.task.existing_cluster_id);
    }
  }
  const clusters = new Map<string, ClusterRecord>();
  for (const id of store ? ids : []) {
    const c = await store!.getCluster(id);
    if (c) clusters.set(id, c);
  }
  return { catalog, clusters };
}

/** Rounds money to a millionth: enough for per-second prices, and stable in JSON. */
export function roundMoney(amount: number): number {
  return Math.round(amount * 1e6) / 1e6;
}

/** Hourly price of a cluster: the driver's rate plus `workers` times the worker node type's rate. */
export function clusterHourlyRate(spec: Pick<ClusterSpec, 'node_type_id' | 'driver_node_type_id'>, workers: number, catalog: NodeTypeCatalog): number {
  const worker = catalog.resolve(spec.node_type_id);
  const driver = spec.driver_node_type_id ? catalog.resolve(spec.driver_node_type_id) : worker;
  return driver.hourly_rate + workers * worker.hourly_rate;
}

/** Hourly price of the compute a task run ran on (0 for kinds that run no process). */
export function taskHourlyRate(run: Pick<RunRecord, 'settings'>, tr: Pick<TaskRunRecord, 'task'>, model: CostModel): number {
  const ref = clusterRefOf(tr.task, run.settings);
  const { catalog } = model;
  switch (ref.kind) {
    case 'none':
      return 0;
    case 'job_cluster':
    case 'new_cluster':
      // Autoscaled job clusters are priced at min_workers: the pool weir keeps for a run.
      return clusterHourlyRate(ref.spec, initialWorkers(ref.spec), catalog);
    case 'existing': {
      const c = model.clusters?.get(ref.clusterId);
      if (c) return clusterHourlyRate(c.spec, c.current_workers, catalog);
      return catalog.resolve(undefined).hourly_rate;
    }
    default:
      return catalog.resolve(undefined).hourly_rate;
  }
}

/** Seconds an attempt held its compute: start to end, or to `now` while it runs; 0 before it started. */
export function attemptSeconds(tr: Pick<TaskRunRecord, 'start_time' | 'end_time'>, now: number): number {
  if (tr.start_time === null || tr.start_time <= 0) return 0;
  const end = tr.end_time !== null && tr.end_time > 0 ? tr.end_time : now;
  return Math.max(0, end - tr.start_time) / 1000;
}

/** Cost of one attempt (or of a for_each task: the sum of its iterations in `all`). */
export function taskRunCost(run: Pick<RunRecord, 'settings'>, tr: TaskRunRecord, all: readonly TaskRunRecord[], model: CostModel, now: number): CostReport {
  const parts = tr.task.for_each_task ? all.filter((t) => t.parent_task_run_id === tr.task_run_id) : [tr];
  let seconds = 0;
  let amount = 0;
  for (const p of parts) {
    const s = attemptSeconds(p, now);
    const rate = taskHourlyRate(run, p, model);
    if (rate === 0) continue;
    seconds += s;
    amount += (s / 3600) * rate;
  }
  return { compute_seconds: round3(seconds), cost: { amount: roundMoney(amount), currency: CURRENCY } };
}

/** Cost of a run: every attempt of every task (retries and repairs included), running ones up to `now`. */
export function runCost(run: Pick<RunRecord, 'settings'>, all: readonly TaskRunRecord[], model: CostModel, now: number): CostReport {
  let seconds = 0;
  let amount = 0;
  for (const tr of all) {
    if (tr.task.for_each_task) continue;
    const rate = taskHourlyRate(run, tr, model);
    if (rate === 0) continue;
    const s = attemptSeconds(tr, now);
    seconds += s;
    amount += (s / 3600) * rate;
  }
  return { compute_seconds: round3(seconds), cost: { amount: roundMoney(amount), currency: CURRENCY } };
}

/** Cost of an all-purpose cluster: its closed RUNNING spans plus the open one up to `now`. */
export function clusterCost(c: ClusterRecord, catalog: NodeTypeCatalog, now: number): CostReport {
  let seconds = c.accrued_seconds;
  let amount = c.accrued_cost;
  if (c.running_since !== null) {
    const s = Math.max(0, now - c.running_since) / 1000;
    seconds += s;
    amount += (s / 3600) * clusterHourlyRate(c.spec, c.current_workers, catalog);
  }
  return { compute_seconds: round3(seconds), cost: { amount: roundMoney(amount), currency: CURRENCY } };
}

/** One day of a job's cost report. */
export interface DailyCost extends CostReport {
  /** UTC day, YYYY-MM-DD, of the runs' start. */
  date: string;
  run_count: number;
}

/** Sums run costs per UTC day of the run's start (runs that never started count on their creation day). */
export function dailyCost(runs: { run: RunRecord; cost: CostReport }[]): DailyCost[] {
  const days = new Map<string, DailyCost>();
  for (const { run, cost } of runs) {
    const date = new Date(run.start_time ?? run.created_time).toISOString().slice(0, 10);
    const d = days.get(date) ?? { date, run_count: 0, compute_seconds: 0, cost: { amount: 0, currency: CURRENCY } };
    d.run_count += 1;
    d.compute_seconds = round3(d.compute_seconds + cost.compute_seconds);
    d.cost.amount = roundMoney(d.cost.amount + cost.cost.amount);
    days.set(date, d);
  }
  return [...days.values()].sort((a, b) => a.date.localeCompare(b.date));
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
