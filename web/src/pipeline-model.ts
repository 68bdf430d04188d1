import type { PipelineEvent } from './pipeline-api.js';

/** An expectation of a dataset with its records in one update (summed over the dataset's flows). */
export interface ExpectationResult {
  name: string;
  action?: string;
  expression?: string;
  passed: number;
  failed: number;
}

/** A node of the pipeline graph: a dataset of the pipeline, or a table it reads from outside. */
export interface DatasetNode {
  id: string;
  /** STREAMING_TABLE, MATERIALIZED_VIEW, VIEW, or EXTERNAL for a table read from outside the pipeline. */
  type: string;
  /** The status of its flows in the update (the most telling one when there are several), if they reported. */
  status?: string;
  written: number;
  dropped: number;
  expectations: ExpectationResult[];
  /** Why a flow was skipped, or its error. */
  note?: string;
}

/** An edge of the pipeline graph: a flow reading `from` and writing `to`. */
export interface FlowEdge {
  id: string;
  from: string;
  to: string;
  flow: string;
}

/** The graph of one update, built from its dataset_definition, flow_definition and flow_progress events. */
export interface PipelineGraphModel {
  datasets: DatasetNode[];
  edges: FlowEdge[];
}

// When a dataset has several flows, the status shown is the first of these that any of its flows has.
const STATUS_RANK = ['FAILED', 'RETRYING', 'RUNNING', 'STARTING', 'QUEUED', 'COMPLETED', 'SKIPPED', 'STOPPED', 'EXCLUDED'];

type Details = Record<string, Record<string, unknown> | undefined>;

/** Builds the graph of an update from its events (oldest first). */
export function buildGraph(events: PipelineEvent[]): PipelineGraphModel {
  const nodes = new Map<string, DatasetNode>();
  const flows = new Map<string, { output: string; inputs: string[] }>();
  const flowStatus = new Map<string, string>();
  const metrics = new Map<string, FlowMetrics>();
  for (const e of events) {
    const d = e.details as Details;
    if (e.event_type === 'dataset_definition' && e.origin.dataset_name) {
      const def = d.dataset_definition ?? {};
      const exps = (def.expectations as { name: string; expression?: string; action?: string }[] | undefined) ?? [];
      nodes.set(e.origin.dataset_name, {
        id: e.origin.dataset_name,
        type: String(def.dataset_type ?? 'TABLE'),
        written: 0,
        dropped: 0,
        expectations: exps.map((x) => ({ name: x.name, action: x.action, expression: x.expression, passed: 0, failed: 0 })),
      });
    } else if (e.event_type === 'flow_definition' && e.origin.flow_name) {
      const def = d.flow_definition ?? {};
      flows.set(e.origin.flow_name, { output: String(def.output_dataset ?? e.origin.dataset_name), inputs: (def.input_datasets as string[] | undefined) ?? [] });
    } else if (e.event_type === 'flow_progress' && e.origin.flow_name) {
      addProgress(metrics, flowStatus, e);
    }
  }
  const edges: FlowEdge[] = [];
  for (const [flow, f] of flows) {
    for (const input of f.inputs) {
      if (!nodes.has(input)) nodes.set(input, { id: input, type: 'EXTERNAL', written: 0, dropped: 0, expectations: [] });
      edges.push({ id: `${flow}:${input}->${f.output}`, from: input, to: f.output, flow });
    }
  }
  for (const [flow, f] of flows) {
    const node = nodes.get(f.output);
    if (node) addFlow(node, flowStatus.get(flow), metrics.get(flow));
  }
  return { datasets: [...nodes.values()], edges };
}

type FlowMetrics = { written: number; dropped: number; note?: string; expectations: Map<string, ExpectationResult> };

