import {
  formatOrigin,
  type AutoCdcFlow,
  type Dataset,
  type Flow,
  type Origin,
  type PipelineDefinition,
  type Sink,
  type TableReference,
} from '../../domain/pipeline-definition.js';
import { WeirError, type WeirErrorCode } from '../../domain/weir-error.js';
import { closestName } from './closest-name.js';
import { checkFlows } from './flow-checks.js';
import { orderFlows } from './graph-order.js';
import { offsetOrigin, qualifyName, type DefaultNamespace } from './qualify-name.js';

/** A dataset node with its qualified id and the ids of the flows that write it. */
export interface GraphDataset {
  id: string;
  definition: Dataset;
  flows: string[];
}

/** A sink node (written by append flows, never read). */
export interface GraphSink {
  id: string;
  definition: Sink;
  flows: string[];
}

/** One input of a flow: a pipeline dataset (internal) or an existing table (external). */
export interface GraphInput {
  id: string;
  kind: 'streaming' | 'batch';
  internal: boolean;
  reference: TableReference;
  origin: Origin;
}

/** A flow node: its qualified id and target, and its resolved inputs. */
export interface GraphFlow {
  id: string;
  target: string;
  definition: Flow | AutoCdcFlow;
  inputs: GraphInput[];
}

/** A dependency: `from` (dataset or external table id) is read by `flow`, which writes `to`. */
export interface GraphEdge {
  from: string;
  to: string;
  flow: string;
  kind: 'streaming' | 'batch';
  external: boolean;
}

/** The validated dataflow graph of a pipeline; `errors` lists every problem found, not just the first. */
export interface PipelineGraph {
  datasets: GraphDataset[];
  sinks: GraphSink[];
  flows: GraphFlow[];
  edges: GraphEdge[];
  /** Flow ids in an order where every flow comes after the flows writing the datasets it reads. */
  order: string[];
  /** Dataset and sink ids in dependency order. */
  datasetOrder: string[];
  /** Ids of tables read but not defined in the pipeline: existing catalog tables. */
  externalInputs: string[];
  errors: WeirError[];
}

/** Options of graph building. */
export interface GraphOptions {
  catalog?: string;
  schema?: string;
  /**
   * Whether an existing catalog table has this qualified id. When given, an undefined name that is not in the catalog
   * is PIPELINE.MISSING_INPUT; when absent, only `LIVE.`-prefixed undefined names are (others are external inputs).
   */
  catalogHas?: (id: string) => boolean;
}

/** Collects errors with `file:line:column: message` text. */
export class GraphErrors {
  readonly list: WeirError[] = [];

  /** Records one error at an origin. */
  add(code: WeirErrorCode, origin: Origin, message: string, params: Record<string, unknown> = {}): void {
    this.list.push(new WeirError(code, `${formatOrigin(origin)}: ${message}`, { params: { ...params, origin } }));
  }
}

/** Builds and validates the dataflow graph of pipeline definitions gathered from any number of files. */
export function buildPipelineGraph(definitions: PipelineDefinition[], opts: GraphOptions = {}): PipelineGraph {
  const defaults: DefaultNamespace = { catalog: opts.catalog ?? 'main', schema: opts.schema ?? 'default' };
  const errors = new GraphErrors();
  const datasets = new Map<string, GraphDataset>();
  const sinks = new Map<string, GraphSink>();
  const flows = new Map<string, GraphFlow>();
  const rejected = new Set<string>();
  for (const d of definitions) {
    if (d.type !== 'dataset' && d.type !== 'sink') continue;
    const id = qualifyName(d.name, d.namespace, defaults);
    const prior = datasets.get(id)?.definition ?? sinks.get(id)?.definition;
    if (prior) {
      rejected.add(`${id}@${formatOrigin(d.origin)}`);
      errors.add('PIPELINE.DUPLICATE_DATASET', d.origin, `${id} is defined twice (first at ${formatOrigin(prior.origin)}); rename one of them or turn the second into a CREATE FLOW into the first`, { dataset: id });
    } else if (d.type === 'dataset') datasets.set(id, { id, definition: d, flows: [] });
    else sinks.set(id, { id, definition: d, flows: [] });
  }
  for (const f of definitions) {
    if (f.type !== 'flow' && f.type !== 'auto_cdc') continue;
    // The query of a rejected duplicate dataset is not a second flow; one error per mistake.
    if (f.type === 'flow' && f.implicit && rejected.has(`${qualifyName(f.target, f.namespace, defaults)}@${formatOrigin(f.origin)}`)) continue;
    const node = addFlow(f, defaults, datasets, sinks, flows, errors);
    if (node) node.inputs = resolveInputs(f, defaults, datasets, sinks, opts, errors);
  }
  checkFlows({ datasets, sinks, flows, errors });
  const edges: GraphEdge[] = [...flows.values()].flatMap((f) =>
    f.inputs.map((i) => ({ from: i.id, to: f.target, flow: f.id, kind: i.kind, external: !i.internal })),
  );
  const { order, datasetOrder } = orderFlows([...flows.values()], [...datasets.keys(), ...sinks.keys()], datasets, errors);
  const externalInputs = [...new Set(edges.filter((e) => e.external).map((e) => e.from))].sort();
  return { datasets: [...datasets.values()], sinks: [...sinks.values()], flows: [...flows.values()], edges, order, datasetOrder, externalInputs, errors: errors.list };
}

