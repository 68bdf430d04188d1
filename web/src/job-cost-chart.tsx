import { useEffect, useState } from 'react';
import { ErrorBox } from './error-box.js';
import { fetchJobCost, formatComputeSeconds, formatMoney, type DailyCost, type JobCost } from './cost-api.js';
import './cost.css';

const DAY = 86_400_000;
const RANGES = [7, 30, 90] as const;
const W = 900;
const H = 220;
const PAD = { left: 56, right: 8, top: 12, bottom: 28 };

/** The UTC days from `from` to today, each with the report's entry or zero. */
function everyDay(days: DailyCost[], fromMs: number, now: number): DailyCost[] {
  const byDate = new Map(days.map((d) => [d.date, d]));
  const out: DailyCost[] = [];
  for (let t = Date.UTC(new Date(fromMs).getUTCFullYear(), new Date(fromMs).getUTCMonth(), new Date(fromMs).getUTCDate()); t <= now; t += DAY) {
    const date = new Date(t).toISOString().slice(0, 10);
    out.push(byDate.get(date) ?? { date, run_count: 0, compute_seconds: 0, cost: { amount: 0, currency: 'USD' } });
  }
  return out;
}

/** Bars of cost per day with the highest day on the y axis and a date under every few bars. */
function Bars({ days }: { days: DailyCost[] }) {
  const max = Math.max(...days.map((d) => d.cost?.amount ?? 0), 0);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, days.length);
  const every = Math.ceil(days.length / 10);
  return (
    <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Cost per day" data-testid="cost-bars">
      <line className="axis" x1={PAD.left} y1={PAD.top + plotH} x2={W - PAD.right} y2={PAD.top + plotH} />
      <line className="axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={PAD.top + plotH} />
      <text className="tick" x={PAD.left - 6} y={PAD.top + 10} textAnchor="end">{formatMoney({ amount: max, currency: 'USD' })}</text>
      <text className="tick" x={PAD.left - 6} y={PAD.top + plotH} textAnchor="end">$0</text>
      {days.map((d, i) => {
        const amount = d.cost?.amount ?? 0;
        const h = max > 0 ? (amount / max) * plotH : 0;
        const x = PAD.left + i * slot + slot * 0.15;
        return (
          <g key={d.date} data-date={d.date} data-amount={amount}>
            <rect className="bar" x={x} y={PAD.top + plotH - h} width={Math.max(1, slot * 0.7)} height={h}>
              <title>{`${d.date}: ${formatMoney(d.cost)}, ${d.run_count} run(s), ${formatComputeSeconds(d.compute_seconds)} of compute`}</title>
            </rect>
            {i % every === 0 && <text className="tick" x={x + slot * 0.35} y={H - 8} textAnchor="middle">{d.date.slice(5)}</text>}
          </g>
        );
      })}
    </svg>
  );
}

/** A job's compute cost per UTC day over the last 7, 30 or 90 days (GET /api/2.2/jobs/cost, weir extension). */
export function JobCostChart({ jobId }: { jobId: number }) {
  const [range, setRange] = useState<(typeof RANGES)[number]>(30);
  const [report, setReport] = useState<{ data: JobCost; from: number; now: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const now = Date.now();
    const from = now - (range - 1) * DAY;
    let live = true;
    fetchJobCost(jobId, Date.UTC(new Date(from).getUTCFullYear(), new Date(from).getUTCMonth(), new Date(from).getUTCDate())).then(
      (data) => live && setReport({ data, from, now }),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [jobId, range]);
  const days = report ? everyDay(report.data.days, report.from, report.now) : [];
  const runs = days.reduce((n, d) => n + d.run_count, 0);
  return (
    <div className="job-cost-chart" data-testid="job-cost">
      <div className="cost-head">
        <span className="cost-total" data-testid="job-cost-total">{report ? formatMoney(report.data.cost) : '…'}</span>
        <span className="muted">{report ? `${runs} run(s), ${formatComputeSeconds(report.data.compute_seconds)} of compute in the last ${range} days` : 'Loading cost…'}</span>
        <span className="tabs">
          {RANGES.map((r) => (
            <button key={r} className={r === range ? 'tab active' : 'tab'} onClick={() => setRange(r)}>{r} days</button>
          ))}
        </span>
      </div>
      <ErrorBox error={error} />
      {report?.data.truncated && <p className="muted">Only the newest 10,000 runs are counted.</p>}
      {report && <Bars days={days} />}
      <p className="muted">Costs are weir's prices per node-hour of each task's cluster (see docs/compute.md); running runs count up to now.</p>
    </div>
  );
}
