import type { Kysely } from 'kysely';
import type { CatalogRecord, CatalogStore, SchemaRecord, TableRecord } from '../ports/catalog-store.js';

interface Db {
  catalog_catalogs: { name: string; data: string };
  catalog_schemas: { catalog: string; name: string; data: string };
  catalog_tables: { catalog: string; schema_name: string; name: string; data: string };
}

const parse = <T>(r: { data: string }): T => JSON.parse(r.data) as T;

/** Kysely implementation of the catalog store (SQLite and PostgreSQL); construct it from `SqlStore.kysely`. */
export class CatalogSqlStore implements CatalogStore {
  private readonly db: Kysely<Db>;
  constructor(db: Kysely<any>) {
    this.db = db as Kysely<Db>;
  }

  async createCatalog(c: CatalogRecord): Promise<boolean> {
    const r = await this.db
      .insertInto('catalog_catalogs')
      .values({ name: c.name, data: JSON.stringify(c) })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async getCatalog(name: string): Promise<CatalogRecord | undefined> {
    const r = await this.db.selectFrom('catalog_catalogs').select('data').where('name', '=', name).executeTakeFirst();
    return r ? parse<CatalogRecord>(r) : undefined;
  }

  async listCatalogs(): Promise<CatalogRecord[]> {
    return (await this.db.selectFrom('catalog_catalogs').select('data').orderBy('name').execute()).map((r) => parse<CatalogRecord>(r));
  }

  async updateCatalog(c: CatalogRecord): Promise<void> {
    await this.db.updateTable('catalog_catalogs').set({ data: JSON.stringify(c) }).where('name', '=', c.name).execute();
  }

  async deleteCatalog(name: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('catalog_tables').where('catalog', '=', name).execute();
      await tx.deleteFrom('catalog_schemas').where('catalog', '=', name).execute();
      const r = await tx.deleteFrom('catalog_catalogs').where('name', '=', name).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  async createSchema(s: SchemaRecord): Promise<boolean> {
    const r = await this.db
      .insertInto('catalog_schemas')
      .values({ catalog: s.catalog, name: s.name, data: JSON.stringify(s) })
      .onConflict((oc) => oc.columns(['catalog', 'name']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async getSchema(catalog: string, name: string): Promise<SchemaRecord | undefined> {
    const r = await this.db.selectFrom('catalog_schemas').select('data').where('catalog', '=', catalog).where('name', '=', name).executeTakeFirst();
    return r ? parse<SchemaRecord>(r) : undefined;
  }

  async listSchemas(catalog: string): Promise<SchemaRecord[]> {
    const rows = await this.db.selectFrom('catalog_schemas').select('data').where('catalog', '=', catalog).orderBy('name').execute();
    return rows.map((r) => parse<SchemaRecord>(r));
  }

  async updateSchema(s: SchemaRecord): Promise<void> {
    await this.db.updateTable('catalog_schemas').set({ data: JSON.stringify(s) }).where('catalog', '=', s.catalog).where('name', '=', s.name).execute();
  }

  async deleteSchema(catalog: string, name: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('catalog_tables').where('catalog', '=', catalog).where('schema_name', '=', name).execute();
      const r = await tx.deleteFrom('catalog_schemas').where('catalog', '=', catalog).where('name', '=', name).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  async createTable(t: TableRecord): Promise<boolean> {
    const r = await this.db
      .insertInto('catalog_tables')
      .values({ catalog: t.catalog, schema_name: t.schema, name: t.name, data: JSON.stringify(t) })
      .onConflict((oc) => oc.columns(['catalog', 'schema_name', 'name']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async getTable(catalog: string, schema: string, name: string): Promise<TableRecord | undefined> {
    const r = await this.db
      .selectFrom('catalog_tables')
      .select('data')
      .where('catalog', '=', catalog)
      .where('schema_name', '=', schema)
      .where('name', '=', name)
      .executeTakeFirst();
    return r ? parse<TableRecord>(r) : undefined;
  }

  async listTables(catalog: string, schema: string): Promise<TableRecord[]> {
    const rows = await this.db.selectFrom('catalog_tables').select('data').where('catalog', '=', catalog).where('schema_name', '=', schema).orderBy('name').execute();
    return rows.map((r) => parse<TableRecord>(r));
  }

  async updateTable(t: TableRecord): Promise<void> {
    await this.db
      .updateTable('catalog_tables')
      .set({ data: JSON.stringify(t) })
      .where('catalog', '=', t.catalog)
      .where('schema_name', '=', t.schema)
      .where('name', '=', t.name)
      .execute();
  }

  async deleteTable(catalog: string, schema: string, name: string): Promise<boolean> {
    const r = await this.db.deleteFrom('catalog_tables').where('catalog', '=', catalog).where('schema_name', '=', schema).where('name', '=', name).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
