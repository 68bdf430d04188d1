import { Background, Controls, ReactFlow, type Edge, type Node } from '@xyflow/react';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { catalogHref, getLineage, type JobInfo, type LineageEntry, type PipelineInfo, type TableLineage } from './catalog-api.js';
import { ErrorBox } from './error-box.js';

const NODE_W = 220;
const NODE_H = 56;
const COLUMN = 280;
const ROW = 76;

type Side = 'up' | 'down';

function tableName(e: LineageEntry): string | undefined {
  const t = e.tableInfo;
  return t ? `${t.catalog_name}.${t.schema_name}.${t.name}` : undefined;
}

function TableNode({ fullName, type, center }: { fullName: string; type?: string; center?: boolean }) {
  const [c, s, t] = fullName.split('.');
  return (
    <div className="node-body lineage-table" data-lineage-table={fullName}>
      {center ? <strong>{fullName}</strong> : <a href={catalogHref(c, s, t, 'lineage')}><strong>{fullName}</strong></a>}
      <span>{center ? 'this table' : type ?? 'TABLE'}</span>
    </div>
  );
}

function PipelineNode({ p }: { p: PipelineInfo }) {
  return (
    <div className="node-body lineage-entity" data-lineage-pipeline={p.pipeline_id}>
      <a href={`#pipelines/${encodeURIComponent(p.pipeline_id)}`}><strong>{p.name ?? p.pipeline_id}</strong></a>
      <span>pipeline{p.flow_name ? ` · flow ${p.flow_name.split('.').pop()}` : ''}</span>
    </div>
  );
}

function JobNode({ j }: { j: JobInfo }) {
  return (
    <div className="node-body lineage-entity" data-lineage-job={j.job_id}>
      <a href={`#job/${j.job_id}`}><strong>{j.name ?? `job ${j.job_id}`}</strong></a>
      <span>job{j.task_keys?.length ? ` · ${j.task_keys.join(', ')}` : ''}</span>
    </div>
  );
}

/**
 * Five columns, left to right: upstream tables, the pipelines and jobs that write this table, the table, those that
 * read it, downstream tables. Only direct neighbours, so a fixed layout is enough (no ELK).
 */
export function lineageGraph(center: string, l: TableLineage): { nodes: Node[]; edges: Edge[] } {
  const nodes: Node[] = [];
  const edges: Edge[] = [];
  const rows: Record<number, number> = {};
  const add = (id: string, col: number, label: ReactNode, className: string) => {
    if (nodes.some((n) => n.id === id)) return;
    const row = (rows[col] = (rows[col] ?? -1) + 1);
    nodes.push({ id, position: { x: col * COLUMN, y: row * ROW }, data: { label }, className, style: { width: NODE_W, height: NODE_H }, sourcePosition: 'right', targetPosition: 'left' } as Node);
  };
  const link = (from: string, to: string) => {
    const id = `${from}->${to}`;
    if (!edges.some((e) => e.id === id)) edges.push({ id, source: from, target: to });
  };
  add(`t:${center}`, 2, <TableNode fullName={center} center />, 'lineage-node-center');
  const walk = (entries: LineageEntry[], side: Side) => {
    const [tableCol, entityCol] = side === 'up' ? [0, 1] : [4, 3];
    for (const e of entries) {
      const t = tableName(e);
      const entities: [string, ReactNode][] = [
        ...(e.pipelineInfos ?? []).map((p): [string, ReactNode] => [`p:${side}:${p.pipeline_id}`, <PipelineNode p={p} />]),
        ...(e.jobInfos ?? []).map((j): [string, ReactNode] => [`j:${side}:${j.job_id}`, <JobNode j={j} />]),
      ];
      if (t) add(`t:${t}`, tableCol, <TableNode fullName={t} type={e.tableInfo?.table_type} />, 'lineage-node-table');
      for (const [id, label] of entities) add(id, entityCol, label, 'lineage-node-entity');
      const chain = (a: string, b: string) => (side === 'up' ? link(a, b) : link(b, a));
      if (t && !entities.length) chain(`t:${t}`, `t:${center}`);
      for (const [id] of entities) {
        if (t) chain(`t:${t}`, id);
        chain(id, `t:${center}`);
      }
    }
  };
  walk(l.upstreams, 'up');
  walk(l.downstreams, 'down');
  return { nodes, edges };
}

interface ColumnLink {
  output: string;
  inputs: { dataset: string; column: string }[];
  kind?: string;
}

/** The pipeline engine's column lineage shape ([{output, inputs: [{dataset, column}], kind}]), or undefined. */
function columnLinks(v: unknown): ColumnLink[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const ok = v.every((c) => c && typeof c === 'object' && typeof (c as ColumnLink).output === 'string' && Array.isArray((c as ColumnLink).inputs));
  return ok ? (v as ColumnLink[]) : undefined;
}

/** The column lineage of the flows writing this table, once per flow (a flow appears on each of its inputs). */
function ColumnLineage({ l }: { l: TableLineage }) {
  const flows = new Map<string, PipelineInfo>();
  for (const p of l.upstreams.flatMap((e) => e.pipelineInfos ?? [])) if (p.column_lineage !== undefined) flows.set(`${p.pipeline_id}/${p.flow_name}`, p);
  if (!flows.size) return null;
  return (
    <>
      <h3>Column lineage</h3>
      {[...flows.values()].map((p) => {
        const links = columnLinks(p.column_lineage);
        return (
          <div key={`${p.pipeline_id}/${p.flow_name}`} className="column-lineage">
            <p className="muted">flow {p.flow_name ?? ''} of pipeline {p.name ?? p.pipeline_id}</p>
            {links ? (
              <table className="jobs catalog-column-lineage">
                <thead><tr><th>Column</th><th>From</th><th>Kind</th></tr></thead>
                <tbody>
                  {links.map((c) => (
                    <tr key={c.output} data-column-lineage={c.output}>
                      <td className="job-name">{c.output}</td>
                      <td>{c.inputs.map((i) => `${i.dataset}.${i.column}`).join(', ')}</td>
                      <td>{c.kind ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <pre className="json">{JSON.stringify(p.column_lineage, null, 2)}</pre>
            )}
          </div>
        );
      })}
    </>
  );
}

/** Lineage: the graph of upstream and downstream tables with the pipelines and jobs that connect them. */
export function LineageTab({ fullName }: { fullName: string }) {
  const [lineage, setLineage] = useState<TableLineage | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    getLineage(fullName).then((l) => live && setLineage(l), (e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, [fullName]);
  const graph = useMemo(() => (lineage ? lineageGraph(fullName, lineage) : null), [fullName, lineage]);
  if (error) return <ErrorBox error={error} />;
  if (!lineage || !graph) return <p className="muted">Reading lineage…</p>;
  const none = !lineage.upstreams.length && !lineage.downstreams.length;
  return (
    <>
      {none && <p className="muted">No lineage known: no pipeline flow, pipeline task or sql_task reads or writes this table.</p>}
      <div className="graph lineage-graph" data-testid="lineage-graph">
        <ReactFlow nodes={graph.nodes} edges={graph.edges} fitView nodesDraggable={false} nodesConnectable={false} proOptions={{ hideAttribution: true }}>
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
      <p className="muted">Lineage comes from the latest flow definitions of each pipeline, jobs whose pipeline_task runs a pipeline, and the tables that sql_task statements read and write.</p>
      <ColumnLineage l={lineage} />
    </>
  );
}
