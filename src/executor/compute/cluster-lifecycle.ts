import { join } from 'node:path';
import { canTransition, type ClusterEventType, type ClusterSpec, type ClusterState, type TerminationReason } from '../../domain/cluster-spec.js';
import type { Clock } from '../../domain/clock.js';
import type { NodeTypeCatalog } from '../../domain/node-types.js';
import { WeirError } from '../../domain/weir-error.js';
import type { ClusterRecord, ClusterStore } from '../../store/ports/cluster-store.js';
import { clusterHourlyRate, roundMoney } from './cost.js';
import { runInitScripts, startLogDir, type InitScriptRoots } from './init-scripts.js';

/** What the lifecycle needs: the store, a clock, the price list, and where clusters keep their files. */
export interface ClusterLifecycleDeps {
  store: ClusterStore;
  clock: Clock;
  catalog: NodeTypeCatalog;
  roots: InitScriptRoots;
  /** `<dataDir>/compute`: each cluster's folder (init script logs) is `clusters/<cluster_id>`. */
  computeDir: string;
}

/** The environment of a cluster's init scripts and tasks: spark_env_vars plus the DB_* variables Databricks sets. */
export function clusterEnv(clusterId: string, spec: ClusterSpec, jobCluster: boolean): Record<string, string> {
  return {
    ...(spec.spark_env_vars ?? {}),
    DB_CLUSTER_ID: clusterId,
    DB_CLUSTER_NAME: spec.cluster_name ?? clusterId,
    DB_IS_DRIVER: 'TRUE',
    DB_IS_JOB_CLUSTER: jobCluster ? 'TRUE' : 'FALSE',
    DB_DRIVER_IP: '127.0.0.1',
  };
}

/**
 * State transitions of all-purpose clusters: each one checked against the lifecycle (PENDING → RUNNING →
 * RESTARTING/RESIZING/TERMINATING → TERMINATED), stored with its state_message, recorded as a cluster event, and
 * accruing cost: leaving RUNNING closes the open span at the current size, reaching RUNNING opens one.
 */
export class ClusterLifecycle {
  constructor(readonly d: ClusterLifecycleDeps) {}

  /** The folder of a cluster's files. */
  clusterDir(clusterId: string): string {
    return join(this.d.computeDir, 'clusters', clusterId);
  }

  /** Records a cluster event at the clock's time. */
  async event(clusterId: string, type: ClusterEventType, details: Record<string, unknown> = {}): Promise<void> {
    await this.d.store.addClusterEvent({ cluster_id: clusterId, timestamp: this.d.clock.now(), type, details });
  }

  /** Moves a cluster to `to` (refusing transitions the lifecycle does not allow) and stores it. */
  async transition(c: ClusterRecord, to: ClusterState, message: string, extra: Partial<ClusterRecord> = {}): Promise<ClusterRecord> {
    if (c.state !== to && !canTransition(c.state, to)) {
      throw new WeirError('RUN.INVALID_STATE', `Cluster ${c.cluster_id} is in unexpected state ${c.state}; it cannot go to ${to}.`, { params: { cluster_id: c.cluster_id } });
    }
    const now = this.d.clock.now();
    const next: ClusterRecord = { ...closeSpan(c, now, this.d.catalog), ...extra, state: to, state_message: message, state_since: now };
    if (to === 'RUNNING') {
      next.running_since = now;
      next.last_restarted_time = c.state === 'RESIZING' ? c.last_restarted_time : now;
    }
    if (to === 'TERMINATED') next.terminated_time = now;
    await this.d.store.saveCluster(next);
    return next;
  }

  /**
   * Prepares a PENDING or RESTARTING cluster: runs its init scripts (INIT_SCRIPTS_STARTED/FINISHED events, logs
   * in the cluster folder) and moves it to RUNNING; a failing script terminates it with INIT_SCRIPT_FAILURE and
   * the script's error as state_message. A cluster terminated meanwhile is left as it is.
   */
  async prepare(clusterId: string, signal: AbortSignal): Promise<ClusterRecord | undefined> {
    let c = await this.d.store.getCluster(clusterId);
    if (!c) return undefined;
    const scripts = c.spec.init_scripts ?? [];
    try {
      if (scripts.length) {
        await this.event(clusterId, 'INIT_SCRIPTS_STARTED', { count: scripts.length });
        const logs = await runInitScripts({
          scripts,
          roots: this.d.roots,
          logDir: startLogDir(join(this.clusterDir(clusterId), 'init_scripts'), this.d.clock.now()),
          env: clusterEnv(clusterId, c.spec, false),
          field: 'init_scripts',
          signal,
        });
        await this.event(clusterId, 'INIT_SCRIPTS_FINISHED', { logs });
      }
    } catch (e) {
      c = await this.d.store.getCluster(clusterId);
      if (!c || !isStarting(c.state)) return c;
      const reason: TerminationReason = { code: 'INIT_SCRIPT_FAILURE', type: 'CLIENT_ERROR', parameters: { error: (e as Error).message } };
      await this.event(clusterId, 'TERMINATING', { reason });
      return this.transition(c, 'TERMINATED', (e as Error).message, { termination_reason: reason });
    }
    c = await this.d.store.getCluster(clusterId);
    if (!c || !isStarting(c.state)) return c;
    await this.event(clusterId, 'RUNNING', { current_num_workers: c.current_workers });
    return this.transition(c, 'RUNNING', '');
  }
}

/** True while a cluster is on its way to RUNNING. */
export function isStarting(state: ClusterState): boolean {
  return state === 'PENDING' || state === 'RESTARTING';
}

/** The record with its open RUNNING span (if any) added to the accrued seconds and cost, and closed. */
export function closeSpan(c: ClusterRecord, now: number, catalog: NodeTypeCatalog): ClusterRecord {
  if (c.running_since === null) return c;
  const seconds = Math.max(0, now - c.running_since) / 1000;
  const cost = (seconds / 3600) * clusterHourlyRate(c.spec, c.current_workers, catalog);
  return { ...c, accrued_seconds: c.accrued_seconds + seconds, accrued_cost: roundMoney(c.accrued_cost + cost), running_since: null };
}
