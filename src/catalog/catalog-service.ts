import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Clock } from '../domain/clock.js';
import { WeirError } from '../domain/weir-error.js';
import { loadSnapshot } from '../lake/load-snapshot.js';
import type { Snapshot } from '../lake/snapshot.js';
import type { CatalogRecord, CatalogStore, SchemaRecord, TableRecord } from '../store/ports/catalog-store.js';
import { checkNamePart, formatTableId, parseTableId, type TableId } from './table-id.js';

/** Options of creating a table entry. */
export interface CreateTableEntry {
  /** An external location; without it the table is managed under the warehouse folder. */
  location?: string;
  comment?: string;
  properties?: Record<string, string>;
  columnComments?: Record<string, string>;
}

const notFound = (what: string, name: string, fix: string) =>
  new WeirError('CATALOG.NOT_FOUND', `${what} ${name} does not exist; ${fix}`, { params: { name } });

/**
 * The catalog: catalogs, schemas and tables recorded in the store. Managed tables live at
 * `<warehouseRoot>/<catalog>/<schema>/<table>`. A Delta table found there without an entry (written by a pipeline,
 * or by weir before the catalog existed) is registered on first use, so pipeline tables need no extra call.
 */
export class CatalogService {
  constructor(private readonly store: CatalogStore, readonly warehouseRoot: string, private readonly clock: Clock) {}

  /**
   * Where the event log table of a pipeline (by id or name) is, for `event_log('…')` in SQL; set by the composition
   * root when the pipeline engine runs in this process.
   */
  eventLogLocation?: (pipelineIdOrName: string) => Promise<string | undefined>;

  /** Creates the `main` catalog and `main.default` schema when missing. */
  async ensureDefaults(): Promise<void> {
    await this.store.createCatalog({ name: 'main', properties: {}, created_time: this.clock.now() });
    await this.store.createSchema({ catalog: 'main', name: 'default', properties: {}, created_time: this.clock.now() });
  }

