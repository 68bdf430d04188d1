import type { Kysely, Migration } from 'kysely';

/** The catalog: catalogs, schemas and tables (rows keep the full record as JSON in `data`). */
export const catalogMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('catalog_catalogs')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('catalog_schemas')
      .addColumn('catalog', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('catalog_schemas_pk', ['catalog', 'name'])
      .execute();
    await db.schema
      .createTable('catalog_tables')
      .addColumn('catalog', 'text', (c) => c.notNull())
      .addColumn('schema_name', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('catalog_tables_pk', ['catalog', 'schema_name', 'name'])
      .execute();
  },
};
