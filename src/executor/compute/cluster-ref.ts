import type { ClusterSpec } from '../../domain/cluster-spec.js';
import type { JobSettings } from '../../domain/job-settings.js';
import { taskKindOf, type Task } from '../../domain/task.js';

/** Which compute a task runs on. */
export type ClusterRef =
  /** A job cluster of the run (`job_cluster_key`): acquired for the run, shared by its tasks, released after. */
  | { kind: 'job_cluster'; key: string; spec: ClusterSpec }
  /** The task's own `new_cluster`: acquired for this task of the run. */
  | { kind: 'new_cluster'; spec: ClusterSpec }
  /** An all-purpose cluster (`existing_cluster_id`), long-lived and warm. */
  | { kind: 'existing'; clusterId: string }
  /** No compute named: weir's default compute (the default node type, no workers). */
  | { kind: 'default' }
  /** Kinds that run no process of their own (condition, run_job, for_each parent): no compute, no cost. */
  | { kind: 'none' };

const NO_COMPUTE = new Set(['condition_task', 'run_job_task', 'for_each_task']);

/** The compute a task names, resolved against the run's job_clusters. */
export function clusterRefOf(task: Task, settings: Pick<JobSettings, 'job_clusters'>): ClusterRef {
  const kind = taskKindOf(task);
  if (kind && NO_COMPUTE.has(kind)) return { kind: 'none' };
  if (task.existing_cluster_id) return { kind: 'existing', clusterId: task.existing_cluster_id };
  if (task.new_cluster) return { kind: 'new_cluster', spec: task.new_cluster as ClusterSpec };
  if (task.job_cluster_key) {
    const jc = settings.job_clusters?.find((c) => c.job_cluster_key === task.job_cluster_key);
    if (jc) return { kind: 'job_cluster', key: jc.job_cluster_key, spec: jc.new_cluster as ClusterSpec };
  }
  return { kind: 'default' };
}
