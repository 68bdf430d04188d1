import { z } from 'zod';
import { formatIssues } from './wire.js';
import { WeirError } from './weir-error.js';

/** A resource class: what a node of this type gives a task's processes, and what an hour of it costs. */
export interface NodeType {
  node_type_id: string;
  /** CPU cores; a task's processes get this many CPUs' worth of CPU time (the limit's cpuShare). */
  num_cores: number;
  /** Memory in MiB; a task's processes are killed ("out of memory") above it. */
  memory_mb: number;
  /** Price of one node for one hour, in the catalog's currency. */
  hourly_rate: number;
  description: string;
  category: string;
}

/** Currency of every price weir reports (the only one it has). */
export const CURRENCY = 'USD';

const GIB = 1024;

/**
 * weir's own default price list: common Databricks node type ids (AWS, Azure, GCP) with their cloud's cores and
 * memory and an hourly on-demand VM price rounded to the cent (2026 list prices, without Databricks DBUs), plus
 * weir's own `weir.small|medium|large`. These are weir's defaults, not a quote from any provider: override them
 * with a node-types file (see NodeTypeOverride).
 */
const DEFAULT_NODE_TYPES: NodeType[] = [
  nt('weir.small', 1, 1 * GIB, 0.05, 'weir: 1 core, 1 GiB', 'weir'),
  nt('weir.medium', 2, 4 * GIB, 0.1, 'weir: 2 cores, 4 GiB', 'weir'),
  nt('weir.large', 4, 16 * GIB, 0.4, 'weir: 4 cores, 16 GiB', 'weir'),
  nt('m5d.large', 2, 8 * GIB, 0.11, 'AWS m5d.large (general purpose)', 'General Purpose'),
  nt('m5d.xlarge', 4, 16 * GIB, 0.23, 'AWS m5d.xlarge (general purpose)', 'General Purpose'),
  nt('m5d.2xlarge', 8, 32 * GIB, 0.45, 'AWS m5d.2xlarge (general purpose)', 'General Purpose'),
  nt('c5d.xlarge', 4, 8 * GIB, 0.19, 'AWS c5d.xlarge (compute optimized)', 'Compute Optimized'),
  nt('r5d.xlarge', 4, 32 * GIB, 0.29, 'AWS r5d.xlarge (memory optimized)', 'Memory Optimized'),
  nt('i3.xlarge', 4, 31232, 0.31, 'AWS i3.xlarge (storage optimized)', 'Storage Optimized'),
  nt('i3.2xlarge', 8, 62464, 0.62, 'AWS i3.2xlarge (storage optimized)', 'Storage Optimized'),
  nt('i3.4xlarge', 16, 124928, 1.25, 'AWS i3.4xlarge (storage optimized)', 'Storage Optimized'),
  nt('i3.8xlarge', 32, 249856, 2.5, 'AWS i3.8xlarge (storage optimized)', 'Storage Optimized'),
  nt('Standard_DS3_v2', 4, 14 * GIB, 0.29, 'Azure Standard_DS3_v2 (general purpose)', 'General Purpose'),
  nt('Standard_DS4_v2', 8, 28 * GIB, 0.59, 'Azure Standard_DS4_v2 (general purpose)', 'General Purpose'),
  nt('Standard_D4ds_v5', 4, 16 * GIB, 0.23, 'Azure Standard_D4ds_v5 (general purpose)', 'General Purpose'),
  nt('Standard_E8ds_v4', 8, 64 * GIB, 0.58, 'Azure Standard_E8ds_v4 (memory optimized)', 'Memory Optimized'),
  nt('n2-standard-4', 4, 16 * GIB, 0.19, 'GCP n2-standard-4 (general purpose)', 'General Purpose'),
  nt('n2-standard-8', 8, 32 * GIB, 0.39, 'GCP n2-standard-8 (general purpose)', 'General Purpose'),
  nt('n2-highmem-4', 4, 32 * GIB, 0.26, 'GCP n2-highmem-4 (memory optimized)', 'Memory Optimized'),
];

function nt(id: string, cores: number, memoryMb: number, rate: number, description: string, category: string): NodeType {
  return { node_type_id: id, num_cores: cores, memory_mb: memoryMb, hourly_rate: rate, description, category };
}

/** The node type a cluster spec without node_type_id (or with one the catalog lacks) runs and is priced as. */
export const DEFAULT_NODE_TYPE_ID = 'weir.medium';

/**
 * A price-list override (the content of the file that config key `nodeTypesFile` / env WEIR_NODE_TYPES_FILE
 * names, JSON): per node type id, new values for any field; an id not in the defaults adds a node type and then
 * needs num_cores, memory_mb and hourly_rate.
 */
