import { useCallback, useEffect, useState } from 'react';
import { ErrorBox } from './error-box.js';
import { fetchOpsSummary, formatRate, type OpsSummary } from './ops-api.js';
import { OpsFailures, OpsJobsTable, OpsNotifications } from './ops-tables.js';
import { formatDuration } from './run-state-style.js';

const WINDOWS: [number, string][] = [[1, 'last hour'], [24, 'last 24 hours'], [24 * 7, 'last 7 days'], [24 * 30, 'last 30 days']];
/** The dashboard refreshes itself this often; one bounded request each time. */
const REFRESH_MS = 30_000;

function Tile({ label, value, sub, testId, tone }: { label: string; value: string; sub?: string; testId: string; tone?: 'bad' | 'good' }) {
  return (
    <div className={`ops-tile${tone ? ` ${tone}` : ''}`} data-testid={testId}>
      <div className="ops-tile-label">{label}</div>
      <div className="ops-tile-value">{value}</div>
      {sub && <div className="ops-tile-sub muted">{sub}</div>}
    </div>
  );
}

function Tiles({ s }: { s: OpsSummary }) {
  const t = s.totals;
  const n = s.notifications.by_state;
  const ms = (v: number | null) => formatDuration(v ?? undefined);
  return (
    <div className="ops-tiles">
      <Tile testId="tile-success" label="Success rate" value={formatRate(t.success_rate)} sub={`${t.succeeded} succeeded, ${t.failed} failed, ${t.canceled} cancelled of ${t.runs} runs`} tone={t.failed > 0 ? 'bad' : t.runs > 0 ? 'good' : undefined} />
      <Tile testId="tile-duration" label="Duration p50 / p95" value={`${ms(t.p50_duration_ms)} / ${ms(t.p95_duration_ms)}`} sub={`longest ${ms(t.max_duration_ms)}`} />
      <Tile testId="tile-running" label="Running now" value={String(s.active.running)} sub={Object.entries(s.active.by_state).map(([k, v]) => `${v} ${k.toLowerCase()}`).join(', ') || 'nothing active'} />
      <Tile testId="tile-queued" label="Queued" value={String(s.active.queued)} />
      <Tile testId="tile-failures" label="Failed runs" value={String(t.failed)} tone={t.failed > 0 ? 'bad' : undefined} />
      <Tile testId="tile-notifications" label="Notifications" value={`${n.DELIVERED ?? 0} delivered`} sub={`${n.FAILED ?? 0} failed, ${n.PENDING ?? 0} pending`} tone={(n.FAILED ?? 0) > 0 ? 'bad' : undefined} />
    </div>
  );
}

/** The operations dashboard: one request to the weir extension GET weir/operations/summary per refresh. */
export function OpsDashboard() {
  const [hours, setHours] = useState(24);
  const [summary, setSummary] = useState<OpsSummary | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    try {
      setSummary(await fetchOpsSummary(hours));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [hours]);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);
  const label = WINDOWS.find(([h]) => h === hours)?.[1] ?? `last ${hours} hours`;
  return (
    <section className="ops">
      <div className="page-head">
        <h1>Operations</h1>
        <label className="muted">
          Window{' '}
          <select aria-label="Window" value={hours} onChange={(e) => setHours(Number(e.target.value))}>
            {WINDOWS.map(([h, text]) => <option key={h} value={h}>{text}</option>)}
          </select>
        </label>
        <button onClick={() => void load()}>Refresh</button>
        {summary && <span className="muted">as of {new Date(summary.window.end_time).toLocaleTimeString()}</span>}
      </div>
      <ErrorBox error={error} />
      {!summary && !error && <p className="muted">Loading…</p>}
      {summary && (
        <>
          <Tiles s={summary} />
          <h2>Jobs <span className="muted">{label}</span></h2>
          <OpsJobsTable s={summary} />
          <h2>Failures <span className="muted">{label}</span></h2>
          <OpsFailures s={summary} />
          <h2>Notification deliveries <span className="muted">{label}</span></h2>
          <OpsNotifications s={summary} />
        </>
      )}
    </section>
  );
}