/** Adds one flow's status and numbers to the dataset it writes (a dataset may have several flows). */
function addFlow(node: DatasetNode, status: string | undefined, m: FlowMetrics | undefined): void {
  if (status && (!node.status || STATUS_RANK.indexOf(status) < STATUS_RANK.indexOf(node.status))) node.status = status;
  if (!m) return;
  node.written += m.written;
  node.dropped += m.dropped;
  node.note ??= m.note;
  for (const x of m.expectations.values()) {
    const known = node.expectations.find((y) => y.name === x.name);
    if (known) {
      known.passed += x.passed;
      known.failed += x.failed;
    } else node.expectations.push({ ...x });
  }
}

function addProgress(metrics: Map<string, FlowMetrics>, status: Map<string, string>, e: PipelineEvent): void {
  const flow = e.origin.flow_name!;
  const p = ((e.details as Details).flow_progress ?? {}) as { status?: string; skip_reason?: string; metrics?: { num_output_rows?: number }; data_quality?: { dropped_records?: number; expectations?: { name: string; passed_records?: number; failed_records?: number }[] } };
  if (p.status) status.set(flow, p.status);
  let m = metrics.get(flow);
  if (!m) metrics.set(flow, (m = { written: 0, dropped: 0, expectations: new Map() }));
  if (p.skip_reason) m.note = p.skip_reason;
  if (p.status === 'FAILED') m.note = e.error?.exceptions?.[0]?.message ?? e.message;
  // A continuous update completes a flow many times: its numbers add up over the update.
  m.written += p.metrics?.num_output_rows ?? 0;
  m.dropped += p.data_quality?.dropped_records ?? 0;
  for (const x of p.data_quality?.expectations ?? []) {
    const r = m.expectations.get(x.name) ?? { name: x.name, passed: 0, failed: 0 };
    r.passed += x.passed_records ?? 0;
    r.failed += x.failed_records ?? 0;
    m.expectations.set(x.name, r);
  }
}

/** passed / (passed + failed), or undefined when no record was checked. */
export function passRate(x: { passed: number; failed: number }): number | undefined {
  const total = x.passed + x.failed;
  return total ? x.passed / total : undefined;
}

/** A pass rate as "97.3%" ("100%" only when nothing failed, "99.9%" when a few of very many did), or "no records". */
export function formatRate(rate: number | undefined): string {
  if (rate === undefined) return 'no records';
  if (rate === 1) return '100%';
  return `${Math.min(99.9, Math.round(rate * 1000) / 10).toFixed(1)}%`;
}

/** The colour class of a pass rate: all passed, most passed (≥ 95%), or many failed. */
export function rateClass(rate: number | undefined): string {
  if (rate === undefined || rate === 1) return 'rate-good';
  return rate >= 0.95 ? 'rate-warn' : 'rate-bad';
}

/** The worst expectation of a dataset (lowest pass rate among those that checked records). */
export function worstExpectation(n: DatasetNode): ExpectationResult | undefined {
  return n.expectations.filter((x) => passRate(x) !== undefined).sort((a, b) => passRate(a)! - passRate(b)!)[0] ?? n.expectations[0];
}

/** The last part of a qualified name (`main.sales.orders` → `orders`). */
export function shortName(id: string): string {
  return id.split('.').at(-1) ?? id;
}

/** A dataset type in words. */
export function typeLabel(type: string): string {
  return type === 'EXTERNAL' ? 'external table' : type.toLowerCase().replace(/_/g, ' ');
}

const COLORS: Record<string, string> = {
  COMPLETED: '#2e9d52',
  FAILED: '#d6393b',
  CANCELED: '#8a8f98',
  STOPPED: '#8a8f98',
  RUNNING: '#2f7fd8',
  RETRYING: '#e6a23c',
  SKIPPED: '#d7dadf',
  EXCLUDED: '#e9ebee',
  IDLE: '#8a8f98',
  HEALTHY: '#2e9d52',
  UNHEALTHY: '#d6393b',
};

/** The colour of an update, flow or pipeline state (light blue for the steps before RUNNING). */
export function pipelineStateColor(state: string | undefined): string {
  if (!state) return '#c4c8ce';
  return COLORS[state] ?? '#9cc3ef';
}
