import { Hono, type Context } from 'hono';
import { WeirError } from '../domain/weir-error.js';
import { z } from 'zod';
import type { PipelineRecord, UpdateRecord } from '../store/ports/pipeline-store.js';
import type { PipelineService } from '../pipelines/pipeline-service.js';
import { BoolLike, IntLike } from '../domain/wire.js';
import { invalidParameter } from './errors.js';
import { handle } from './handle.js';
import { encodePageToken, pageWindow, parseParams } from './params.js';
import { parseEventFilter } from './pipeline-event-filter.js';

/** Request parameters (query or JSON body) of the route that parses ListParams; also documented in /api/openapi.json. */
export const ListParams = z.object({ max_results: IntLike.optional(), page_token: z.string().optional(), filter: z.string().optional(), order_by: z.union([z.string(), z.array(z.string())]).optional() });
const EventsParams = ListParams;
/** Request parameters (query or JSON body) of the route that parses UpdatesParams; also documented in /api/openapi.json. */
export const UpdatesParams = z.object({ max_results: IntLike.optional(), page_token: z.string().optional() });
/** Request parameters (query or JSON body) of the route that parses DeleteParams; also documented in /api/openapi.json. */
export const DeleteParams = z.object({ cascade: BoolLike.optional(), force: BoolLike.optional() });

/** Pipelines API 2.0: CRUD, updates, stop and the event log, over the pipeline service. */
export function pipelinesRoutes(pipelines: PipelineService, o: { workspaceDir: string }): Hono {
  const app = new Hono();
  const store = pipelines.store;

  app.post('/pipelines', handle(async (p) => {
    if (p.dry_run === true || p.dry_run === 'true') return { effective_settings: p };
    const rec = await pipelines.create(p, { sourceDir: o.workspaceDir, allowDuplicateNames: p.allow_duplicate_names === true || p.allow_duplicate_names === 'true' });
    return { pipeline_id: rec.pipeline_id, effective_settings: rec.spec };
  }));

  app.get('/pipelines', handle(async (p) => {
    const q = parseParams(ListParams, p);
    const { offset, limit } = pageWindow({ limit: q.max_results, page_token: q.page_token }, { defaultLimit: 25, maxLimit: 100, zeroMeansMax: false });
    const order = parseOrder(q.order_by, ['id', 'name'], 'id asc');
    const r = await store.listPipelines({ nameLike: nameLike(q.filter), orderBy: order.field as 'id' | 'name', ascending: order.ascending, offset, limit });
    const statuses = await Promise.all(r.pipelines.map(async (pl) => ({ ...(await summary(pl)) })));
    return { statuses: statuses.length ? statuses : undefined, next_page_token: r.hasMore ? encodePageToken(offset + limit) : undefined };
  }));

  app.get('/pipelines/:id', handle(async (_p, c) => {
    const pl = await pipelines.require(param(c, 'id'));
    return { ...(await summary(pl)), spec: pl.spec, cause: pl.cause ?? undefined, last_modified: pl.last_modified };
  }));

  app.put('/pipelines/:id', handle(async (p, c) => {
    const expected = p.expected_last_modified === undefined ? undefined : Number(p.expected_last_modified);
    await pipelines.edit(param(c, 'id'), p, { expectedLastModified: expected, allowDuplicateNames: p.allow_duplicate_names === true });
    return {};
  }));

  app.delete('/pipelines/:id', handle(async (p, c) => {
    parseParams(DeleteParams, p);
    await pipelines.delete(param(c, 'id'));
    return {};
  }));

  app.post('/pipelines/:id/updates', handle(async (p, c) => {
    const u = await pipelines.startUpdate(param(c, 'id'), p);
    return { update_id: u.update_id };
  }));

  app.get('/pipelines/:id/updates', handle(async (p, c) => {
    const pl = await pipelines.require(param(c, 'id'));
    const q = parseParams(UpdatesParams, p);
    const { offset, limit } = pageWindow({ limit: q.max_results, page_token: q.page_token }, { defaultLimit: 25, maxLimit: 100, zeroMeansMax: false });
    const r = await store.listUpdates(pl.pipeline_id, { offset, limit });
    return {
      updates: r.updates.length ? r.updates.map((u) => wireUpdate(u, false)) : undefined,
      next_page_token: r.hasMore ? encodePageToken(offset + limit) : undefined,
      prev_page_token: offset > 0 ? encodePageToken(Math.max(0, offset - limit)) : undefined,
    };
  }));

  app.get('/pipelines/:id/updates/:update', handle(async (_p, c) => {
    await pipelines.require(param(c, 'id'));
    const u = await store.getUpdate(param(c, 'update'));
    if (!u || u.pipeline_id !== param(c, 'id')) throw new WeirError('PIPELINE.NOT_FOUND', `The update ${param(c, 'update')} of pipeline ${param(c, 'id')} was not found.`);
    return { update: wireUpdate(u, true) };
  }));

  app.post('/pipelines/:id/stop', handle(async (_p, c) => {
    await pipelines.require(param(c, 'id'));
    await pipelines.stop(param(c, 'id'));
    return {};
  }));

  app.get('/pipelines/:id/events', handle(async (p, c) => {
    const pl = await pipelines.require(param(c, 'id'));
    const q = parseParams(EventsParams, p);
    if (q.page_token !== undefined && (q.filter !== undefined || q.order_by !== undefined)) throw invalidParameter('page_token cannot be combined with filter or order_by; pass only page_token (and max_results)');
    // The page token carries the query (filter, order, position), as Databricks' does: later pages send only it.
    const from = q.page_token !== undefined ? decodeEventsToken(q.page_token) : { offset: 0, filter: q.filter, order: Array.isArray(q.order_by) ? q.order_by[0] : q.order_by };
    const limit = q.max_results ?? 25;
    if (limit < 1 || limit > 1000) throw invalidParameter(`max_results: ${limit} is out of range; use a value from 1 to 1000`);
    const order = parseOrder(from.order, ['timestamp'], 'timestamp desc');
    const r = await store.listEvents(pl.pipeline_id, { ...parseEventFilter(from.filter), ascending: order.ascending, offset: from.offset, limit });
    const token = (offset: number) => Buffer.from(JSON.stringify({ ...from, offset })).toString('base64url');
    return {
      events: r.events.map((e) => ({
        id: e.id,
        sequence: { control_plane_seq_no: e.seq },
        origin: e.origin,
        timestamp: new Date(e.timestamp).toISOString(),
        message: e.message,
        level: e.level,
        maturity_level: 'STABLE',
        error: e.error,
        event_type: e.event_type,
        details: e.details,
      })),
      next_page_token: r.hasMore ? token(from.offset + limit) : undefined,
      prev_page_token: from.offset > 0 ? token(Math.max(0, from.offset - limit)) : undefined,
    };
  }));

  async function summary(pl: PipelineRecord) {
    const latest = (await store.listUpdates(pl.pipeline_id, { offset: 0, limit: 5 })).updates;
    return {
      pipeline_id: pl.pipeline_id,
      name: pl.spec.name,
      state: pl.state,
      creator_user_name: pl.creator_user_name,
      run_as_user_name: pl.creator_user_name,
      health: latest[0]?.state === 'FAILED' ? 'UNHEALTHY' : 'HEALTHY',
      latest_updates: latest.map((u) => ({ update_id: u.update_id, state: u.state, creation_time: new Date(u.creation_time).toISOString() })),
    };
  }
  return app;
}

