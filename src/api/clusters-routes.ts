import { Hono } from 'hono';
import { z } from 'zod';
import { ClusterState, type ClusterEventType } from '../domain/cluster-spec.js';
import type { Clock } from '../domain/clock.js';
import type { JobSettings } from '../domain/job-settings.js';
import { listNodeTypesResponse, type NodeTypeCatalog } from '../domain/node-types.js';
import { IntLike } from '../domain/wire.js';
import type { ClusterService } from '../executor/compute/cluster-service.js';
import { clusterCost, clusterHourlyRate, roundMoney } from '../executor/compute/cost.js';
import type { ClusterRecord, ClusterStore } from '../store/ports/cluster-store.js';
import { handle } from './handle.js';
import { encodePageToken, pageWindow, parseParams } from './params.js';
import { compact } from './wire-run.js';

/** What the Clusters, Cluster Policies and cost routes need (absent: those routes are not served). */
export interface ComputeApi {
  clusters: ClusterService;
  store: ClusterStore;
  catalog: NodeTypeCatalog;
  clock: Clock;
  /** Checks a job's clusters against their policies (jobs/create, update, reset); throws VALIDATION.INVALID. */
  checkJob(settings: JobSettings, where: string): Promise<void>;
}

/** Request parameters of the routes that take only a cluster id. */
export const ClusterIdParams = z.object({ cluster_id: z.string().min(1) });
/** clusters/list parameters (`filter_by.cluster_states` filters by state). */
export const ClusterListParams = z.object({
  page_size: IntLike.optional(),
  page_token: z.string().optional(),
  'filter_by.cluster_states': z.union([ClusterState, z.array(ClusterState)]).optional(),
  filter_by: z.looseObject({ cluster_states: z.array(ClusterState).optional() }).optional(),
});
/** clusters/events parameters. */
export const ClusterEventsParams = z.object({
  cluster_id: z.string().min(1),
  start_time: IntLike.optional(),
  end_time: IntLike.optional(),
  order: z.enum(['ASC', 'DESC']).default('DESC'),
  event_types: z.array(z.string()).optional(),
  offset: IntLike.optional(),
  limit: IntLike.optional(),
  page_size: IntLike.optional(),
  page_token: z.string().optional(),
});
/** clusters/resize parameters. */
export const ClusterResizeParams = z.object({
  cluster_id: z.string().min(1),
  num_workers: IntLike.optional(),
  autoscale: z.looseObject({ min_workers: IntLike, max_workers: IntLike }).optional(),
});

/** Spark versions clusters/spark-versions lists: weir keeps spark_version but runs no Spark, so any value works. */
const SPARK_VERSIONS = ['16.4.x-scala2.12', '15.4.x-scala2.12', '14.3.x-scala2.12', '13.3.x-scala2.12'].map((key) => ({
  key,
  name: `${key.split('.x')[0]} LTS (includes Apache Spark, Scala ${key.split('scala')[1]}) — accepted and kept by weir`,
}));

/** ClusterDetails: a cluster in the Clusters API's wire form, plus weir's `compute_seconds`, `cost` and `hourly_rate`. */
export function wireCluster(c: ClusterRecord, catalog: NodeTypeCatalog, now: number): Record<string, unknown> {
  const worker = catalog.resolve(c.spec.node_type_id);
  const driver = catalog.resolve(c.spec.driver_node_type_id ?? c.spec.node_type_id);
  const { apply_policy_default_values: _a, ...spec } = c.spec;
  return compact({
    ...spec,
    cluster_id: c.cluster_id,
    node_type_id: worker.node_type_id,
    driver_node_type_id: driver.node_type_id,
    num_workers: c.current_workers,
    state: c.state,
    state_message: c.state_message,
    start_time: c.created_time,
    terminated_time: c.terminated_time ?? undefined,
    last_restarted_time: c.last_restarted_time ?? undefined,
    last_state_loss_time: c.last_restarted_time ?? undefined,
    termination_reason: c.termination_reason ?? undefined,
    creator_user_name: c.creator_user_name,
    cluster_source: c.cluster_source,
    cluster_cores: driver.num_cores + c.current_workers * worker.num_cores,
    cluster_memory_mb: driver.memory_mb + c.current_workers * worker.memory_mb,
    driver: c.state === 'RUNNING' ? { host_private_ip: '127.0.0.1', private_ip: '127.0.0.1', node_id: `${c.cluster_id}-driver`, start_timestamp: c.last_restarted_time ?? undefined } : undefined,
    default_tags: { Vendor: 'weir', Creator: c.creator_user_name, ClusterName: c.spec.cluster_name ?? '', ClusterId: c.cluster_id },
    ...clusterCost(c, catalog, now),
    hourly_rate: { amount: roundMoney(clusterHourlyRate(c.spec, c.current_workers, catalog)), currency: 'USD' },
  });
}

