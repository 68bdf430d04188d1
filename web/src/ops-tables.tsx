import { formatRate, type OpsSummary } from './ops-api.js';
import { formatDuration, formatTime, stateColor } from './run-state-style.js';
import { hrefOf } from './use-hash-route.js';

const ms = (v: number | null) => formatDuration(v ?? undefined);

/** Per-job runs, success rate (with a bar), failures and p50/p95/max durations of the window. */
export function OpsJobsTable({ s }: { s: OpsSummary }) {
  if (!s.jobs.length) return <p className="muted">No run ended in this window.</p>;
  return (
    <>
      <table className="jobs ops-table" data-testid="ops-jobs">
        <thead>
          <tr><th>Job</th><th>Runs</th><th>Success rate</th><th>Failed</th><th>Cancelled</th><th>p50</th><th>p95</th><th>Longest</th></tr>
        </thead>
        <tbody>
          {s.jobs.map((j) => (
            <tr key={j.job_id ?? 'submit'} data-job-id={j.job_id ?? ''}>
              <td>{j.job_id !== null ? <a href={hrefOf({ page: 'job', jobId: j.job_id })}>{j.job_name}</a> : <span className="muted">{j.job_name}</span>}</td>
              <td>{j.runs}</td>
              <td>
                <div className="rate-cell">
                  <span className="rate-bar" aria-hidden><span style={{ width: `${(j.success_rate ?? 0) * 100}%` }} /></span>
                  <span data-testid="rate">{formatRate(j.success_rate)}</span>
                </div>
              </td>
              <td className={j.failed ? 'bad-text' : ''}>{j.failed}</td>
              <td>{j.canceled}</td>
              <td>{ms(j.p50_duration_ms)}</td>
              <td>{ms(j.p95_duration_ms)}</td>
              <td>{ms(j.max_duration_ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {s.job_count > s.jobs.length && <p className="muted">Showing the {s.jobs.length} jobs with the most failures of {s.job_count}.</p>}
    </>
  );
}

/** The window's failed runs, newest first (at most the limit the server applied), each linking to its run page. */
export function OpsFailures({ s }: { s: OpsSummary }) {
  if (!s.failures.length) return <p className="muted" data-testid="ops-no-failures">No failed run in this window.</p>;
  return (
    <>
      <table className="jobs ops-table" data-testid="ops-failures">
        <thead><tr><th>Run</th><th>Result</th><th>Message</th><th>Ended</th></tr></thead>
        <tbody>
          {s.failures.map((f) => {
            const label = f.life_cycle_state === 'INTERNAL_ERROR' ? 'INTERNAL_ERROR' : (f.result_state ?? f.life_cycle_state);
            return (
              <tr key={f.run_id}>
                <td><a href={hrefOf({ page: 'run', jobId: f.job_id ?? 0, runId: f.run_id })}>{f.run_name || `run ${f.run_id}`}</a> <span className="muted">run {f.run_id}</span></td>
                <td><span className="state-pill" style={{ background: stateColor(label) }}>{label}</span></td>
                <td className="ops-message">{f.state_message}</td>
                <td>{formatTime(f.end_time ?? f.start_time ?? undefined)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {s.totals.failed > s.failures.length && <p className="muted">The newest {s.failures.length} of {s.totals.failed} failed runs.</p>}
    </>
  );
}

/** Deliveries by channel and state, and the deliveries that ran out of attempts with their last error. */
export function OpsNotifications({ s }: { s: OpsSummary }) {
  const n = s.notifications;
  if (!n.by_channel.length) return <p className="muted">No notification was sent in this window.</p>;
  const channels = [...new Set(n.by_channel.map((c) => c.channel))];
  const count = (channel: string, state: string) => n.by_channel.find((c) => c.channel === channel && c.state === state)?.deliveries ?? 0;
  return (
    <>
      <table className="jobs ops-table ops-narrow" data-testid="ops-deliveries">
        <thead><tr><th>Channel</th><th>Delivered</th><th>Failed</th><th>Pending</th></tr></thead>
        <tbody>
          {channels.map((c) => (
            <tr key={c}>
              <td>{c}</td><td>{count(c, 'DELIVERED')}</td><td className={count(c, 'FAILED') ? 'bad-text' : ''}>{count(c, 'FAILED')}</td><td>{count(c, 'PENDING')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {n.failed.length > 0 && (
        <>
          <h3>Failed deliveries</h3>
          <ul className="ops-failed-deliveries">
            {n.failed.map((d) => (
              <li key={d.delivery_id}>
                {d.channel} to <code>{d.destination}</code> ({d.event}, run <a href={hrefOf({ page: 'run', jobId: 0, runId: d.run_id })}>{d.run_id}</a>, {d.attempts} attempts): <span className="bad-text">{d.last_error ?? 'no error recorded'}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}
