/** What the autoscaler sees of a pool: its bounds, its size now and the tasks that want it. */
export interface AutoscaleInput {
  minWorkers: number;
  maxWorkers: number;
  currentWorkers: number;
  /** Tasks running on the pool now. */
  runningTasks: number;
  /** Tasks waiting for a slot on the pool. */
  queuedTasks: number;
  /** Task slots one worker gives (default 1). */
  slotsPerWorker?: number;
  /** Workers removed at most per decision (default 1: shrink gradually, as Databricks' standard autoscaling does). */
  scaleDownStep?: number;
}

/**
 * The workers a pool should have: enough slots for every running and queued task, within [min, max]. Growth is
 * immediate (queued work waits otherwise); shrinking goes `scaleDownStep` workers per decision and only when no
 * task is queued, so a short lull does not throw away warm workers.
 */
export function desiredWorkers(i: AutoscaleInput): number {
  const per = Math.max(1, i.slotsPerWorker ?? 1);
  const min = Math.max(0, i.minWorkers);
  const max = Math.max(min, i.maxWorkers);
  const clamp = (n: number) => Math.min(max, Math.max(min, n));
  const target = clamp(Math.ceil((i.runningTasks + i.queuedTasks) / per));
  const current = clamp(i.currentWorkers);
  if (target >= current) return target;
  if (i.queuedTasks > 0) return current;
  return Math.max(target, current - Math.max(1, i.scaleDownStep ?? 1));
}

/** Task slots of a pool of `workers` (a pool without workers still runs tasks on its driver: one slot per slotsPerWorker). */
export function poolSlots(workers: number, slotsPerWorker = 1): number {
  return Math.max(1, workers) * Math.max(1, slotsPerWorker);
}
