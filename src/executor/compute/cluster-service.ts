import { randomBytes } from 'node:crypto';
import { ClusterSpec, initialWorkers, type ClusterState, type TerminationReason } from '../../domain/cluster-spec.js';
import { WeirError } from '../../domain/weir-error.js';
import { formatIssues } from '../../domain/wire.js';
import type { ClusterRecord } from '../../store/ports/cluster-store.js';
import { ClusterLifecycle, isStarting, type ClusterLifecycleDeps } from './cluster-lifecycle.js';
import { applyClusterPolicy } from './policy-check.js';

/** Fields of a create/edit body that are not part of the stored spec. */
const NOT_SPEC = ['cluster_id', 'apply_policy_default_values', 'idempotency_token'];

/** CLUSTER not found, worded as Databricks does (400 INVALID_PARAMETER_VALUE). */
export function clusterNotFound(clusterId: string): WeirError {
  return new WeirError('VALIDATION.INVALID', `Cluster ${clusterId} does not exist`, { params: { cluster_id: clusterId } });
}

function invalidState(c: ClusterRecord, action: string, allowed: string): WeirError {
  return new WeirError('RUN.INVALID_STATE', `Cluster ${c.cluster_id} is in unexpected state ${c.state}; ${action} needs it ${allowed}.`, { params: { cluster_id: c.cluster_id } });
}

/**
 * All-purpose clusters (Clusters API): create, start, restart, edit, resize, terminate and delete long-lived
 * worker pools. A start runs the init scripts in the background (the API answers PENDING at once and clients poll
 * clusters/get, as with Databricks); `whenSettled` waits for it.
 */
export class ClusterService {
  readonly lifecycle: ClusterLifecycle;
  private readonly starting = new Map<string, { done: Promise<unknown>; ctl: AbortController }>();

  constructor(private readonly d: ClusterLifecycleDeps) {
    this.lifecycle = new ClusterLifecycle(d);
  }

  /** Validates a create/edit body: the spec schema, known node types, sizes, then the policy (defaults applied). */
  private async specOf(body: Record<string, unknown>): Promise<ClusterSpec> {
    const raw = { ...body };
    for (const k of NOT_SPEC) delete raw[k];
    const r = ClusterSpec.safeParse(raw);
    if (!r.success) throw new WeirError('VALIDATION.INVALID', formatIssues(r.error));
    const spec = await applyClusterPolicy(this.d.store, r.data, { prefix: '', clusterType: 'all-purpose' });
    for (const field of ['node_type_id', 'driver_node_type_id'] as const) {
      const id = spec[field];
      if (id !== undefined && !this.d.catalog.get(id)) {
        throw new WeirError('VALIDATION.INVALID', `${field}: node type "${id}" is not supported; use one of ${this.d.catalog.ids().join(', ')} (clusters/list-node-types), or add it to the node types file`);
      }
    }
    if ((spec.num_workers ?? 0) < 0) throw new WeirError('VALIDATION.INVALID', `num_workers: ${spec.num_workers} must not be negative`);
    if (spec.autoscale && (spec.autoscale.min_workers < 0 || spec.autoscale.min_workers > spec.autoscale.max_workers)) {
      throw new WeirError('VALIDATION.INVALID', `autoscale: min_workers (${spec.autoscale.min_workers}) must be from 0 to max_workers (${spec.autoscale.max_workers})`);
    }
    return spec;
  }

  /** clusters/create: stores a PENDING cluster and starts it. */
  async create(body: Record<string, unknown>, creator = 'admin'): Promise<ClusterRecord> {
    const spec = await this.specOf(body);
    const now = this.d.clock.now();
    const c: ClusterRecord = {
      cluster_id: newClusterId(now),
      spec,
      state: 'PENDING',
      state_message: 'Starting the cluster (running init scripts)',
      cluster_source: 'API',
      creator_user_name: creator,
      created_time: now,
      state_since: now,
      last_restarted_time: null,
      terminated_time: null,
      termination_reason: null,
      current_workers: initialWorkers(spec),
      accrued_seconds: 0,
      accrued_cost: 0,
      running_since: null,
      last_activity_time: now,
    };
    await this.d.store.createCluster(c);
    await this.lifecycle.event(c.cluster_id, 'CREATING', { cluster_name: spec.cluster_name, current_num_workers: c.current_workers });
    this.kick(c.cluster_id);
    return c;
  }