function wireUpdate(u: UpdateRecord, full: boolean): Record<string, unknown> {
  return {
    update_id: u.update_id,
    pipeline_id: u.pipeline_id,
    state: u.state,
    cause: u.cause,
    creation_time: u.creation_time,
    full_refresh: u.full_refresh,
    refresh_selection: u.refresh_selection.length ? u.refresh_selection : undefined,
    full_refresh_selection: u.full_refresh_selection.length ? u.full_refresh_selection : undefined,
    validate_only: u.validate_only,
    mode: u.config.continuous ? 'CONTINUOUS' : 'DEFAULT',
    parameters: Object.keys(u.parameters).length ? u.parameters : undefined,
    config: full ? u.config : undefined,
  };
}

/** `name LIKE '%x%'` (the only list filter besides notebook paths) → a LIKE pattern. */
function nameLike(filter: string | undefined): string | undefined {
  if (!filter) return undefined;
  const m = /^\s*name\s+like\s+'((?:[^']|'')*)'\s*$/i.exec(filter);
  if (!m) throw invalidParameter(`filter: only "name LIKE '%text%'" is supported, got "${filter}"`);
  return m[1].replace(/''/g, "'");
}

function parseOrder(v: string | string[] | undefined, fields: string[], dflt: string): { field: string; ascending: boolean } {
  const raw = (Array.isArray(v) ? v[0] : v) ?? dflt;
  const m = /^\s*(\w+)(?:\s+(asc|desc))?\s*$/i.exec(raw.replace(/^\[?"?|"?\]?$/g, ''));
  if (!m || !fields.includes(m[1].toLowerCase())) throw invalidParameter(`order_by: "${raw}" is not one of ${fields.map((f) => `"${f} asc", "${f} desc"`).join(', ')}`);
  return { field: m[1].toLowerCase(), ascending: (m[2] ?? (dflt.endsWith('desc') ? 'desc' : 'asc')).toLowerCase() === 'asc' };
}

function decodeEventsToken(t: string): { offset: number; filter?: string; order?: string } {
  try {
    const v = JSON.parse(Buffer.from(t, 'base64url').toString('utf8')) as { offset: number; filter?: string; order?: string };
    if (Number.isInteger(v.offset) && v.offset >= 0) return v;
  } catch {
    // fall through to the error below
  }
  throw invalidParameter(`page_token: "${t}" is not a token from an earlier events response`);
}

function param(c: Context, name: string): string {
  return c.req.param(name) ?? '';
}
