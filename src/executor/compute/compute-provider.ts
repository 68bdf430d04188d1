import { join } from 'node:path';
import type { ClusterSpec } from '../../domain/cluster-spec.js';
import { initialWorkers } from '../../domain/cluster-spec.js';
import type { Clock } from '../../domain/clock.js';
import { limitsOf, type NodeType, type NodeTypeCatalog, type ResourceLimits } from '../../domain/node-types.js';
import type { Task } from '../../domain/task.js';
import type { RunRecord } from '../../store/records.js';
import { clusterEnv } from './cluster-lifecycle.js';
import { clusterRefOf, type ClusterRef } from './cluster-ref.js';
import type { ClusterService } from './cluster-service.js';
import { runInitScripts, startLogDir, type InitScriptRoots } from './init-scripts.js';
import { ensureLibraryEnv, librarySet } from './library-env.js';

/** The compute a task holds while its attempts run. */
export interface ComputeLease {
  /** The all-purpose cluster id, `job-<run_id>-<key>` for a job cluster, null for the default compute. */
  clusterId: string | null;
  ref: ClusterRef['kind'];
  /** Node type of the driver (where the task's processes run) and the cluster's workers. */
  nodeType: NodeType;
  workers: number;
  /** The cluster's folder (init script and install logs). */
  envDir: string;
  /** Environment for the task's processes: spark_env_vars, DB_*, and the library environment (PATH, VIRTUAL_ENV, NODE_PATH). */
  env: Record<string, string>;
  /** Limits for the task's processes: the driver node type's memory and cores; none on the default compute. */
  limits: ResourceLimits;
  /** Time acquire took: cluster start (init scripts) plus library installs; the task run's setup_duration. */
  setupMs: number;
  /** Gives the cluster back (job clusters live until releaseRun; all-purpose ones count idle time from now). */
  release(): Promise<void>;
}

/** What the executor asks for compute: called before a task's first attempt, released when the task ends. */
export interface ComputeProvider {
  acquire(run: RunRecord, task: Task, signal?: AbortSignal): Promise<ComputeLease>;
  /** Releases the job clusters of a run (call when the run ends). */
  releaseRun(runId: number): Promise<void>;
}

/** What the local provider needs. */
export interface LocalComputeDeps {
  clusters: ClusterService;
  catalog: NodeTypeCatalog;
  clock: Clock;
  roots: InitScriptRoots;
  /** `<dataDir>/compute`: job cluster folders are `job-clusters/<run_id>-<key>`. */
  computeDir: string;
  /** `<dataDir>/cache`: library environments are cached here across runs and clusters. */
  cacheDir: string;
}

interface JobCluster {
  id: string;
  dir: string;
  ready: Promise<Record<string, string>>;
}

/**
 * Compute on this machine. Job clusters (job_clusters, new_cluster) are prepared for a run on first use (init
 * scripts, then libraries) and shared by the run's tasks until releaseRun; all-purpose clusters are prepared once
 * when they start, so a task there only looks up its (cached) library environment — measurably faster.
 */
export class LocalComputeProvider implements ComputeProvider {
  private readonly jobClusters = new Map<string, JobCluster>();
  private readonly busy = new Map<string, number>();

  constructor(private readonly d: LocalComputeDeps) {}

  async acquire(run: RunRecord, task: Task, signal?: AbortSignal): Promise<ComputeLease> {
    const t0 = this.d.clock.now();
    const ref = clusterRefOf(task, run.settings);
    const base = await this.cluster(run, task, ref, signal);
    const libs = librarySet(task.libraries, run.source_dir);
    const logDir = join(base.envDir, 'libraries', `${run.run_id}-${task.task_key}`);
    const lib = await ensureLibraryEnv(libs, { cacheDir: this.d.cacheDir, logDir, signal });
    const id = base.clusterId;
    if (id && ref.kind === 'existing') this.busy.set(id, (this.busy.get(id) ?? 0) + 1);
    let released = false;
    return {
      ...base,
      ref: ref.kind,
      env: { ...base.env, ...lib.env },
      // Tasks that name no cluster (or a cluster weir does not know) keep the machine's resources: only a named node type limits.
      limits: base.clusterId === null ? {} : limitsOf(base.nodeType),
      setupMs: this.d.clock.now() - t0,
      release: async () => {
        if (released || !id || ref.kind !== 'existing') return;
        released = true;
        this.busy.set(id, (this.busy.get(id) ?? 1) - 1);
        await this.d.clusters.touch(id);
      },
    };
  }

  async releaseRun(runId: number): Promise<void> {
    for (const key of [...this.jobClusters.keys()]) if (key.startsWith(`${runId}/`)) this.jobClusters.delete(key);
  }

  /** True while a task holds the all-purpose cluster (autotermination skips it). */
  isBusy(clusterId: string): boolean {
    return (this.busy.get(clusterId) ?? 0) > 0;
  }

  private async cluster(run: RunRecord, task: Task, ref: ClusterRef, signal?: AbortSignal) {
    const { catalog } = this.d;
    if (ref.kind === 'existing') {
      const known = await this.d.clusters.find(ref.clusterId);
      if (known) {
        const c = await this.d.clusters.ensureRunning(ref.clusterId);
        const nodeType = catalog.resolve(c.spec.driver_node_type_id ?? c.spec.node_type_id);
        const dir = this.d.clusters.lifecycle.clusterDir(c.cluster_id);
        return { clusterId: c.cluster_id, nodeType, workers: c.current_workers, envDir: dir, env: clusterEnv(c.cluster_id, c.spec, false) };
      }
      // An id from another workspace (a portable job file, an Airflow DAG): the task runs on the default compute.
    }
    if (ref.kind === 'job_cluster' || ref.kind === 'new_cluster') {
      const key = ref.kind === 'job_cluster' ? ref.key : `task-${task.task_key}`;
      const jc = this.jobCluster(run.run_id, key, ref.spec, signal);
      const env = await jc.ready;
      const nodeType = catalog.resolve(ref.spec.driver_node_type_id ?? ref.spec.node_type_id);
      return { clusterId: jc.id, nodeType, workers: initialWorkers(ref.spec), envDir: jc.dir, env };
    }
    const dir = join(this.d.computeDir, 'default');
    return { clusterId: null, nodeType: catalog.resolve(undefined), workers: 0, envDir: dir, env: {} };
  }

  /** The run's job cluster `key`, prepared (init scripts) by its first user; later users share the same start. */
  private jobCluster(runId: number, key: string, spec: ClusterSpec, signal?: AbortSignal): JobCluster {
    const mapKey = `${runId}/${key}`;
    const existing = this.jobClusters.get(mapKey);
    if (existing) return existing;
    const id = `job-${runId}-${key}`;
    const dir = join(this.d.computeDir, 'job-clusters', `${runId}-${key}`);
    const env = clusterEnv(id, spec, true);
    const field = `job cluster ${key}: new_cluster.init_scripts`;
    const ready = (async () => {
      if (spec.init_scripts?.length) {
        await runInitScripts({ scripts: spec.init_scripts, roots: this.d.roots, logDir: startLogDir(join(dir, 'init_scripts'), this.d.clock.now()), env, field, signal });
      }
      return env;
    })();
    const jc = { id, dir, ready };
    this.jobClusters.set(mapKey, jc);
    // A failed start is not cached: a retry of the task (or another task) tries again.
    ready.catch(() => {
      if (this.jobClusters.get(mapKey) === jc) this.jobClusters.delete(mapKey);
    });
    return jc;
  }
}
