import { Background, Controls, MarkerType, ReactFlow, type Edge, type Node } from '@xyflow/react';
import { useEffect, useMemo, useState } from 'react';
import { layoutDag, type PlacedNode } from './graph-layout.js';
import { formatRate, passRate, pipelineStateColor, rateClass, shortName, typeLabel, worstExpectation, type DatasetNode, type PipelineGraphModel } from './pipeline-model.js';

/** Size of a dataset node: taller than a task node, for the row counts and the expectation badge. */
const SIZE = { width: 230, height: 80 };

/** A pipeline's datasets as nodes (type, flow status, rows written and dropped, worst expectation) and its flows as edges. */
export function PipelineGraph({ graph, selected, onSelect }: { graph: PipelineGraphModel; selected?: string; onSelect: (id: string) => void }) {
  const [placed, setPlaced] = useState<PlacedNode[] | null>(null);
  const shape = useMemo(() => JSON.stringify([graph.datasets.map((d) => d.id), graph.edges.map((e) => e.id)]), [graph]);
  useEffect(() => {
    let live = true;
    const started = performance.now();
    void layoutDag(graph.datasets.map((d) => d.id), graph.edges, SIZE).then((p) => {
      // Exposed for the scale test, which reports how long the layout alone took (as the job graph does).
      (window as unknown as { __weirPipelineLayoutMs?: number }).__weirPipelineLayoutMs = performance.now() - started;
      if (live) setPlaced(p);
    });
    return () => {
      live = false;
    };
    // Layout depends on the graph's shape only, not on the numbers that change while the update runs.
  }, [shape]);
  const byId = useMemo(() => new Map(graph.datasets.map((d) => [d.id, d])), [graph]);
  const nodes: Node[] = useMemo(
    () =>
      (placed ?? []).flatMap((p) => {
        const d = byId.get(p.id);
        if (!d) return [];
        const color = pipelineStateColor(d.status);
        return [{
          id: p.id,
          position: { x: p.x, y: p.y },
          data: { label: <DatasetBody d={d} /> },
          style: { width: SIZE.width, height: SIZE.height, borderColor: color, borderLeft: `8px solid ${color}`, padding: '6px 8px' },
          className: `pl-node-${d.type.toLowerCase()}${selected === p.id ? ' pl-selected' : ''}`,
          sourcePosition: 'right',
          targetPosition: 'left',
        } as Node];
      }),
    [placed, byId, selected],
  );
  const edges: Edge[] = useMemo(
    () => graph.edges.map((e) => ({ id: e.id, source: e.from, target: e.to, label: e.flow === e.to ? undefined : shortName(e.flow), markerEnd: { type: MarkerType.ArrowClosed } })),
    [graph],
  );
  if (!placed) return <div className="graph muted">Laying out {graph.datasets.length} datasets…</div>;
  return (
    <div className="graph pl-graph" data-testid="pipeline-graph">
      <ReactFlow nodes={nodes} edges={edges} fitView minZoom={0.05} nodesDraggable={false} nodesConnectable={false} onNodeClick={(_, n) => onSelect(n.id)} proOptions={{ hideAttribution: true }}>
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}

function DatasetBody({ d }: { d: DatasetNode }) {
  const worst = worstExpectation(d);
  const rate = worst ? passRate(worst) : undefined;
  const all = d.expectations.map((x) => `${x.name}: ${x.passed} passed, ${x.failed} failed (${formatRate(passRate(x))})`).join('\n');
  return (
    <div className="pl-node" data-dataset={d.id} data-status={d.status ?? ''} title={d.id}>
      <strong>{shortName(d.id)}</strong>
      <span className="muted">{typeLabel(d.type)}{d.status ? ` · ${d.status}` : ''}</span>
      {d.type !== 'EXTERNAL' && (
        <span className="pl-counts">
          <span data-testid="written">{d.written.toLocaleString()} written</span>
          {d.dropped > 0 && <span className="pl-dropped" data-testid="dropped"> · {d.dropped.toLocaleString()} dropped</span>}
        </span>
      )}
      {worst && (
        <span className={`pl-badge ${rateClass(rate)}`} title={all} data-testid="expectation-badge">
          {d.expectations.length === 1 ? worst.name : `${d.expectations.length} expectations, lowest`} {formatRate(rate)}
        </span>
      )}
    </div>
  );
}
