import { z } from 'zod';
import { BoolLike } from './wire.js';

/** One library of a pipeline: a SQL/Python notebook or file, or a glob of files (Pipelines API 2.0 names). */
export const PipelineLibrary = z.looseObject({
  notebook: z.looseObject({ path: z.string().min(1) }).optional(),
  file: z.looseObject({ path: z.string().min(1) }).optional(),
  glob: z.looseObject({ include: z.string().min(1), exclude: z.array(z.string()).optional() }).optional(),
});
export type PipelineLibrary = z.infer<typeof PipelineLibrary>;

/** Compute of a pipeline: one entry per cluster label; weir maps it to DuckDB threads and memory for an update. */
export const PipelineCluster = z.looseObject({
  label: z.string().optional(),
  num_workers: z.number().int().min(0).optional(),
  autoscale: z.looseObject({ min_workers: z.number().int().min(0), max_workers: z.number().int().min(1), mode: z.string().optional() }).optional(),
  node_type_id: z.string().optional(),
  driver_node_type_id: z.string().optional(),
});

/**
 * PipelineSpec: the settings of a pipeline, as the Pipelines API 2.0 names them. Fields weir does not act on
 * (photon, notifications, restart_window …) are kept and returned.
 */
export const PipelineSpec = z
  .looseObject({
    id: z.string().optional(),
    name: z.string().min(1).max(1024).optional(),
    libraries: z.array(PipelineLibrary).optional(),
    root_path: z.string().optional(),
    catalog: z.string().optional(),
    schema: z.string().optional(),
    target: z.string().optional(),
    storage: z.string().optional(),
    configuration: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
    continuous: BoolLike.optional(),
    development: BoolLike.optional(),
    channel: z.string().optional(),
    edition: z.string().optional(),
    photon: BoolLike.optional(),
    serverless: BoolLike.optional(),
    clusters: z.array(PipelineCluster).optional(),
    tags: z.record(z.string(), z.string()).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.schema !== undefined && s.target !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['schema'], message: 'set either schema or the legacy target, not both' });
    }
    for (const [i, lib] of (s.libraries ?? []).entries()) {
      const kinds = ['notebook', 'file', 'glob'].filter((k) => lib[k as 'file'] !== undefined);
      if (kinds.length !== 1) {
        ctx.addIssue({ code: 'custom', path: ['libraries', i], message: `a library is exactly one of notebook, file or glob (found ${kinds.join(', ') || 'none'})` });
      }
    }
  });
export type PipelineSpec = z.infer<typeof PipelineSpec>;

/** Life-cycle state of a pipeline (PipelineState). */
export type PipelineState = 'IDLE' | 'DEPLOYING' | 'STARTING' | 'RUNNING' | 'STOPPING' | 'DELETED' | 'RECOVERING' | 'FAILED' | 'RESETTING';

/** States of an update (UpdateInfoState); COMPLETED, FAILED and CANCELED are terminal. */
export const UPDATE_STATES = ['QUEUED', 'CREATED', 'WAITING_FOR_RESOURCES', 'INITIALIZING', 'RESETTING', 'SETTING_UP_TABLES', 'RUNNING', 'STOPPING', 'COMPLETED', 'FAILED', 'CANCELED'] as const;
export type UpdateState = (typeof UPDATE_STATES)[number];

/** True for COMPLETED, FAILED and CANCELED. */
export function isTerminalUpdate(s: UpdateState): boolean {
  return s === 'COMPLETED' || s === 'FAILED' || s === 'CANCELED';
}

/** StartUpdate: what an update refreshes. */
export const StartUpdate = z.looseObject({
  full_refresh: BoolLike.optional(),
  refresh_selection: z.array(z.string()).optional(),
  full_refresh_selection: z.array(z.string()).optional(),
  reset_checkpoint_selection: z.array(z.string()).optional(),
  validate_only: BoolLike.optional(),
  cause: z.string().optional(),
  parameters: z.record(z.string(), z.string()).optional(),
});
export type StartUpdate = z.infer<typeof StartUpdate>;
