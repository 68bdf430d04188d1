import type { Run } from './api-types.js';
import { formatDuration, stateColor, stateLabel } from './run-state-style.js';

/** A run's duration as a vertical bar scaled to the longest run on the page, coloured by its state. */
export function DurationBars({ run, max }: { run: Run; max: number }) {
  const d = run.run_duration ?? 0;
  const label = stateLabel(run.state);
  return (
    <div className="bar-slot" title={`${label} · ${formatDuration(d)}`}>
      <div className="bar" style={{ height: `${Math.max(2, (d / max) * 48)}px`, background: stateColor(label) }} />
    </div>
  );
}
