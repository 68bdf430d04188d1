/**
 * Table lineage derived from what weir knows statically: the flow definitions of each pipeline's latest update
 * (input datasets → output dataset), the jobs whose pipeline_task runs a pipeline, and the tables the statements of
 * sql_tasks read and write. Pure: the callers gather the inputs (lineage-sources.ts).
 */

/** One flow of a pipeline's latest update, from its flow_definition event. */
export interface LineageFlow {
  name: string;
  output: string;
  inputs: string[];
  /** `details.flow_definition.column_lineage` when the pipeline engine wrote one (passed through as is). */
  column_lineage?: unknown;
}

/** A pipeline's latest definitions. */
export interface PipelineLineage {
  pipeline_id: string;
  name: string;
  update_id: string | null;
  /** When the definitions were written (ms). */
  timestamp: number;
  /** dataset_type by dataset id (VIEW, MATERIALIZED_VIEW, STREAMING_TABLE). */
  datasetTypes: Record<string, string>;
  flows: LineageFlow[];
}

/** One statement (or task) of a job that reads some tables and writes others. */
export interface JobTableLink {
  task_key: string;
  reads: string[];
  writes: string[];
}

/** A job's pipeline tasks and table links. */
export interface JobLineage {
  job_id: number;
  name: string;
  pipelineTasks: { task_key: string; pipeline_id: string }[];
  tableLinks: JobTableLink[];
}

/** A pipeline as lineage names it. */
export interface PipelineRef {
  pipeline_id: string;
  name: string;
  update_id: string | null;
  timestamp: number;
  flow_name?: string;
  column_lineage?: unknown;
}

/** A job as lineage names it, with the tasks that connect it. */
export interface JobRef {
  job_id: number;
  name: string;
  task_keys: string[];
}

/** The pipelines and jobs that connect two tables, or that read or write one table. */
export interface Connectors {
  pipelines: PipelineRef[];
  jobs: JobRef[];
}

/** source → target, through the pipelines and jobs listed. */
export interface LineageEdge extends Connectors {
  source: string;
  target: string;
}

/** Every edge, with who writes and who reads each table and the table types pipelines declare. */
export interface LineageGraph {
  edges: LineageEdge[];
  writers: Map<string, Connectors>;
  readers: Map<string, Connectors>;
  tableTypes: Map<string, string>;
}

function connectorsOf(map: Map<string, Connectors>, key: string): Connectors {
  let c = map.get(key);
  if (!c) map.set(key, (c = { pipelines: [], jobs: [] }));
  return c;
}

function addPipeline(c: Connectors, p: PipelineRef): void {
  if (!c.pipelines.some((x) => x.pipeline_id === p.pipeline_id && x.flow_name === p.flow_name)) c.pipelines.push(p);
}

function addJob(c: Connectors, j: JobRef): void {
  const existing = c.jobs.find((x) => x.job_id === j.job_id);
  if (!existing) c.jobs.push({ ...j, task_keys: [...j.task_keys] });
  else for (const k of j.task_keys) if (!existing.task_keys.includes(k)) existing.task_keys.push(k);
}

/** A pipeline's persisted inputs of a flow: temporary views are looked through to the tables they read. */
function tableInputs(p: PipelineLineage, inputs: string[], seen = new Set<string>()): string[] {
  const out: string[] = [];
  for (const i of inputs) {
    if (p.datasetTypes[i] !== 'VIEW') out.push(i);
    else if (!seen.has(i)) {
      seen.add(i);
      out.push(...tableInputs(p, p.flows.filter((f) => f.output === i).flatMap((f) => f.inputs), seen));
    }
  }
  return [...new Set(out)];
}

