/** The jobs-engine benchmark's DAG: 20 layers × 50 shell_task `true` tasks, each depending on 2–3 tasks of the previous layer (seeded). */
import { prng } from './lib.js';

/** One task of the DAG and the keys it depends on. */
export interface DagNode {
  key: string;
  deps: string[];
}

export const LAYERS = 20;
export const WIDTH = 50;

/** The 1,000-task layered DAG (the same one every run: seed 42). */
export function generateDag(): DagNode[] {
  const rnd = prng(42);
  const key = (l: number, i: number) => `t_${String(l).padStart(2, '0')}_${String(i).padStart(2, '0')}`;
  const nodes: DagNode[] = [];
  for (let l = 0; l < LAYERS; l++) {
    for (let i = 0; i < WIDTH; i++) {
      const deps = new Set<string>();
      if (l > 0) {
        const n = 2 + Math.floor(rnd() * 2);
        while (deps.size < n) deps.add(key(l - 1, Math.floor(rnd() * WIDTH)));
      }
      nodes.push({ key: key(l, i), deps: [...deps] });
    }
  }
  return nodes;
}

/** The same DAG as a Makefile with `@true` recipes. */
export function makefile(nodes: DagNode[]): string {
  const lines = [`.PHONY: all ${nodes.map((n) => n.key).join(' ')}`, `all: ${nodes.map((n) => n.key).join(' ')}`, ''];
  for (const n of nodes) lines.push(`${n.key}: ${n.deps.join(' ')}`, '\t@true', '');
  return lines.join('\n');
}

/** The DAG as job settings of shell_task `true`. */
export function dagJob(nodes: DagNode[], name: string): Record<string, unknown> {
  return { name, max_concurrent_runs: 10, tasks: nodes.map((n) => ({ task_key: n.key, depends_on: n.deps.map((d) => ({ task_key: d })), shell_task: { command: 'true' } })) };
}
