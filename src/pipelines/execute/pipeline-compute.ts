import type { PipelineSpec } from '../../domain/pipeline-settings.js';
import type { NodeTypeCatalog } from '../../domain/node-types.js';

/** What a pipeline update gets from its compute settings. */
export interface PipelineCompute {
  /** Workers the settings ask for (autoscale: its maximum; serverless or none: the machine's cores less the driver). */
  workers: number;
  /** DuckDB threads: one per worker plus the driver, at most the machine's cores. */
  threads: number;
  /** DuckDB memory limit in MiB: the node type's memory × (workers + driver), at most 80% of the machine's; undefined when no node type is named. */
  memoryLimitMb?: number;
  /** The node type the memory comes from. */
  nodeTypeId?: string;
}

/**
 * Maps a pipeline's `clusters` (the `default` label, else the first) or `serverless` to the DuckDB threads and memory
 * limit of its update, so users see what a compute choice does to update time. A node type weir does not know is
 * priced and sized as the catalog's default node type (as jobs' clusters are).
 */
export function pipelineCompute(spec: Pick<PipelineSpec, 'clusters' | 'serverless'>, machine: { cores: number; memoryMb: number }, catalog: NodeTypeCatalog): PipelineCompute {
  const cluster = spec.clusters?.find((c) => (c.label ?? 'default') === 'default') ?? spec.clusters?.[0];
  const workers = spec.serverless ? machine.cores : (cluster?.autoscale?.max_workers ?? cluster?.num_workers ?? machine.cores - 1);
  const threads = Math.max(1, Math.min(machine.cores, workers + 1));
  const id = spec.serverless ? undefined : cluster?.node_type_id;
  if (!id) return { workers, threads };
  const type = catalog.resolve(id);
  const cap = Math.floor(machine.memoryMb * 0.8);
  return { workers, threads, memoryLimitMb: Math.min(cap, type.memory_mb * (workers + 1)), nodeTypeId: type.node_type_id };
}
