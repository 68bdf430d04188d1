import type { RunState } from './api-types.js';

/** One word for a run or task state: the result when finished, else the life cycle state. */
export function stateLabel(s: RunState | undefined): string {
  if (!s) return 'NOT RUN';
  if (s.result_state && ['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'].includes(s.life_cycle_state)) return s.result_state;
  return s.result_state ?? s.life_cycle_state;
}

const COLORS: Record<string, string> = {
  SUCCESS: '#2e9d52',
  SUCCESS_WITH_FAILURES: '#7fb342',
  FAILED: '#d6393b',
  TIMEDOUT: '#d6393b',
  INTERNAL_ERROR: '#a01f22',
  UPSTREAM_FAILED: '#e8a0a0',
  CANCELED: '#8a8f98',
  UPSTREAM_CANCELED: '#b8bcc2',
  EXCLUDED: '#d7dadf',
  SKIPPED: '#d7dadf',
  MAXIMUM_CONCURRENT_RUNS_REACHED: '#b8bcc2',
  RUNNING: '#2f7fd8',
  PENDING: '#9cc3ef',
  QUEUED: '#c7d8ee',
  BLOCKED: '#c7d8ee',
  WAITING_FOR_RETRY: '#e6a23c',
  TERMINATING: '#2f7fd8',
};

/** The colour of a state label (grey for an unknown one). */
export function stateColor(label: string): string {
  return COLORS[label] ?? '#c4c8ce';
}

/** Whether a run or task run is still going. */
export function isActive(s: RunState | undefined): boolean {
  return !!s && !['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'].includes(s.life_cycle_state);
}

/** A duration in ms as "1h 2m", "3m 4s" or "5.2s". */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || ms < 0) return '–';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** A timestamp in ms as a local date and time ("–" for none). */
export function formatTime(ms: number | undefined): string {
  return ms ? new Date(ms).toLocaleString() : '–';
}
