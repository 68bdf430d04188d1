import { z } from 'zod';
import { ClusterSpec as JobClusterSpec } from './task.js';
import { BoolLike, IntLike } from './wire.js';

/** One init script: a shell script weir runs when the cluster starts (workspace, volumes or a local file). */
export const InitScript = z.looseObject({
  workspace: z.looseObject({ destination: z.string().min(1) }).optional(),
  volumes: z.looseObject({ destination: z.string().min(1) }).optional(),
  file: z.looseObject({ destination: z.string().min(1) }).optional(),
});
export type InitScript = z.infer<typeof InitScript>;

/**
 * The Clusters API 2.0/2.1 cluster spec weir acts on: node types, size (num_workers or autoscale),
 * autotermination, spark_env_vars (the tasks' environment), init_scripts and policy_id. Every other field
 * (spark_version, spark_conf, data_security_mode, cloud attributes …) is kept and returned unchanged.
 */
export const ClusterSpec = JobClusterSpec.extend({
  cluster_name: z.string().max(100).optional(),
  driver_node_type_id: z.string().optional(),
  autotermination_minutes: IntLike.optional(),
  init_scripts: z.array(InitScript).max(10).optional(),
  policy_id: z.string().optional(),
  data_security_mode: z.string().optional(),
  single_user_name: z.string().optional(),
  apply_policy_default_values: BoolLike.optional(),
});
export type ClusterSpec = z.infer<typeof ClusterSpec>;

/** Cluster states (Databricks `State`). */
export const ClusterState = z.enum(['PENDING', 'RUNNING', 'RESTARTING', 'RESIZING', 'TERMINATING', 'TERMINATED', 'ERROR', 'UNKNOWN']);
export type ClusterState = z.infer<typeof ClusterState>;

/** Where a cluster came from (Databricks `cluster_source`). */
export type ClusterSource = 'API' | 'UI' | 'JOB';

/** Why a cluster terminated (Databricks TerminationReason subset). */
export interface TerminationReason {
  code: 'USER_REQUEST' | 'INACTIVITY' | 'INIT_SCRIPT_FAILURE' | 'JOB_FINISHED' | 'INTERNAL_ERROR';
  type: 'SUCCESS' | 'CLIENT_ERROR' | 'SERVICE_FAULT';
  parameters?: Record<string, string>;
}

/** Cluster event types weir records (Databricks `EventType` subset). */
export type ClusterEventType =
  | 'CREATING'
  | 'STARTING'
  | 'RESTARTING'
  | 'RUNNING'
  | 'EDITED'
  | 'RESIZING'
  | 'UPSIZE_COMPLETED'
  | 'TERMINATING'
  | 'INIT_SCRIPTS_STARTED'
  | 'INIT_SCRIPTS_FINISHED'
  | 'LIBRARY_INSTALL_STARTED'
  | 'LIBRARY_INSTALL_FINISHED';

/** The workers a spec asks for at start: num_workers, or autoscale.min_workers (0 for a single node). */
export function initialWorkers(spec: Pick<ClusterSpec, 'num_workers' | 'autoscale'>): number {
  return spec.autoscale ? spec.autoscale.min_workers : (spec.num_workers ?? 0);
}

/** Which transitions the lifecycle allows: from → the states it may go to. */
const TRANSITIONS: Record<ClusterState, ClusterState[]> = {
  PENDING: ['RUNNING', 'TERMINATING', 'TERMINATED', 'ERROR'],
  RUNNING: ['RESTARTING', 'RESIZING', 'TERMINATING'],
  RESTARTING: ['RUNNING', 'TERMINATING', 'TERMINATED'],
  RESIZING: ['RUNNING', 'TERMINATING'],
  TERMINATING: ['TERMINATED'],
  TERMINATED: ['PENDING'],
  ERROR: ['TERMINATING', 'TERMINATED'],
  UNKNOWN: ['TERMINATING', 'TERMINATED', 'PENDING'],
};

/** True when the cluster lifecycle allows going from `from` to `to`. */
export function canTransition(from: ClusterState, to: ClusterState): boolean {
  return TRANSITIONS[from].includes(to);
}
