import { elk } from './graph-layout.js';

/** A node placed by the layout: its id and top-left position. */
export interface PlacedNode {
  id: string;
  x: number;
  y: number;
}

/** Above this many nodes the layout trades some crossing minimisation for speed (the job graph's threshold). */
const LARGE = 100;

// The job graph's fast settings (graph-layout.ts keeps its own copy private): longest-path layering, nodes kept in
// their given order within a layer, simple placement.
const FAST: Record<string, string> = {
  'elk.layered.thoroughness': '1',
  'elk.layered.layering.strategy': 'LONGEST_PATH',
  'elk.layered.nodePlacement.strategy': 'SIMPLE',
  'elk.edgeRouting': 'POLYLINE',
  'elk.layered.crossingMinimization.greedySwitch.type': 'OFF',
  'elk.layered.mergeEdges': 'true',
  'elk.layered.crossingMinimization.strategy': 'INTERACTIVE',
  'elk.separateConnectedComponents': 'false',
};

/**
 * Lays out any directed graph left to right with ELK's layered algorithm, the way the job graph does
 * (graph-layout.ts `layoutTasks`, which is this with task nodes of NODE_W × NODE_H), for nodes of the given size.
 */
export async function layoutDag(ids: string[], edges: { id: string; from: string; to: string }[], size: { width: number; height: number }): Promise<PlacedNode[]> {
  const known = new Set(ids);
  // ELK wants one edge per id; two flows between the same datasets draw as one line.
  const unique = new Map(edges.filter((e) => known.has(e.from) && known.has(e.to)).map((e) => [`${e.from}->${e.to}`, e]));
  const graph = await (await elk()).layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '60',
      'elk.spacing.nodeNode': '24',
      ...(ids.length > LARGE ? FAST : {}),
    },
    children: ids.map((id) => ({ id, width: size.width, height: size.height })),
    edges: [...unique.entries()].map(([id, e]) => ({ id, sources: [e.from], targets: [e.to] })),
  });
  return (graph.children ?? []).map((c) => ({ id: c.id, x: c.x ?? 0, y: c.y ?? 0 }));
}
