import { Hono } from 'hono';
import { z } from 'zod';
import type { CatalogService } from '../catalog/catalog-service.js';
import { parseTableId, type TableId } from '../catalog/table-id.js';
import { WeirError } from '../domain/weir-error.js';
import { BoolLike, IntLike } from '../domain/wire.js';
import type { ApiDeps } from './app.js';
import { ApiError, invalidParameter } from './errors.js';
import { lineageRoutes } from './lineage-routes.js';
import { handle } from './handle.js';
import { encodePageToken, pageWindow, parseParams, type Params } from './params.js';
import { catalogInfo, schemaInfo, tableInfo } from './unity-catalog-wire.js';

/** Page size when max_results is 0 ("the server chooses"), and the largest page a client may ask for. */
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

const Paging = { max_results: IntLike.optional(), page_token: z.string().optional() };
const CreateCatalog = z.object({ name: z.string().min(1), comment: z.string().optional(), properties: z.record(z.string(), z.string()).optional() });
const CreateSchema = z.object({ name: z.string().min(1), catalog_name: z.string().min(1), comment: z.string().optional(), properties: z.record(z.string(), z.string()).optional() });
const ListSchemas = z.object({ catalog_name: z.string().min(1), ...Paging });
const ListTables = z.object({ catalog_name: z.string().min(1), schema_name: z.string().min(1), omit_columns: BoolLike.optional(), omit_properties: BoolLike.optional(), ...Paging });
const Force = z.object({ force: BoolLike.optional() });

/**
 * One page of `items`: without max_results the whole list (Unity Catalog's legacy unpaginated call), else a page and
 * a next_page_token while more remain.
 */
function page<T>(items: T[], p: { max_results?: number; page_token?: string }): { items: T[]; next_page_token?: string } {
  if (p.max_results === undefined && p.page_token === undefined) return { items };
  if (p.max_results !== undefined && (p.max_results < 0 || p.max_results > MAX_PAGE)) throw invalidParameter(`max_results: ${p.max_results} is out of range; use 0 (the server picks) to ${MAX_PAGE}`);
  const w = pageWindow({ limit: p.max_results, page_token: p.page_token }, { defaultLimit: DEFAULT_PAGE, maxLimit: MAX_PAGE, zeroMeansMax: false });
  const slice = items.slice(w.offset, w.offset + w.limit);
  return w.offset + w.limit < items.length ? { items: slice, next_page_token: encodePageToken(w.offset + w.limit) } : { items: slice };
}

/** `catalog.schema` of a path parameter. */
function schemaName(fullName: string): [string, string] {
  const parts = fullName.split('.');
  if (parts.length !== 2 || parts.some((p) => !p)) throw invalidParameter(`full_name: '${fullName}' is not catalog.schema; name the schema with its catalog, e.g. main.default`);
  return [parts[0], parts[1]];
}

/** `catalog.schema.table` of a path parameter. */
function tableName(fullName: string): TableId {
  if (fullName.split('.').length !== 3) throw invalidParameter(`full_name: '${fullName}' is not catalog.schema.table; name the table fully, e.g. main.default.orders`);
  return parseTableId(fullName);
}

/**
 * Catalog errors with the status and error_code Unity Catalog answers (404 CATALOG_DOES_NOT_EXIST, 409
 * SCHEMA_ALREADY_EXISTS, 400 CATALOG_NOT_EMPTY…); the securable is the first word of the catalog service's message.
 */
function ucError(e: unknown): unknown {
  if (!(e instanceof WeirError)) return e;
  const kind = (/^(catalog|schema|table)\b/.exec(e.message)?.[1] ?? 'resource').toUpperCase();
  if (e.code === 'CATALOG.NOT_FOUND') return new ApiError(404, `${kind}_DOES_NOT_EXIST`, e.message);
  if (e.code === 'CATALOG.ALREADY_EXISTS') return new ApiError(409, `${kind}_ALREADY_EXISTS`, e.message);
  if (e.code === 'CATALOG.NOT_EMPTY') return new ApiError(400, `${kind}_NOT_EMPTY`, `${e.message} (or pass force=true)`);
  return e;
}

function uc(fn: (p: Params, name: string) => Promise<Record<string, unknown>>) {
  return handle(async (p, c) => {
    try {
      return await fn(p, decodeURIComponent(c.req.param('name') ?? ''));
    } catch (e) {
      throw ucError(e);
    }
  });
}