/** Builds the lineage graph of all pipelines and jobs. */
export function buildLineageGraph(pipelines: PipelineLineage[], jobs: JobLineage[]): LineageGraph {
  const g: LineageGraph = { edges: [], writers: new Map(), readers: new Map(), tableTypes: new Map() };
  const edges = new Map<string, LineageEdge>();
  const edge = (source: string, target: string) => {
    const k = `${source}\u0000${target}`;
    let e = edges.get(k);
    if (!e) edges.set(k, (e = { source, target, pipelines: [], jobs: [] }));
    return e;
  };
  const runners = new Map<string, JobRef[]>();
  for (const j of jobs) {
    for (const t of j.pipelineTasks) {
      const list = runners.get(t.pipeline_id) ?? [];
      list.push({ job_id: j.job_id, name: j.name, task_keys: [t.task_key] });
      runners.set(t.pipeline_id, list);
    }
  }
  for (const p of pipelines) {
    for (const [id, type] of Object.entries(p.datasetTypes)) if (type !== 'VIEW') g.tableTypes.set(id, type);
    const viaJobs = runners.get(p.pipeline_id) ?? [];
    for (const f of p.flows) {
      if (p.datasetTypes[f.output] === 'VIEW') continue;
      const ref: PipelineRef = { pipeline_id: p.pipeline_id, name: p.name, update_id: p.update_id, timestamp: p.timestamp, flow_name: f.name };
      if (f.column_lineage !== undefined) ref.column_lineage = f.column_lineage;
      const sources = tableInputs(p, f.inputs);
      for (const c of [connectorsOf(g.writers, f.output), ...sources.map((s) => connectorsOf(g.readers, s)), ...sources.map((s) => edge(s, f.output))]) {
        addPipeline(c, ref);
        for (const j of viaJobs) addJob(c, j);
      }
    }
  }
  for (const j of jobs) {
    for (const l of j.tableLinks) {
      const ref: JobRef = { job_id: j.job_id, name: j.name, task_keys: [l.task_key] };
      for (const w of l.writes) addJob(connectorsOf(g.writers, w), ref);
      for (const r of l.reads) addJob(connectorsOf(g.readers, r), ref);
      for (const r of l.reads) for (const w of l.writes) if (r !== w) addJob(edge(r, w), ref);
    }
  }
  g.edges = [...edges.values()];
  return g;
}

/** One neighbour of a table: the table at the other end of an edge, and what connects them. */
export interface LineageNeighbour extends Connectors {
  table: string;
}

/** A table's direct upstream and downstream tables, plus writers and readers that connect to no table on that side. */
export interface TableLineage {
  upstreams: LineageNeighbour[];
  downstreams: LineageNeighbour[];
  /** Pipelines and jobs writing the table from something that is not a table (files, literals). */
  otherWriters: Connectors;
  /** Pipelines and jobs reading the table without writing a table weir knows. */
  otherReaders: Connectors;
}

function without(all: Connectors | undefined, shown: LineageNeighbour[]): Connectors {
  const pipelines = new Set(shown.flatMap((n) => n.pipelines.map((p) => p.pipeline_id)));
  const jobs = new Set(shown.flatMap((n) => n.jobs.map((j) => j.job_id)));
  return {
    pipelines: (all?.pipelines ?? []).filter((p) => !pipelines.has(p.pipeline_id)),
    jobs: (all?.jobs ?? []).filter((j) => !jobs.has(j.job_id)),
  };
}

/** The lineage of one table (`catalog.schema.table`) in the graph. */
export function tableLineage(g: LineageGraph, table: string): TableLineage {
  const upstreams = g.edges.filter((e) => e.target === table && e.source !== table).map((e) => ({ table: e.source, pipelines: e.pipelines, jobs: e.jobs }));
  const downstreams = g.edges.filter((e) => e.source === table && e.target !== table).map((e) => ({ table: e.target, pipelines: e.pipelines, jobs: e.jobs }));
  const byName = (a: LineageNeighbour, b: LineageNeighbour) => a.table.localeCompare(b.table);
  upstreams.sort(byName);
  downstreams.sort(byName);
  return { upstreams, downstreams, otherWriters: without(g.writers.get(table), upstreams), otherReaders: without(g.readers.get(table), downstreams) };
}
