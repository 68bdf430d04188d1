import type { RunState } from './api-types.js';
import { stateColor, stateLabel } from './run-state-style.js';

/** A coloured dot for a run's state, linking to the run. */
export function StateDot({ state, href, title }: { state: RunState; href: string; title?: string }) {
  const label = stateLabel(state);
  return <a className="dot" href={href} title={title ?? label} aria-label={label} data-state={label} style={{ background: stateColor(label) }} />;
}
