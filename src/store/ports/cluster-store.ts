import type { ClusterEventType, ClusterSource, ClusterSpec, ClusterState, TerminationReason } from '../../domain/cluster-spec.js';

/** A stored all-purpose cluster (a long-lived worker pool) with its lifecycle state and accrued cost. */
export interface ClusterRecord {
  cluster_id: string;
  /** The cluster spec as created or last edited (cluster_name included; unknown fields kept). */
  spec: ClusterSpec;
  state: ClusterState;
  state_message: string;
  cluster_source: ClusterSource;
  creator_user_name: string;
  created_time: number;
  /** When the cluster last entered its current state. */
  state_since: number;
  /** When the cluster last reached RUNNING (Databricks `last_restarted_time`), null before the first start. */
  last_restarted_time: number | null;
  terminated_time: number | null;
  termination_reason: TerminationReason | null;
  /** Workers the pool has now (autoscale moves it between min and max). */
  current_workers: number;
  /** Compute seconds and cost of RUNNING spans that ended; the open span starts at `running_since`. */
  accrued_seconds: number;
  accrued_cost: number;
  running_since: number | null;
  /** Last time a task acquired or released the cluster (autotermination counts idle time from here). */
  last_activity_time: number;
}

/** One cluster event (Databricks ClusterEvent). */
export interface ClusterEventRecord {
  cluster_id: string;
  timestamp: number;
  type: ClusterEventType;
  details: Record<string, unknown>;
}

/** A stored cluster policy; `definition` is kept as the JSON text the client sent. */
export interface ClusterPolicyRecord {
  policy_id: string;
  name: string;
  definition: string;
  description?: string;
  max_clusters_per_user?: number;
  creator_user_name: string;
  created_at_timestamp: number;
}

/** A page of cluster events, newest or oldest first. */
export interface ClusterEventQuery {
  cluster_id: string;
  start_time?: number;
  end_time?: number;
  event_types?: ClusterEventType[];
  order: 'ASC' | 'DESC';
  offset: number;
  limit: number;
}

/** Persistence of all-purpose clusters, their events and cluster policies. */
export interface ClusterStore {
  /** Inserts a new cluster (its id must be new). */
  createCluster(c: ClusterRecord): Promise<void>;
  getCluster(clusterId: string): Promise<ClusterRecord | undefined>;
  /** Clusters ordered by created time then id; `states` filters. */
  listClusters(q: { offset: number; limit: number; states?: ClusterState[] }): Promise<{ clusters: ClusterRecord[]; hasMore: boolean }>;
  /** Replaces a cluster's record; false when there is none. */
  saveCluster(c: ClusterRecord): Promise<boolean>;
  /** Deletes a cluster and its events; false when there was none. */
  deleteCluster(clusterId: string): Promise<boolean>;
  addClusterEvent(e: ClusterEventRecord): Promise<void>;
  /** Events of a cluster in the window, and how many match in total. */
  listClusterEvents(q: ClusterEventQuery): Promise<{ events: ClusterEventRecord[]; total: number }>;
  /** Inserts a policy; false when a policy with that name exists. */
  createPolicy(p: ClusterPolicyRecord): Promise<boolean>;
  getPolicy(policyId: string): Promise<ClusterPolicyRecord | undefined>;
  /** Every policy ordered by name. */
  listPolicies(): Promise<ClusterPolicyRecord[]>;
  /** Replaces a policy; 'missing' when there is none, 'name_taken' when another policy has the new name. */
  savePolicy(p: ClusterPolicyRecord): Promise<'ok' | 'missing' | 'name_taken'>;
  /** Deletes a policy; false when there was none. */
  deletePolicy(policyId: string): Promise<boolean>;
}
