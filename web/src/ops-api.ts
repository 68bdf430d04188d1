import { apiGet } from './api-client.js';

/** Counts and durations of completed runs (GET weir/operations/summary). */
export interface OpsRunStats {
  runs: number;
  succeeded: number;
  failed: number;
  canceled: number;
  success_rate: number | null;
  p50_duration_ms: number | null;
  p95_duration_ms: number | null;
  max_duration_ms: number | null;
}

/** One job's row of the summary; job_id null groups one-time runs. */
export interface OpsJobStats extends OpsRunStats {
  job_id: number | null;
  job_name: string;
}

/** A failed run of the window. */
export interface OpsFailure {
  run_id: number;
  job_id: number | null;
  run_name: string;
  life_cycle_state: string;
  result_state: string | null;
  state_message: string;
  start_time: number | null;
  end_time: number | null;
}

/** A notification delivery that ran out of attempts. */
export interface OpsFailedDelivery {
  delivery_id: number;
  run_id: number;
  channel: string;
  destination: string;
  event: string;
  attempts: number;
  last_error: string | null;
  created_time: number;
}

/** The answer of the weir extension GET /api/2.2/weir/operations/summary. */
export interface OpsSummary {
  window: { start_time: number; end_time: number; hours: number };
  totals: OpsRunStats;
  jobs: OpsJobStats[];
  job_count: number;
  active: { running: number; queued: number; by_state: Record<string, number> };
  failures: OpsFailure[];
  notifications: {
    by_state: Record<string, number>;
    by_channel: { channel: string; state: string; deliveries: number }[];
    failed: OpsFailedDelivery[];
  };
}

/** Fetches the operations summary of the last `hours` (the server bounds every list it returns). */
export function fetchOpsSummary(hours: number): Promise<OpsSummary> {
  return apiGet<OpsSummary>('weir/operations/summary', { window_hours: hours, jobs_limit: 100, failures_limit: 50 });
}

/** A success rate as a percentage ("–" when there is none). */
export function formatRate(rate: number | null): string {
  return rate === null ? '–' : `${(rate * 100).toFixed(rate === 1 || rate === 0 ? 0 : 1)}%`;
}