/** Routes of clusters/* (Clusters API 2.0/2.1 subset) over the cluster service. */
export function clustersRoutes(api: ComputeApi): Hono {
  const app = new Hono();
  const { clusters } = api;
  const wire = (c: ClusterRecord) => wireCluster(c, api.catalog, api.clock.now());

  app.post('/clusters/create', handle(async (p) => ({ cluster_id: (await clusters.create(p)).cluster_id })));
  app.get('/clusters/get', handle(async (p) => wire(await clusters.get(parseParams(ClusterIdParams, p).cluster_id))));
  app.get('/clusters/list', handle(async (p) => {
    const q = parseParams(ClusterListParams, p);
    const { offset, limit } = pageWindow({ limit: q.page_size, page_token: q.page_token }, { defaultLimit: 100, maxLimit: 1000, zeroMeansMax: false });
    const given = q['filter_by.cluster_states'] ?? q.filter_by?.cluster_states;
    const states = given === undefined ? undefined : Array.isArray(given) ? given : [given];
    const r = await clusters.list({ offset, limit, states });
    return compact({
      clusters: r.clusters.length ? r.clusters.map(wire) : undefined,
      next_page_token: r.hasMore ? encodePageToken(offset + limit) : undefined,
      prev_page_token: offset > 0 ? encodePageToken(Math.max(0, offset - limit)) : undefined,
    });
  }));
  for (const [path, op] of [
    ['start', (id: string) => clusters.start(id)],
    ['restart', (id: string) => clusters.restart(id)],
    ['delete', (id: string) => clusters.terminate(id)],
    ['permanent-delete', (id: string) => clusters.permanentDelete(id)],
  ] as const) {
    app.post(`/clusters/${path}`, handle(async (p) => {
      await op(parseParams(ClusterIdParams, p).cluster_id);
      return {};
    }));
  }
  app.post('/clusters/edit', handle(async (p) => {
    await clusters.edit(p);
    return {};
  }));
  app.post('/clusters/resize', handle(async (p) => {
    const q = parseParams(ClusterResizeParams, p);
    const c = await clusters.get(q.cluster_id);
    await clusters.resize(q.cluster_id, q.num_workers ?? q.autoscale?.min_workers ?? c.current_workers);
    return {};
  }));
  app.post('/clusters/events', handle(async (p) => eventsPage(api, parseParams(ClusterEventsParams, p))));
  app.get('/clusters/list-node-types', handle(async () => listNodeTypesResponse(api.catalog)));
  app.get('/clusters/spark-versions', handle(async () => ({ versions: SPARK_VERSIONS })));
  return app;
}

/** One page of clusters/events; `next_page` holds the request of the following page, as Databricks answers it. */
async function eventsPage(api: ComputeApi, q: z.infer<typeof ClusterEventsParams>): Promise<Record<string, unknown>> {
  await api.clusters.get(q.cluster_id);
  const { offset, limit } = pageWindow(
    { limit: q.page_size ?? q.limit, offset: q.offset, page_token: q.page_token },
    { defaultLimit: 50, maxLimit: 500, zeroMeansMax: false },
  );
  const r = await api.store.listClusterEvents({
    cluster_id: q.cluster_id,
    start_time: q.start_time,
    end_time: q.end_time,
    event_types: q.event_types as ClusterEventType[] | undefined,
    order: q.order,
    offset,
    limit,
  });
  const more = offset + r.events.length < r.total;
  return compact({
    events: r.events,
    total_count: r.total,
    next_page: more ? compact({ cluster_id: q.cluster_id, start_time: q.start_time, end_time: q.end_time, order: q.order, event_types: q.event_types, offset: offset + limit, limit }) : undefined,
  });
}