  /** Registers every managed Delta table in the warehouse folder that has no entry yet (pipeline output). */
  async discover(): Promise<void> {
    const root = resolve(this.warehouseRoot);
    const dirs = (p: string) => (existsSync(p) ? readdirSync(p, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : []);
    for (const c of dirs(root)) {
      for (const s of dirs(join(root, c))) {
        for (const t of dirs(join(root, c, s))) {
          const id = { catalog: c.toLowerCase(), schema: s.toLowerCase(), name: t.toLowerCase() };
          if (existsSync(join(root, c, s, t, '_delta_log')) && !(await this.store.getTable(id.catalog, id.schema, id.name))) await this.registerManagedTable(formatTableId(id), join(root, c, s, t));
        }
      }
    }
  }

  /** Folder of a managed table. */
  managedLocation(id: TableId): string {
    return join(resolve(this.warehouseRoot), id.catalog, id.schema, id.name);
  }

  async createCatalog(name: string, opts: { comment?: string; ifNotExists?: boolean } = {}): Promise<void> {
    const n = checkNamePart(name, 'catalog name');
    const created = await this.store.createCatalog({ name: n, comment: opts.comment, properties: {}, created_time: this.clock.now() });
    if (!created && !opts.ifNotExists) throw new WeirError('CATALOG.ALREADY_EXISTS', `catalog ${n} already exists; use CREATE CATALOG IF NOT EXISTS ${n}`, { params: { name: n } });
  }

  async dropCatalog(name: string, opts: { ifExists?: boolean; cascade?: boolean } = {}): Promise<void> {
    const n = name.toLowerCase();
    if (!(await this.store.getCatalog(n))) {
      if (opts.ifExists) return;
      throw notFound('catalog', n, 'check SHOW CATALOGS or use DROP CATALOG IF EXISTS');
    }
    const schemas = (await this.store.listSchemas(n)).filter((s) => s.name !== 'default' && s.name !== 'information_schema');
    if (schemas.length && !opts.cascade) throw new WeirError('CATALOG.NOT_EMPTY', `catalog ${n} still has schemas (${schemas.map((s) => s.name).join(', ')}); drop them first or add CASCADE`, { params: { name: n } });
    for (const s of await this.store.listSchemas(n)) await this.dropSchema(n, s.name, { cascade: true, ifExists: true });
    await this.store.deleteCatalog(n);
  }

  async listCatalogs(): Promise<CatalogRecord[]> {
    await this.discover();
    return this.store.listCatalogs();
  }

  async getCatalog(name: string): Promise<CatalogRecord> {
    let c = await this.store.getCatalog(name.toLowerCase());
    if (!c) {
      await this.discover();
      c = await this.store.getCatalog(name.toLowerCase());
    }
    if (!c) throw notFound('catalog', name.toLowerCase(), 'create it with CREATE CATALOG or check SHOW CATALOGS');
    return c;
  }

  /** True when the catalog exists. */
  async catalogExists(name: string): Promise<boolean> {
    return (await this.store.getCatalog(name.toLowerCase())) !== undefined;
  }

  async setCatalogComment(name: string, comment: string | undefined): Promise<void> {
    await this.store.updateCatalog({ ...(await this.getCatalog(name)), comment });
  }

  async createSchema(catalog: string, name: string, opts: { comment?: string; ifNotExists?: boolean } = {}): Promise<void> {
    const c = (await this.getCatalog(catalog)).name;
    const n = checkNamePart(name, 'schema name');
    const created = await this.store.createSchema({ catalog: c, name: n, comment: opts.comment, properties: {}, created_time: this.clock.now() });
    if (!created && !opts.ifNotExists) throw new WeirError('CATALOG.ALREADY_EXISTS', `schema ${c}.${n} already exists; use CREATE SCHEMA IF NOT EXISTS ${c}.${n}`, { params: { name: `${c}.${n}` } });
  }

  async dropSchema(catalog: string, name: string, opts: { ifExists?: boolean; cascade?: boolean } = {}): Promise<void> {
    const c = catalog.toLowerCase();
    const n = name.toLowerCase();
    if (!(await this.store.getSchema(c, n))) {
      if (opts.ifExists) return;
      throw notFound('schema', `${c}.${n}`, 'check SHOW SCHEMAS or use DROP SCHEMA IF EXISTS');
    }
    const tables = await this.listTables(c, n);
    if (tables.length && !opts.cascade) throw new WeirError('CATALOG.NOT_EMPTY', `schema ${c}.${n} still has tables (${tables.map((t) => t.name).join(', ')}); drop them first or add CASCADE`, { params: { name: `${c}.${n}` } });
    for (const t of tables) await this.dropTable({ catalog: c, schema: n, name: t.name }, { ifExists: true });
    await this.store.deleteSchema(c, n);
  }

  async listSchemas(catalog: string): Promise<SchemaRecord[]> {
    await this.discover();
    return this.store.listSchemas((await this.getCatalog(catalog)).name);
  }

  async getSchema(catalog: string, name: string): Promise<SchemaRecord> {
    let s = await this.store.getSchema(catalog.toLowerCase(), name.toLowerCase());
    if (!s) {
      await this.discover();
      s = await this.store.getSchema(catalog.toLowerCase(), name.toLowerCase());
    }
    if (!s) throw notFound('schema', `${catalog}.${name}`.toLowerCase(), 'create it with CREATE SCHEMA or check SHOW SCHEMAS');
    return s;
  }

  async setSchemaComment(catalog: string, name: string, comment: string | undefined): Promise<void> {
    await this.store.updateSchema({ ...(await this.getSchema(catalog, name)), comment });
  }

  /** Tables of a schema, including managed Delta tables found in its warehouse folder. */
  async listTables(catalog: string, schema: string): Promise<TableRecord[]> {
    await this.discover();
    return this.store.listTables(catalog.toLowerCase(), schema.toLowerCase());
  }

  /** The table's entry, registering a managed Delta table found in the warehouse folder; undefined when unknown. */
  async findTable(id: TableId): Promise<TableRecord | undefined> {
    const t = await this.store.getTable(id.catalog, id.schema, id.name);
    if (t) return t;
    const location = this.managedLocation(id);
    if (!existsSync(join(location, '_delta_log'))) return undefined;
    await this.registerManagedTable(formatTableId(id), location);
    return this.store.getTable(id.catalog, id.schema, id.name);
  }

  /** The table's entry, or CATALOG.NOT_FOUND naming it. */
  async getTable(id: TableId): Promise<TableRecord> {
    const t = await this.findTable(id);
    if (!t) throw notFound('table', formatTableId(id), 'create it first, check the name with SHOW TABLES, or qualify it as catalog.schema.table');
    return t;
  }

  /** The latest Delta snapshot of a table (schema, partitioning, configuration, version); undefined while its folder holds no Delta log. */
  async tableSnapshot(t: TableRecord): Promise<Snapshot | undefined> {
    if (!existsSync(join(t.location, '_delta_log'))) return undefined;
    return loadSnapshot(t.location);
  }

  /** Records a new table (its schema must exist); CATALOG.ALREADY_EXISTS when it exists. */
  async createTable(id: TableId, opts: CreateTableEntry = {}): Promise<TableRecord> {
    await this.getSchema(id.catalog, id.schema);
    const now = this.clock.now();
    const record: TableRecord = {
      ...id,
      table_type: opts.location ? 'EXTERNAL' : 'MANAGED',
      location: opts.location ? resolve(opts.location) : this.managedLocation(id),
      comment: opts.comment,
      properties: opts.properties ?? {},
      column_comments: opts.columnComments ?? {},
      created_time: now,
      updated_time: now,
    };
    if (!(await this.store.createTable(record))) throw new WeirError('CATALOG.ALREADY_EXISTS', `table ${formatTableId(id)} already exists; use CREATE TABLE IF NOT EXISTS, CREATE OR REPLACE TABLE or INSERT INTO`, { params: { name: formatTableId(id) } });
    return record;
  }

  /** Removes a table's entry; a managed table's files are deleted too (external data is left alone). */
  async dropTable(id: TableId, opts: { ifExists?: boolean } = {}): Promise<void> {
    const t = await this.findTable(id);
    if (!t) {
      if (opts.ifExists) return;
      throw notFound('table', formatTableId(id), 'check SHOW TABLES or use DROP TABLE IF EXISTS');
    }
    await this.store.deleteTable(id.catalog, id.schema, id.name);
    if (t.table_type === 'MANAGED') await rm(t.location, { recursive: true, force: true });
  }

  /** Updates a table's comment, column comments or properties (undefined values unset a property). */
  async alterTable(id: TableId, change: { comment?: string | null; columnComments?: Record<string, string>; properties?: Record<string, string | undefined> }): Promise<void> {
    const t = await this.getTable(id);
    const properties = { ...t.properties };
    for (const [k, v] of Object.entries(change.properties ?? {})) {
      if (v === undefined) delete properties[k];
      else properties[k] = v;
    }
    const comment = change.comment === undefined ? t.comment : change.comment ?? undefined;
    await this.store.updateTable({ ...t, comment, properties, column_comments: { ...t.column_comments, ...change.columnComments }, updated_time: this.clock.now() });
  }

  /**
   * Records a managed table a pipeline wrote (`catalog.schema.table`), creating its catalog and schema entries
   * when missing; an existing entry keeps its comment unless a new one is given.
   */
  async registerManagedTable(id: string, location: string, opts: { comment?: string; properties?: Record<string, string> } = {}): Promise<void> {
    const tid = parseTableId(id);
    await this.store.createCatalog({ name: tid.catalog, properties: {}, created_time: this.clock.now() });
    await this.store.createSchema({ catalog: tid.catalog, name: tid.schema, properties: {}, created_time: this.clock.now() });
    const existing = await this.store.getTable(tid.catalog, tid.schema, tid.name);
    if (existing) {
      if (opts.comment !== undefined || opts.properties) await this.alterTable(tid, { comment: opts.comment, properties: opts.properties });
      return;
    }
    const now = this.clock.now();
    await this.store.createTable({ ...tid, table_type: 'MANAGED', location: resolve(location), comment: opts.comment, properties: opts.properties ?? {}, column_comments: {}, created_time: now, updated_time: now });
  }
}
