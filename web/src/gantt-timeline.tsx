import type { Run } from './api-types.js';
import { formatDuration, stateColor, stateLabel } from './run-state-style.js';

/** A Gantt timeline of a run's task attempts: queued time hatched, running time coloured by state. */
export function GanttTimeline({ run, onSelect }: { run: Run; onSelect: (key: string) => void }) {
  const tasks = run.tasks ?? [];
  const now = Date.now();
  const starts = tasks.map((t) => t.start_time).filter((t): t is number => !!t);
  if (!starts.length) return <p className="muted">No task has started yet.</p>;
  const t0 = Math.min(run.start_time ?? Infinity, ...starts);
  const t1 = Math.max(t0 + 1, ...tasks.map((t) => t.end_time || (t.start_time ? now : t0)));
  const pct = (t: number) => `${((t - t0) / (t1 - t0)) * 100}%`;
  return (
    <div className="gantt" data-testid="gantt">
      <h2>Timeline <span className="muted">{formatDuration(t1 - t0)}</span></h2>
      {tasks.map((t) => {
        const label = stateLabel(t.state);
        const start = t.start_time || t0;
        const end = t.end_time || (t.start_time ? now : start);
        const queued = t.queue_duration ?? 0;
        return (
          <div key={t.run_id} className="gantt-row" onClick={() => onSelect(t.task_key)}>
            <button className="link gantt-key" onClick={() => onSelect(t.task_key)}>{t.task_key}{t.attempt_number > 0 ? ` (retry ${t.attempt_number})` : ''}</button>
            <div className="gantt-track">
              {queued > 0 && <div className="gantt-queued" style={{ left: pct(Math.max(t0, start - queued)), width: pct(t0 + Math.min(queued, start - t0)) }} title={`queued ${formatDuration(queued)}`} />}
              <div className="gantt-bar" style={{ left: pct(start), width: `max(2px, ${pct(t0 + (end - start))})`, background: stateColor(label) }} title={`${label} · ${formatDuration(end - start)}`} />
            </div>
          </div>
        );
      })}
    </div>
  );
}
