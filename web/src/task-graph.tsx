import { Background, Controls, ReactFlow, type Edge, type Node } from '@xyflow/react';
import { useEffect, useMemo, useState } from 'react';
import type { RunTask, TaskSettings } from './api-types.js';
import { elk, layoutTasks, NODE_H, NODE_W, taskEdges, taskKind, usesElk, type PlacedTask } from './graph-layout.js';
import { stateColor, stateLabel } from './run-state-style.js';

/** The task graph of a job or run: layered layout (ELK for small graphs), nodes coloured by task state, condition outcomes on edges. */
export function TaskGraph({ tasks, states, onSelect }: { tasks: TaskSettings[]; states?: Map<string, RunTask>; onSelect?: (key: string) => void }) {
  const [placed, setPlaced] = useState<PlacedTask[] | null>(null);
  const shape = useMemo(() => JSON.stringify(tasks.map((t) => [t.task_key, t.depends_on ?? []])), [tasks]);
  useEffect(() => {
    let live = true;
    void (async () => {
      if (usesElk(tasks.length)) await elk();
      const started = performance.now();
      const p = await layoutTasks(tasks);
      // Exposed for the scale test, which reports how long the layout alone took and checks every task was placed.
      Object.assign(window, { __weirLayoutMs: performance.now() - started, __weirLayoutNodes: p.length });
      if (live) setPlaced(p);
    })();
    return () => {
      live = false;
    };
    // Layout depends on the graph's shape only, not on states.
  }, [shape]);
  const byKey = useMemo(() => new Map(tasks.map((t) => [t.task_key, t])), [tasks]);
  const nodes: Node[] = useMemo(() => (placed ?? []).map((p) => {
    const t = byKey.get(p.key)!;
    const tr = states?.get(p.key);
    const label = tr ? stateLabel(tr.state) : '';
    const color = tr ? stateColor(label) : '#c4c8ce';
    const kind = taskKind(t);
    const shapeClass = t.condition_task ? 'node-condition' : t.for_each_task ? 'node-foreach' : 'node-task';
    return {
      id: p.key,
      position: { x: p.x, y: p.y },
      data: { label: <div className="node-body" data-task={p.key} data-state={label}><strong>{p.key}</strong><span>{kind}{label ? ` · ${label}` : ''}</span></div> },
      style: { width: NODE_W, height: NODE_H, borderColor: color, borderLeft: `8px solid ${color}` },
      className: shapeClass,
      sourcePosition: 'right',
      targetPosition: 'left',
    } as Node;
  }), [placed, byKey, states]);
  const edges: Edge[] = useMemo(() => taskEdges(tasks).map((e) => ({ id: e.id, source: e.from, target: e.to, label: e.outcome, animated: false })), [tasks]);
  if (!placed) return <div className="graph muted">Laying out {tasks.length} tasks…</div>;
  return (
    <div className="graph" data-testid="task-graph">
      <ReactFlow nodes={nodes} edges={edges} fitView minZoom={0.05} nodesDraggable={false} nodesConnectable={false} onNodeClick={(_, n) => onSelect?.(n.id)} proOptions={{ hideAttribution: true }}>
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
