import { join } from 'node:path';
import type { Clock } from '../../domain/clock.js';
import type { JobSettings } from '../../domain/job-settings.js';
import type { NodeTypeCatalog } from '../../domain/node-types.js';
import type { ClusterStore } from '../../store/ports/cluster-store.js';
import { ClusterService } from './cluster-service.js';
import { LocalComputeProvider } from './compute-provider.js';
import { checkJobClusterPolicies } from './policy-check.js';

/** What the compute part of weir is built from. */
export interface ComputeOptions {
  store: ClusterStore;
  clock: Clock;
  catalog: NodeTypeCatalog;
  /** The data folder: cluster files go to `<dataDir>/compute`, library environments to `<dataDir>/cache`, volumes are `<dataDir>/volumes`. */
  dataDir: string;
  /** Where `workspace` init script destinations resolve. */
  workspaceDir: string;
}

/** The compute part of weir, wired: the cluster service, the provider the executor acquires from, and the API's view. */
export interface Compute {
  clusters: ClusterService;
  provider: LocalComputeProvider;
  store: ClusterStore;
  catalog: NodeTypeCatalog;
  clock: Clock;
  /** Checks a job's clusters against their policies (jobs/create, update, reset). */
  checkJob(settings: JobSettings, where: string): Promise<void>;
}

/** Builds the cluster service and the local compute provider over one store, clock and price list. */
export function createCompute(o: ComputeOptions): Compute {
  const roots = { workspaceDir: o.workspaceDir, volumesDir: join(o.dataDir, 'volumes') };
  const computeDir = join(o.dataDir, 'compute');
  const clusters = new ClusterService({ store: o.store, clock: o.clock, catalog: o.catalog, roots, computeDir });
  const provider = new LocalComputeProvider({ clusters, catalog: o.catalog, clock: o.clock, roots, computeDir, cacheDir: join(o.dataDir, 'cache') });
  return {
    clusters,
    provider,
    store: o.store,
    catalog: o.catalog,
    clock: o.clock,
    checkJob: (settings, where) => checkJobClusterPolicies(o.store, settings, where),
  };
}
