/** A node placed by the layout: its id and top-left position. */
export interface PlacedNode {
  id: string;
  x: number;
  y: number;
}

const GAP_X = 60;
const GAP_Y = 24;

/**
 * The layout ELK's fast settings give (longest-path layers, nodes in their given order within a layer), computed
 * directly in O(nodes + edges): ELK took 0.7–1.1 s for a 500-task job in the browser, this takes about a millisecond.
 * Nodes on a cycle (which the API rejects for jobs) go to a last layer.
 */
export function layeredGrid(ids: string[], edges: { from: string; to: string }[], size: { width: number; height: number }): PlacedNode[] {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  const indegree = new Map<string, number>(ids.map((id) => [id, 0]));
  for (const e of edges) {
    out.get(e.from)!.push(e.to);
    indegree.set(e.to, indegree.get(e.to)! + 1);
  }
  const layer = new Map<string, number>();
  const queue = ids.filter((id) => indegree.get(id) === 0);
  for (const id of queue) layer.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    const from = queue[i];
    for (const to of out.get(from)!) {
      layer.set(to, Math.max(layer.get(to) ?? 0, layer.get(from)! + 1));
      const left = indegree.get(to)! - 1;
      indegree.set(to, left);
      if (left === 0) queue.push(to);
    }
  }
  const sorted = new Set(queue);
  let last = 0;
  for (const id of sorted) last = Math.max(last, layer.get(id)! + 1);
  const rows: number[] = [];
  return ids.map((id) => {
    const l = sorted.has(id) ? layer.get(id)! : last;
    const row = (rows[l] = (rows[l] ?? -1) + 1);
    return { id, x: 12 + l * (size.width + GAP_X), y: 12 + row * (size.height + GAP_Y) };
  });
}

