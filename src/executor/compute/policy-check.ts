import {
  applyPolicyDefaults,
  assertNoViolations,
  checkClusterAgainstPolicy,
  parsePolicyDefinition,
  type ClusterPolicy,
  type PolicyViolation,
} from '../../domain/cluster-policy.js';
import type { ClusterSpec } from '../../domain/cluster-spec.js';
import type { JobSettings } from '../../domain/job-settings.js';
import type { Task } from '../../domain/task.js';
import { WeirError } from '../../domain/weir-error.js';
import type { ClusterPolicyRecord, ClusterStore } from '../../store/ports/cluster-store.js';

/** The checkable form of a stored policy. */
export function policyOf(rec: ClusterPolicyRecord): ClusterPolicy {
  return { policy_id: rec.policy_id, name: rec.name, definition: parsePolicyDefinition(rec.definition) };
}

/** Loads a policy by id; a missing one is an error naming the field that referenced it. */
export async function requirePolicy(store: Pick<ClusterStore, 'getPolicy'>, policyId: string, field: string): Promise<ClusterPolicy> {
  const rec = await store.getPolicy(policyId);
  if (!rec) {
    throw new WeirError('VALIDATION.INVALID', `${field}: cluster policy "${policyId}" does not exist; create it with policies/clusters/create or remove policy_id`, { params: { policy_id: policyId } });
  }
  return policyOf(rec);
}

/**
 * A cluster spec with its policy applied: fixed values and defaults filled in, then checked; throws
 * VALIDATION.INVALID listing every violation with its field path. A spec without policy_id passes unchanged.
 */
export async function applyClusterPolicy<T extends ClusterSpec>(
  store: Pick<ClusterStore, 'getPolicy'>,
  spec: T,
  o: { prefix: string; clusterType: 'job' | 'all-purpose' },
): Promise<T> {
  if (!spec.policy_id) return spec;
  const policy = await requirePolicy(store, spec.policy_id, `${o.prefix ? `${o.prefix}.` : ''}policy_id`);
  const applied = applyPolicyDefaults(spec, policy);
  assertNoViolations(checkClusterAgainstPolicy(applied, policy, o));
  return applied;
}

/** Every cluster spec of a job with its field path: tasks[i].new_cluster, for_each nested tasks, job_clusters[i].new_cluster. */
function jobClusterSpecs(settings: JobSettings, prefix: string): { path: string; spec: ClusterSpec }[] {
  const at = (p: string) => (prefix ? `${prefix}.${p}` : p);
  const out: { path: string; spec: ClusterSpec }[] = [];
  (settings.job_clusters ?? []).forEach((jc, i) => out.push({ path: at(`job_clusters[${i}].new_cluster`), spec: jc.new_cluster as ClusterSpec }));
  (settings.tasks ?? []).forEach((t: Task, i) => {
    if (t.new_cluster) out.push({ path: at(`tasks[${i}].new_cluster`), spec: t.new_cluster as ClusterSpec });
    const nested = t.for_each_task?.task;
    if (nested?.new_cluster) out.push({ path: at(`tasks[${i}].for_each_task.task.new_cluster`), spec: nested.new_cluster as ClusterSpec });
  });
  return out;
}

/**
 * Checks every cluster of a job against its policy (jobs/create, update, reset): each new_cluster and job cluster
 * with a policy_id, and each existing cluster a task names whose own spec has a policy_id (the policy may have
 * changed since the cluster was created). Throws VALIDATION.INVALID listing every violation with its field path.
 * Existing cluster ids weir does not know are let through: job files move between workspaces.
 */
export async function checkJobClusterPolicies(store: Pick<ClusterStore, 'getPolicy' | 'getCluster'>, settings: JobSettings, prefix = ''): Promise<void> {
  const violations: PolicyViolation[] = [];
  const cache = new Map<string, Promise<ClusterPolicy>>();
  const policy = (id: string, field: string) => {
    if (!cache.has(id)) cache.set(id, requirePolicy(store, id, field));
    return cache.get(id)!;
  };
  for (const { path, spec } of jobClusterSpecs(settings, prefix)) {
    if (!spec.policy_id) continue;
    const p = await policy(spec.policy_id, `${path}.policy_id`);
    violations.push(...checkClusterAgainstPolicy(applyPolicyDefaults(spec, p), p, { prefix: path, clusterType: 'job' }));
  }
  for (const [i, t] of (settings.tasks ?? []).entries()) {
    if (!t.existing_cluster_id) continue;
    const cluster = await store.getCluster(t.existing_cluster_id);
    if (!cluster?.spec.policy_id) continue;
    const field = `${prefix ? `${prefix}.` : ''}tasks[${i}].existing_cluster_id`;
    const p = await policy(cluster.spec.policy_id, field);
    for (const v of checkClusterAgainstPolicy(cluster.spec, p, { clusterType: 'all-purpose' })) {
      violations.push({ path: field, message: `cluster ${cluster.cluster_id}'s ${v.path}: ${v.message}; edit the cluster first` });
    }
  }
  assertNoViolations(violations);
}
