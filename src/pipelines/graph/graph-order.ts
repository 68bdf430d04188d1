import { formatOrigin } from '../../domain/pipeline-definition.js';
import type { GraphDataset, GraphErrors, GraphFlow } from './pipeline-graph.js';

/**
 * Orders datasets (Kahn's algorithm, definition order among ready nodes) and their flows so that every flow follows
 * the flows writing what it reads. Nodes on or behind a cycle are left out of the order, and each cycle is reported
 * once as PIPELINE.CYCLE naming its path (`a -> b -> a`).
 */
export function orderFlows(
  flows: GraphFlow[],
  nodeIds: string[],
  datasets: Map<string, GraphDataset>,
  errors: GraphErrors,
): { order: string[]; datasetOrder: string[] } {
  const downstream = new Map<string, Set<string>>(nodeIds.map((id) => [id, new Set<string>()]));
  const indegree = new Map<string, number>(nodeIds.map((id) => [id, 0]));
  for (const f of flows) {
    if (!downstream.has(f.target)) continue;
    for (const i of f.inputs) {
      const next = downstream.get(i.id);
      if (!i.internal || !next || next.has(f.target)) continue;
      next.add(f.target);
      indegree.set(f.target, indegree.get(f.target)! + 1);
    }
  }
  const datasetOrder: string[] = [];
  const ready = nodeIds.filter((id) => indegree.get(id) === 0);
  while (ready.length > 0) {
    const id = ready.shift()!;
    datasetOrder.push(id);
    for (const d of downstream.get(id)!) {
      indegree.set(d, indegree.get(d)! - 1);
      if (indegree.get(d) === 0) ready.push(d);
    }
  }
  if (datasetOrder.length < nodeIds.length) reportCycles(nodeIds.filter((id) => !datasetOrder.includes(id)), downstream, datasets, errors);
  const byTarget = new Map<string, string[]>();
  for (const f of flows) byTarget.set(f.target, [...(byTarget.get(f.target) ?? []), f.id]);
  const order = datasetOrder.flatMap((id) => byTarget.get(id) ?? []);
  return { order, datasetOrder };
}

/** Finds each cycle among the unordered nodes (one per strongly connected group) and reports its path. */
function reportCycles(left: string[], downstream: Map<string, Set<string>>, datasets: Map<string, GraphDataset>, errors: GraphErrors): void {
  const reported = new Set<string>();
  for (const start of left) {
    if (reported.has(start)) continue;
    const path = cycleThrough(start, downstream, new Set(left));
    if (!path) continue;
    path.forEach((id) => reported.add(id));
    const where = path.map((id) => `${id} at ${formatOrigin(datasets.get(id)!.definition.origin)}`).join(', ');
    const text = [...path, path[0]].join(' -> ');
    errors.add('PIPELINE.CYCLE', datasets.get(path[0])!.definition.origin, `datasets read each other in a cycle: ${text} (${where}); break the cycle by removing one of these reads`, { cycle: path });
  }
}

/** The shortest path start -> … -> start within `allowed` (breadth-first), without the closing node; undefined if none. */
function cycleThrough(start: string, downstream: Map<string, Set<string>>, allowed: Set<string>): string[] | undefined {
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const next of downstream.get(id) ?? []) {
      if (!allowed.has(next)) continue;
      if (next === start) {
        const path = [id];
        while (path[0] !== start) path.unshift(parent.get(path[0])!);
        return path;
      }
      if (!parent.has(next)) {
        parent.set(next, id);
        queue.push(next);
      }
    }
  }
  return undefined;
}