function addFlow(
  f: Flow | AutoCdcFlow,
  defaults: DefaultNamespace,
  datasets: Map<string, GraphDataset>,
  sinks: Map<string, GraphSink>,
  flows: Map<string, GraphFlow>,
  errors: GraphErrors,
): GraphFlow | undefined {
  const id = qualifyName(f.name, f.namespace, defaults);
  const target = qualifyName(f.target, f.namespace, defaults);
  if (id !== target && (datasets.has(id) || sinks.has(id))) {
    errors.add('PIPELINE.FLOW_NAME_CONFLICT', f.origin, `flow ${id} has the name of a dataset but writes ${target}; rename the flow`, { flow: id });
    return undefined;
  }
  const prior = flows.get(id);
  if (prior) {
    errors.add('PIPELINE.DUPLICATE_FLOW', f.origin, `flow ${id} is defined twice (first at ${formatOrigin(prior.definition.origin)}); give the second flow its own name`, { flow: id });
    return undefined;
  }
  const node: GraphFlow = { id, target, definition: f, inputs: [] };
  const owner = datasets.get(target) ?? sinks.get(target);
  if (!owner) {
    const near = closestId(target, [...datasets.keys(), ...sinks.keys()]);
    errors.add('PIPELINE.FLOW_TARGET_NOT_FOUND', f.origin, `flow ${id} writes ${target}, which this pipeline does not define; ${near ? `did you mean ${near}?` : `declare it with CREATE OR REFRESH STREAMING TABLE ${f.target.join('.')}`}`, { flow: id, target });
  } else owner.flows.push(id);
  flows.set(id, node);
  return node;
}

function resolveInputs(
  f: Flow | AutoCdcFlow,
  defaults: DefaultNamespace,
  datasets: Map<string, GraphDataset>,
  sinks: Map<string, GraphSink>,
  opts: GraphOptions,
  errors: GraphErrors,
): GraphInput[] {
  const query = f.type === 'flow' ? f.query : f.source;
  const inputs: GraphInput[] = [];
  for (const ref of query.references) {
    const id = qualifyName(ref.parts, f.namespace, defaults);
    const origin = offsetOrigin(query, ref.start);
    const internal = datasets.has(id) || sinks.has(id);
    const missing = !internal && (ref.live || (opts.catalogHas !== undefined && !opts.catalogHas(id)));
    if (missing) {
      const near = closestId(id, [...datasets.keys()]);
      const fix = near ? `did you mean ${near}?` : 'define it in this pipeline or create the table first';
      errors.add('PIPELINE.MISSING_INPUT', origin, `${query.text.slice(ref.start, ref.end)} reads ${id}, which is neither a dataset of this pipeline nor an existing table; ${fix}`, { input: id, suggestion: near });
      continue;
    }
    inputs.push({ id, kind: ref.streaming ? 'streaming' : 'batch', internal, reference: ref, origin });
  }
  return inputs;
}

/** The id whose last name part is closest to the last part of `id` (typos are in names, not in catalog.schema). */
function closestId(id: string, ids: string[]): string | undefined {
  const last = (x: string): string => x.slice(x.lastIndexOf('.') + 1);
  const near = closestName(last(id), ids.map(last));
  if (near === undefined) return undefined;
  const prefix = id.slice(0, id.lastIndexOf('.') + 1);
  return ids.find((i) => i === prefix + near) ?? ids.find((i) => last(i) === near);
}