export const NodeTypeOverride = z.object({
  currency: z.literal(CURRENCY).optional(),
  default_node_type_id: z.string().min(1).optional(),
  node_types: z.record(
    z.string().min(1),
    z.object({
      num_cores: z.number().positive().optional(),
      memory_mb: z.number().int().positive().optional(),
      hourly_rate: z.number().min(0).optional(),
      description: z.string().optional(),
      category: z.string().optional(),
    }),
  ),
});
export type NodeTypeOverride = z.infer<typeof NodeTypeOverride>;

/** The node types weir knows, their resources and prices. */
export class NodeTypeCatalog {
  private readonly byId: ReadonlyMap<string, NodeType>;

  constructor(
    types: NodeType[],
    readonly defaultNodeTypeId = DEFAULT_NODE_TYPE_ID,
  ) {
    this.byId = new Map(types.map((t) => [t.node_type_id, t]));
    if (!this.byId.has(defaultNodeTypeId)) {
      throw new WeirError('VALIDATION.INVALID', `node types: default_node_type_id "${defaultNodeTypeId}" is not in the price list; add it under node_types or pick one of ${this.ids().join(', ')}`);
    }
  }

  /** Every node type, in catalog order. */
  list(): NodeType[] {
    return [...this.byId.values()];
  }

  /** Every node type id, in catalog order. */
  ids(): string[] {
    return [...this.byId.keys()];
  }

  /** The node type of an id, or undefined when the catalog lacks it. */
  get(id: string): NodeType | undefined {
    return this.byId.get(id);
  }

  /** The node type an id runs as: itself, or the default type when absent or unknown (portable job files). */
  resolve(id: string | undefined): NodeType {
    return (id !== undefined ? this.byId.get(id) : undefined) ?? (this.byId.get(this.defaultNodeTypeId) as NodeType);
  }
}

/** The catalog of weir's default price list, changed by `override` (validated; errors name the field). */
export function nodeTypeCatalog(override?: unknown): NodeTypeCatalog {
  if (override === undefined) return new NodeTypeCatalog(DEFAULT_NODE_TYPES);
  const r = NodeTypeOverride.safeParse(override);
  if (!r.success) throw new WeirError('VALIDATION.INVALID', `node types file: ${formatIssues(r.error)}`);
  const types = new Map(DEFAULT_NODE_TYPES.map((t) => [t.node_type_id, t]));
  for (const [id, o] of Object.entries(r.data.node_types)) {
    const base = types.get(id);
    if (!base && (o.num_cores === undefined || o.memory_mb === undefined || o.hourly_rate === undefined)) {
      throw new WeirError('VALIDATION.INVALID', `node types file: node_types.${id}: a new node type needs num_cores, memory_mb and hourly_rate`);
    }
    types.set(id, { node_type_id: id, description: id, category: 'Custom', ...base, ...(o as Partial<NodeType>) } as NodeType);
  }
  return new NodeTypeCatalog([...types.values()], r.data.default_node_type_id);
}

/** Resource limits of a task's processes (the runner enforces them: cgroups v2, else rlimits). */
export interface ResourceLimits {
  memoryBytes?: number;
  /** CPUs' worth of CPU time (2 = two full cores). */
  cpuShare?: number;
  /** The node type the limits come from, named in the out-of-memory error. */
  nodeType?: string;
}

/** The limits a task gets on a node of `type`: its memory and its cores. */
export function limitsOf(type: NodeType): ResourceLimits {
  return { memoryBytes: type.memory_mb * 1024 * 1024, cpuShare: type.num_cores, nodeType: type.node_type_id };
}

/** One entry of `GET /api/2.x/clusters/list-node-types` (Databricks NodeType, plus weir's `hourly_rate`). */
export function wireNodeType(t: NodeType, currency = CURRENCY): Record<string, unknown> {
  return {
    node_type_id: t.node_type_id,
    instance_type_id: t.node_type_id,
    memory_mb: t.memory_mb,
    num_cores: t.num_cores,
    num_gpus: 0,
    description: t.description,
    category: t.category,
    is_deprecated: false,
    is_hidden: false,
    support_port_forwarding: true,
    hourly_rate: { amount: t.hourly_rate, currency },
  };
}

/** The body of `GET /api/2.x/clusters/list-node-types`. */
export function listNodeTypesResponse(catalog: NodeTypeCatalog): { node_types: Record<string, unknown>[] } {
  return { node_types: catalog.list().map((t) => wireNodeType(t)) };
}