  /** The cluster, or the Databricks "does not exist" error. */
  async get(clusterId: string): Promise<ClusterRecord> {
    const c = await this.d.store.getCluster(clusterId);
    if (!c) throw clusterNotFound(clusterId);
    return c;
  }

  /** The cluster, or undefined when weir has none with that id. */
  find(clusterId: string): Promise<ClusterRecord | undefined> {
    return this.d.store.getCluster(clusterId);
  }

  /** clusters/start: a TERMINATED cluster goes PENDING and starts; any other state is left as it is. */
  async start(clusterId: string): Promise<ClusterRecord> {
    const c = await this.get(clusterId);
    if (c.state !== 'TERMINATED') return c;
    const next = await this.lifecycle.transition(c, 'PENDING', 'Starting the cluster (running init scripts)', { termination_reason: null, terminated_time: null, current_workers: initialWorkers(c.spec) });
    await this.lifecycle.event(clusterId, 'STARTING', {});
    this.kick(clusterId);
    return next;
  }

  /** clusters/restart: a RUNNING cluster runs its init scripts again; other states are left as they are. */
  async restart(clusterId: string): Promise<ClusterRecord> {
    const c = await this.get(clusterId);
    if (c.state !== 'RUNNING') return c;
    const next = await this.lifecycle.transition(c, 'RESTARTING', 'Restarting the cluster (running init scripts)');
    await this.lifecycle.event(clusterId, 'RESTARTING', {});
    this.kick(clusterId);
    return next;
  }

  /** clusters/edit: replaces the spec of a RUNNING (then restarted) or TERMINATED (stays so) cluster. */
  async edit(body: Record<string, unknown>): Promise<ClusterRecord> {
    const clusterId = String(body.cluster_id ?? '');
    if (!clusterId) throw new WeirError('VALIDATION.INVALID', 'cluster_id: missing; pass the id of the cluster to edit');
    const c = await this.get(clusterId);
    if (c.state !== 'RUNNING' && c.state !== 'TERMINATED') throw invalidState(c, 'clusters/edit', 'RUNNING or TERMINATED');
    const spec = await this.specOf(body);
    await this.lifecycle.event(clusterId, 'EDITED', { previous_attributes: c.spec, attributes: spec });
    if (c.state === 'RUNNING') {
      // The open span is closed at the old spec and size; the restart reopens it at the new ones.
      const restarted = await this.lifecycle.transition(c, 'RESTARTING', 'Restarting the cluster to apply the edit', { spec, current_workers: initialWorkers(spec) });
      this.kick(clusterId);
      return restarted;
    }
    const edited = { ...c, spec, current_workers: initialWorkers(spec) };
    await this.d.store.saveCluster(edited);
    return edited;
  }

  /** Resizes a RUNNING cluster to `workers` (RESIZING then RUNNING at the new size; autoscale stays within its bounds). */
  async resize(clusterId: string, workers: number): Promise<ClusterRecord> {
    const c = await this.get(clusterId);
    if (c.state !== 'RUNNING') throw invalidState(c, 'a resize', 'RUNNING');
    const max = c.spec.autoscale?.max_workers;
    if (workers < 0 || (max !== undefined && workers > max) || (c.spec.autoscale && workers < c.spec.autoscale.min_workers)) {
      throw new WeirError('VALIDATION.INVALID', `num_workers: ${workers} is outside the cluster's bounds${c.spec.autoscale ? ` (autoscale ${c.spec.autoscale.min_workers}..${max})` : ''}`);
    }
    if (workers === c.current_workers) return c;
    await this.lifecycle.event(clusterId, 'RESIZING', { current_num_workers: c.current_workers, target_num_workers: workers });
    const resizing = await this.lifecycle.transition(c, 'RESIZING', `Resizing to ${workers} workers`);
    const done = await this.lifecycle.transition(resizing, 'RUNNING', '', { current_workers: workers });
    await this.lifecycle.event(clusterId, 'UPSIZE_COMPLETED', { current_num_workers: workers });
    return done;
  }

