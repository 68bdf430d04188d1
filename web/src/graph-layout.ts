import type { ELK as Elk } from 'elkjs/lib/elk-api.js';
import type { TaskSettings } from './api-types.js';
import { layeredGrid, type PlacedNode } from './layered-grid.js';

/** A laid-out task: its key and top-left position. */
export interface PlacedTask {
  key: string;
  x: number;
  y: number;
}

/** A dependency edge: from upstream to downstream, with the condition outcome it needs, if any. */
export interface TaskEdge {
  id: string;
  from: string;
  to: string;
  outcome?: string;
}

/** Size of a task node in the graph. */
export const NODE_W = 190;
export const NODE_H = 52;

/** Above this many tasks the layout trades some crossing minimisation for speed (500 tasks well under a second). */
const LARGE = 100;

const FAST: Record<string, string> = {
  'elk.layered.thoroughness': '1',
  'elk.layered.layering.strategy': 'LONGEST_PATH',
  'elk.layered.nodePlacement.strategy': 'SIMPLE',
  'elk.edgeRouting': 'POLYLINE',
  'elk.layered.crossingMinimization.greedySwitch.type': 'OFF',
  'elk.layered.mergeEdges': 'true',
  // Keep the tasks' order within a layer (the order of the job's settings) instead of sweeping for fewer crossings.
  'elk.layered.crossingMinimization.strategy': 'INTERACTIVE',
  'elk.separateConnectedComponents': 'false',
};

/** True when a graph of this many nodes is laid out by ELK (larger ones by layeredGrid, without loading ELK). */
export function usesElk(nodes: number): boolean {
  return nodes <= LARGE;
}

let elkInstance: Promise<Elk> | undefined;

/** ELK, loaded on first use so the jobs list does not download it. */
export function elk(): Promise<Elk> {
  elkInstance ??= import('elkjs/lib/elk.bundled.js').then((m) => new m.default());
  return elkInstance;
}

/** The dependency edges of a job's tasks (edges to unknown tasks are left out). */
export function taskEdges(tasks: TaskSettings[]): TaskEdge[] {
  const keys = new Set(tasks.map((t) => t.task_key));
  return tasks.flatMap((t) =>
    (t.depends_on ?? []).filter((d) => keys.has(d.task_key)).map((d) => ({ id: `${d.task_key}->${t.task_key}`, from: d.task_key, to: t.task_key, outcome: d.outcome })),
  );
}

export type { PlacedNode };

/** Lays out any directed graph left to right with ELK's layered algorithm, every node of the given size. */
export async function layoutDag(ids: string[], edges: { id: string; from: string; to: string }[], size: { width: number; height: number }): Promise<PlacedNode[]> {
  const known = new Set(ids);
  // ELK wants one edge per id; two edges between the same nodes (two flows, say) draw as one line.
  const unique = new Map(edges.filter((e) => known.has(e.from) && known.has(e.to)).map((e) => [`${e.from}->${e.to}`, e]));
  if (!usesElk(ids.length)) return layeredGrid(ids, [...unique.values()], size);
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

/** Lays out a job's task graph (task nodes of NODE_W × NODE_H). */
export async function layoutTasks(tasks: TaskSettings[]): Promise<PlacedTask[]> {
  const placed = await layoutDag(tasks.map((t) => t.task_key), taskEdges(tasks), { width: NODE_W, height: NODE_H });
  return placed.map((p) => ({ key: p.id, x: p.x, y: p.y }));
}

/** What kind of task this is, in a word ("condition", "for each", "notebook", …). */
export function taskKind(t: TaskSettings): string {
  if (t.condition_task) return 'condition';
  if (t.for_each_task) return 'for each';
  const k = Object.keys(t).find((name) => name.endsWith('_task'));
  return k ? k.replace(/_task$/, '').replace(/_/g, ' ') : 'task';
}
