import { apiGet } from './api-client.js';

/** An amount of money as weir's API answers it (weir extension fields). */
export interface Money {
  amount: number;
  currency: string;
}

/** The weir cost fields of a run or task run in runs/get: compute seconds held and what they cost. */
export interface CostFields {
  compute_seconds?: number;
  cost?: Money;
}

/** One UTC day of GET /api/2.2/jobs/cost. */
export interface DailyCost extends CostFields {
  date: string;
  run_count: number;
}

/** The answer of GET /api/2.2/jobs/cost (weir extension). */
export interface JobCost extends CostFields {
  job_id: number;
  currency: string;
  days: DailyCost[];
  truncated?: boolean;
}

/** The cost fields of a Run or RunTask (they are not part of the shared wire types). */
export function costOf(x: object): CostFields {
  const c = x as CostFields;
  return { compute_seconds: c.compute_seconds, cost: c.cost };
}

/** "$0.47", "$0.0031" under a cent (tasks of a few seconds), or another currency's code after the amount. */
export function formatMoney(m: Money | undefined): string {
  if (!m) return '–';
  const digits = m.amount !== 0 && Math.abs(m.amount) < 0.01 ? 4 : 2;
  const n = m.amount.toFixed(digits);
  return m.currency === 'USD' ? `$${n}` : `${n} ${m.currency}`;
}

/** Compute time as "42 s", "12.5 min" or "3.2 h". */
export function formatComputeSeconds(s: number | undefined): string {
  if (s === undefined) return '–';
  if (s < 120) return `${Math.round(s * 10) / 10} s`;
  if (s < 7200) return `${Math.round(s / 6) / 10} min`;
  return `${Math.round(s / 360) / 10} h`;
}

/** A job's cost per UTC day since `fromMs` (the server reads at most 10,000 runs and says so with `truncated`). */
export function fetchJobCost(jobId: number, fromMs: number): Promise<JobCost> {
  return apiGet<JobCost>('jobs/cost', { job_id: jobId, start_time_from: fromMs, include_runs: false });
}
