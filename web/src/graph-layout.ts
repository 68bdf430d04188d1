import type { ELK as Elk } from 'elkjs/lib/elk-api.js';
import type { TaskSettings } from './api-types.js';

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

/** Lays out a job's task graph left to right with ELK's layered algorithm. */
export async function layoutTasks(tasks: TaskSettings[]): Promise<PlacedTask[]> {
  const graph = await (await elk()).layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '60',
      'elk.spacing.nodeNode': '24',
      ...(tasks.length > LARGE ? FAST : {}),
    },
    children: tasks.map((t) => ({ id: t.task_key, width: NODE_W, height: NODE_H })),
    edges: taskEdges(tasks).map((e) => ({ id: e.id, sources: [e.from], targets: [e.to] })),
  });
  return (graph.children ?? []).map((c) => ({ key: c.id, x: c.x ?? 0, y: c.y ?? 0 }));
}

/** What kind of task this is, in a word ("condition", "for each", "notebook", …). */
export function taskKind(t: TaskSettings): string {
  if (t.condition_task) return 'condition';
  if (t.for_each_task) return 'for each';
  const k = Object.keys(t).find((name) => name.endsWith('_task'));
  return k ? k.replace(/_task$/, '').replace(/_/g, ' ') : 'task';
}
