import { useState } from 'react';
import type { Job } from './api-types.js';
import { DurationBars } from './duration-bars.js';
import { ErrorBox } from './error-box.js';
import { formatDuration, formatTime, stateColor, stateLabel } from './run-state-style.js';
import { hrefOf } from './use-hash-route.js';
import { useRunsPage } from './use-runs-page.js';

/** Runs per page of the matrix (the API's runs/list maximum). */
const PAGE = 25;

/** The run matrix: tasks down, runs across (newest left), each cell a task state; paged on the server. */
export function RunMatrix({ job }: { job: Job }) {
  const [offset, setOffset] = useState(0);
  const { runs, hasMore, error } = useRunsPage(job.job_id, offset, PAGE);
  const keys = (job.settings.tasks ?? []).map((t) => t.task_key);
  if (error) return <ErrorBox error={error} />;
  if (!runs) return <p className="muted">Loading runs…</p>;
  const cells = runs.map((r) => new Map((r.tasks ?? []).map((t) => [t.task_key, t])));
  return (
    <div className="matrix-wrap">
      <div className="pager">
        <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Newer runs</button>
        <span className="muted">runs {runs.length ? `${offset + 1}–${offset + runs.length}` : 'none'}</span>
        <button disabled={!hasMore} onClick={() => setOffset(offset + PAGE)}>Older runs</button>
      </div>
      <table className="matrix" data-testid="run-matrix">
        <thead>
          <tr>
            <th />
            {runs.map((r) => (
              <th key={r.run_id}>
                <DurationBars run={r} max={Math.max(1, ...runs.map((x) => x.run_duration ?? 0))} />
                <a href={hrefOf({ page: 'run', jobId: job.job_id, runId: r.run_id })} title={`${stateLabel(r.state)} · ${formatTime(r.start_time)}`}>#{r.run_id}</a>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k}>
              <th className="task-key">{k}</th>
              {cells.map((m, i) => {
                const t = m.get(k);
                const label = t ? stateLabel(t.state) : '';
                return (
                  <td key={runs[i].run_id}>
                    {t && <a className="cell" href={hrefOf({ page: 'run', jobId: job.job_id, runId: runs[i].run_id })} data-state={label} title={`${k}: ${label} · ${formatDuration(t.run_duration ?? t.execution_duration)}`} style={{ background: stateColor(label) }} />}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
