import { Hono } from 'hono';
import { z } from 'zod';
import type { CatalogService } from '../catalog/catalog-service.js';
import { buildLineageGraph, tableLineage, type Connectors, type LineageNeighbour } from '../catalog/lineage-graph.js';
import { readJobLineage, readPipelineLineage } from '../catalog/lineage-sources.js';
import { formatTableId, parseTableId } from '../catalog/table-id.js';
import { BoolLike } from '../domain/wire.js';
import type { JobStore } from '../store/ports/job-store.js';
import type { PipelineStore } from '../store/ports/pipeline-store.js';
import { ApiError, invalidParameter } from './errors.js';
import { handle } from './handle.js';
import { parseParams } from './params.js';
import { WORKSPACE_ID } from './scim-routes.js';

/** What lineage is derived from. */
export interface LineageDeps {
  catalog: CatalogService;
  jobs: JobStore;
  /** Pipeline definitions; without them only sql_task lineage is known. */
  pipelines?: PipelineStore;
}

const TableLineageQuery = z.object({ table_name: z.string().min(1), include_entity_lineage: BoolLike.optional() });

/** `2022-10-17 09:56:40.0`, the lineage_timestamp format of Databricks' lineage API (UTC). */
function lineageTimestamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}.0`;
}

function pipelineInfos(c: Connectors): Record<string, unknown>[] {
  return c.pipelines.map((p) => ({
    workspace_id: WORKSPACE_ID,
    pipeline_id: p.pipeline_id,
    update_id: p.update_id,
    lineage_timestamp: lineageTimestamp(p.timestamp),
    name: p.name,
    ...(p.flow_name ? { flow_name: p.flow_name } : {}),
    ...(p.column_lineage !== undefined ? { column_lineage: p.column_lineage } : {}),
  }));
}

function jobInfos(c: Connectors): Record<string, unknown>[] {
  return c.jobs.map((j) => ({ workspace_id: WORKSPACE_ID, job_id: j.job_id, name: j.name, task_keys: j.task_keys }));
}

/** Entries of one side: each neighbouring table (with what connects it), then entities that reach no table. */
function side(neighbours: LineageNeighbour[], others: Connectors, types: (t: string) => string, entities: boolean): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = neighbours.map((n) => {
    const id = parseTableId(n.table);
    const entry: Record<string, unknown> = { tableInfo: { name: id.name, catalog_name: id.catalog, schema_name: id.schema, table_type: types(n.table) } };
    const stamps = n.pipelines.map((p) => p.timestamp);
    if (stamps.length) (entry.tableInfo as Record<string, unknown>).lineage_timestamp = lineageTimestamp(Math.max(...stamps));
    if (entities && n.pipelines.length) entry.pipelineInfos = pipelineInfos(n);
    if (entities && n.jobs.length) entry.jobInfos = jobInfos(n);
    return entry;
  });
  if (entities && others.pipelines.length) out.push({ pipelineInfos: pipelineInfos(others) });
  if (entities && others.jobs.length) out.push({ jobInfos: jobInfos(others) });
  return out;
}

/**
 * Databricks' table lineage API (GET /api/2.0/lineage-tracking/table-lineage): a table's direct upstream and
 * downstream tables, with the pipelines (pipelineInfos) and jobs (jobInfos) that connect them when
 * include_entity_lineage is set. Derived on each call from the pipelines' latest flow definitions, the jobs'
 * pipeline_tasks and the statements of their sql_tasks.
 */
export function lineageRoutes(deps: LineageDeps): Hono {
  const app = new Hono();
  app.get('/lineage-tracking/table-lineage', handle(async (p) => {
    const q = parseParams(TableLineageQuery, p);
    if (q.table_name.split('.').length !== 3) throw invalidParameter(`table_name: '${q.table_name}' is not catalog.schema.table; name the table fully, e.g. main.default.orders`);
    const table = formatTableId(parseTableId(q.table_name));
    const graph = buildLineageGraph(deps.pipelines ? await readPipelineLineage(deps.pipelines) : [], await readJobLineage(deps.jobs));
    const record = await deps.catalog.findTable(parseTableId(table));
    if (!record && !graph.writers.has(table) && !graph.readers.has(table)) {
      throw new ApiError(404, 'TABLE_DOES_NOT_EXIST', `table ${table} does not exist; check the name with GET /api/2.1/unity-catalog/tables?catalog_name=…&schema_name=…`);
    }
    const l = tableLineage(graph, table);
    const types = (t: string) => graph.tableTypes.get(t) ?? 'TABLE';
    const entities = q.include_entity_lineage ?? false;
    return { upstreams: side(l.upstreams, l.otherWriters, types, entities), downstreams: side(l.downstreams, l.otherReaders, types, entities) };
  }));
  return app;
}
