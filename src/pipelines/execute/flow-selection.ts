import type { UpdateRecord } from '../../store/ports/pipeline-store.js';
import type { PipelineGraph } from '../graph/pipeline-graph.js';

/** Which datasets an update refreshes, and which of them it fully refreshes (resetting streaming state). */
export interface FlowSelection {
  refresh: Set<string>;
  fullRefresh: Set<string>;
}

/**
 * refresh_selection / full_refresh_selection name tables as written (`orders`, `sales.orders` or fully qualified);
 * both empty means the whole graph. Views are always evaluated, since selected tables may read them.
 */
export function selectDatasets(graph: PipelineGraph, u: UpdateRecord): FlowSelection {
  // Sinks are selected like tables; a full refresh of one resets its flows' checkpoints, never its data.
  const all = [...graph.datasets.map((d) => d.id), ...graph.sinks.map((s) => s.id)];
  const resolve = (names: string[]) => new Set(names.map((n) => matchDataset(all, n)));
  if (!u.refresh_selection.length && !u.full_refresh_selection.length) {
    return { refresh: new Set(all), fullRefresh: u.full_refresh ? new Set(all) : new Set() };
  }
  const full = resolve(u.full_refresh_selection);
  const refresh = new Set([...resolve(u.refresh_selection), ...full]);
  for (const d of graph.datasets) if (d.definition.kind === 'view') refresh.add(d.id);
  return { refresh, fullRefresh: full };
}

function matchDataset(ids: string[], name: string): string {
  const n = name.toLowerCase().replace(/`/g, '');
  const hit = ids.find((id) => id === n) ?? ids.find((id) => id.endsWith(`.${n}`));
  if (!hit) throw new Error(`refresh selection: the pipeline has no table "${name}" (tables: ${ids.join(', ')})`);
  return hit;
}