/** The Unity Catalog API subset weir serves (catalogs, schemas, tables), mounted at /api/2.1/unity-catalog. */
export function unityCatalogRoutes(catalog: CatalogService): Hono {
  const app = new Hono();
  app.get('/catalogs', uc(async (p) => {
    const q = parseParams(z.object(Paging), p);
    const r = page(await catalog.listCatalogs(), q);
    return { catalogs: r.items.map(catalogInfo), ...(r.next_page_token ? { next_page_token: r.next_page_token } : {}) };
  }));
  app.post('/catalogs', uc(async (p) => {
    const q = parseParams(CreateCatalog, p);
    await catalog.createCatalog(q.name, { comment: q.comment });
    return catalogInfo(await catalog.getCatalog(q.name));
  }));
  app.get('/catalogs/:name', uc(async (_p, name) => catalogInfo(await catalog.getCatalog(name))));
  app.delete('/catalogs/:name', uc(async (p, name) => {
    await catalog.dropCatalog(name, { cascade: parseParams(Force, p).force ?? false });
    return {};
  }));

  app.get('/schemas', uc(async (p) => {
    const q = parseParams(ListSchemas, p);
    const r = page(await catalog.listSchemas(q.catalog_name), q);
    return { schemas: r.items.map(schemaInfo), ...(r.next_page_token ? { next_page_token: r.next_page_token } : {}) };
  }));
  app.post('/schemas', uc(async (p) => {
    const q = parseParams(CreateSchema, p);
    await catalog.createSchema(q.catalog_name, q.name, { comment: q.comment });
    return schemaInfo(await catalog.getSchema(q.catalog_name, q.name));
  }));
  app.get('/schemas/:name', uc(async (_p, name) => schemaInfo(await catalog.getSchema(...schemaName(name)))));
  app.delete('/schemas/:name', uc(async (p, name) => {
    const [c, s] = schemaName(name);
    await catalog.dropSchema(c, s, { cascade: parseParams(Force, p).force ?? false });
    return {};
  }));

  app.get('/tables', uc(async (p) => {
    const q = parseParams(ListTables, p);
    await catalog.getSchema(q.catalog_name, q.schema_name);
    const r = page(await catalog.listTables(q.catalog_name, q.schema_name), q);
    const o = { omitColumns: q.omit_columns, omitProperties: q.omit_properties };
    // Only the page's tables read their Delta log (for the comment and last commit time even when columns and
    // properties are omitted: pipelines keep a table's comment in its Delta metadata).
    const tables = await Promise.all(r.items.map(async (t) => tableInfo(t, await catalog.tableSnapshot(t), o)));
    return { tables, ...(r.next_page_token ? { next_page_token: r.next_page_token } : {}) };
  }));
  app.get('/tables/:name', uc(async (_p, name) => {
    const t = await catalog.getTable(tableName(name));
    return tableInfo(t, await catalog.tableSnapshot(t));
  }));
  app.get('/tables/:name/exists', uc(async (_p, name) => ({ table_exists: (await catalog.findTable(tableName(name))) !== undefined })));
  app.delete('/tables/:name', uc(async (_p, name) => {
    await catalog.dropTable(tableName(name));
    return {};
  }));
  return app;
}

/**
 * The Unity Catalog API (under /2.1/unity-catalog) and the table lineage API (under /2.0/lineage-tracking), for
 * mounting at /api; a process without a catalog answers them 501 instead of 404.
 */
export function catalogApiRoutes(deps: Pick<ApiDeps, 'catalog' | 'store' | 'pipelines'>): Hono {
  const app = new Hono();
  if (deps.catalog) {
    app.route('/2.1/unity-catalog', unityCatalogRoutes(deps.catalog));
    app.route('/2.0', lineageRoutes({ catalog: deps.catalog, jobs: deps.store, pipelines: deps.pipelines?.store }));
    return app;
  }
  const refuse = () => {
    throw new ApiError(501, 'NOT_IMPLEMENTED', 'This weir process serves no catalog: the Unity Catalog and lineage APIs run in `weir server`.');
  };
  for (const path of ['/2.1/unity-catalog/*', '/2.0/lineage-tracking/*']) app.all(path, refuse);
  return app;
}