  /** clusters/delete: terminates the cluster (stopping a start in progress); a TERMINATED one stays so. */
  async terminate(clusterId: string, code: 'USER_REQUEST' | 'INACTIVITY' = 'USER_REQUEST'): Promise<ClusterRecord> {
    const c = await this.get(clusterId);
    if (c.state === 'TERMINATED') return c;
    this.starting.get(clusterId)?.ctl.abort();
    const parameters: Record<string, string> = code === 'INACTIVITY' ? { inactivity_duration_min: String(c.spec.autotermination_minutes ?? 0) } : {};
    const reason: TerminationReason = { code, type: 'SUCCESS', parameters };
    await this.lifecycle.event(clusterId, 'TERMINATING', { reason });
    const terminating = await this.lifecycle.transition(c, 'TERMINATING', code === 'INACTIVITY' ? 'Inactive cluster terminated' : 'Terminated by user');
    return this.lifecycle.transition(terminating, 'TERMINATED', terminating.state_message, { termination_reason: reason });
  }

  /** clusters/permanent-delete: terminates and forgets the cluster and its events. */
  async permanentDelete(clusterId: string): Promise<void> {
    await this.terminate(clusterId);
    await this.d.store.deleteCluster(clusterId);
  }

  /**
   * Makes an all-purpose cluster RUNNING for a task: a TERMINATED one is started (Databricks starts a terminated
   * cluster a job names), a start in progress is awaited (and resumed when the process that began it is gone).
   * Throws TASK.FAILED with the cluster's state_message when it does not come up.
   */
  async ensureRunning(clusterId: string): Promise<ClusterRecord> {
    let c = await this.get(clusterId);
    if (c.state === 'TERMINATED') c = await this.start(clusterId);
    else if (isStarting(c.state) && !this.starting.has(clusterId)) this.kick(clusterId);
    c = await this.whenSettled(clusterId);
    if (c.state !== 'RUNNING') {
      throw new WeirError('TASK.FAILED', `Cluster ${clusterId} did not start (state ${c.state}): ${c.state_message || 'no message'}; see clusters/events for ${clusterId}`, { params: { cluster_id: clusterId, cluster_error: true } });
    }
    return c;
  }

  /** Waits until a start or restart in progress has ended; returns the cluster as it is then. */
  async whenSettled(clusterId: string): Promise<ClusterRecord> {
    await this.starting.get(clusterId)?.done;
    return this.get(clusterId);
  }

  /** Notes that a task used the cluster now (autotermination counts idle time from the last use). */
  async touch(clusterId: string): Promise<void> {
    const c = await this.d.store.getCluster(clusterId);
    if (c) await this.d.store.saveCluster({ ...c, last_activity_time: this.d.clock.now() });
  }

  /** Terminates RUNNING clusters idle for longer than their autotermination_minutes; returns their ids. */
  async terminateIdle(isBusy: (clusterId: string) => boolean = () => false): Promise<string[]> {
    const now = this.d.clock.now();
    const { clusters } = await this.d.store.listClusters({ offset: 0, limit: 10_000, states: ['RUNNING'] });
    const idle = clusters.filter((c) => (c.spec.autotermination_minutes ?? 0) > 0 && !isBusy(c.cluster_id) && now - c.last_activity_time >= c.spec.autotermination_minutes! * 60_000);
    for (const c of idle) await this.terminate(c.cluster_id, 'INACTIVITY');
    return idle.map((c) => c.cluster_id);
  }

  /** Lists clusters (optionally only in `states`). */
  list(q: { offset: number; limit: number; states?: ClusterState[] }) {
    return this.d.store.listClusters(q);
  }

  /** Runs the start of a PENDING/RESTARTING cluster in the background. */
  private kick(clusterId: string): void {
    const ctl = new AbortController();
    const done = this.lifecycle
      .prepare(clusterId, ctl.signal)
      .catch((e) => process.emitWarning(`weir: starting cluster ${clusterId} failed: ${(e as Error).stack ?? e}`))
      .finally(() => {
        if (this.starting.get(clusterId)?.done === done) this.starting.delete(clusterId);
      });
    this.starting.set(clusterId, { done, ctl });
  }

  /** True while a start of this cluster runs in this process. */
  isStarting(clusterId: string): boolean {
    return this.starting.has(clusterId);
  }
}

/** A Databricks-shaped cluster id: `MMDD-HHMMSS-` and 8 random lowercase letters/digits. */
export function newClusterId(now: number): string {
  const d = new Date(now);
  const p = (n: number) => String(n).padStart(2, '0');
  const rand = [...randomBytes(8)].map((b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
  return `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}-${rand}`;
}

