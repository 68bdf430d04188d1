import type { ChannelType, DeliveryState } from './notification-store.js';

/** What an operations summary covers: runs started (or, never started, created) at or after `since`. */
export interface OperationsQuery {
  /** Epoch ms: start of the window. */
  since: number;
  /** Most jobs listed in `jobs` (those with the most failures first). */
  jobLimit: number;
  /** Most runs listed in `failures` (newest first). */
  failureLimit: number;
  /** Most deliveries listed in `failedDeliveries` (newest first). */
  deliveryLimit: number;
}

/**
 * Counts and durations of a set of completed runs. `succeeded` counts SUCCESS and SUCCESS_WITH_FAILURES; `failed`
 * counts FAILED, TIMEDOUT, UPSTREAM_FAILED, MAXIMUM_CONCURRENT_RUNS_REACHED and INTERNAL_ERROR; cancelled and
 * skipped runs are in `runs` only. Percentiles are nearest-rank over end_time - start_time of runs that started.
 */
export interface RunStats {
  runs: number;
  succeeded: number;
  failed: number;
  canceled: number;
  /** succeeded / (succeeded + failed); null when neither happened. */
  successRate: number | null;
  p50DurationMs: number | null;
  p95DurationMs: number | null;
  maxDurationMs: number | null;
}

/** RunStats of one job; `jobId` null groups one-time runs (runs/submit). */
export interface JobRunStats extends RunStats {
  jobId: number | null;
  /** The job's current name, or the latest run's name when the job was deleted. */
  jobName: string;
}

/** A failed run of the window. */
export interface FailedRun {
  runId: number;
  jobId: number | null;
  runName: string;
  lifeCycleState: string;
  resultState: string | null;
  stateMessage: string;
  startTime: number | null;
  endTime: number | null;
}

/** Deliveries created in the window, by channel and state. */
export interface DeliveryCount {
  channel: ChannelType;
  state: DeliveryState;
  deliveries: number;
}

/** A delivery that ran out of attempts in the window. */
export interface FailedDelivery {
  deliveryId: number;
  runId: number;
  channel: ChannelType;
  destination: string;
  event: string;
  attempts: number;
  lastError: string | null;
  createdTime: number;
}

/** Everything the operations dashboard shows, computed in SQL so its cost does not grow with what is listed. */
export interface OperationsSummary {
  totals: RunStats;
  /** Jobs with completed runs in the window (at most jobLimit), the most failures first. */
  jobs: JobRunStats[];
  /** How many jobs had completed runs in the window (jobs.length may be smaller). */
  jobCount: number;
  /** Runs not yet over, by life-cycle state (all of them, not only the window's). */
  active: Record<string, number>;
  failures: FailedRun[];
  deliveries: DeliveryCount[];
  failedDeliveries: FailedDelivery[];
}

/** Aggregates over runs and notification deliveries for the operations dashboard (read-only). */
export interface OperationsStore {
  /** The summary of the window starting at `q.since`. */
  operationsSummary(q: OperationsQuery): Promise<OperationsSummary>;
}
