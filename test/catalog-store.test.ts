import { describe, expect, test } from 'vitest';
import type { TableRecord } from '../src/store/ports/catalog-store.js';
import { CatalogSqlStore } from '../src/store/sql/catalog-sql-store.js';
import { storeDialects, useStore } from './support/store-fixtures.js';

const table = (catalog: string, schema: string, name: string): TableRecord => ({
  catalog, schema, name, table_type: 'MANAGED', location: `/w/${catalog}/${schema}/${name}`, properties: { a: '1' }, column_comments: {}, created_time: 1, updated_time: 1,
});

describe.each(storeDialects())('store contract: catalog on %s', (name, dialect, skip) => {
  if (skip) {
    test.skip(`${name}: ${skip}`, () => undefined);
    return;
  }
  const s = useStore(dialect);
  test('catalogs, schemas and tables are created once, listed by name, updated and deleted with their children', async () => {
    const st = new CatalogSqlStore(s.store.kysely);
    expect(await st.createCatalog({ name: 'main', properties: {}, created_time: 1 })).toBe(true);
    expect(await st.createCatalog({ name: 'main', properties: {}, created_time: 2 })).toBe(false);
    expect(await st.createCatalog({ name: 'dev', comment: 'x', properties: {}, created_time: 3 })).toBe(true);
    expect((await st.listCatalogs()).map((c) => c.name)).toEqual(['dev', 'main']);
    expect(await st.createSchema({ catalog: 'dev', name: 'b', properties: {}, created_time: 1 })).toBe(true);
    expect(await st.createSchema({ catalog: 'dev', name: 'a', properties: {}, created_time: 1 })).toBe(true);
    expect(await st.createSchema({ catalog: 'dev', name: 'a', properties: {}, created_time: 1 })).toBe(false);
    expect((await st.listSchemas('dev')).map((x) => x.name)).toEqual(['a', 'b']);
    expect(await st.createTable(table('dev', 'a', 't2'))).toBe(true);
    expect(await st.createTable(table('dev', 'a', 't1'))).toBe(true);
    expect(await st.createTable(table('dev', 'a', 't1'))).toBe(false);
    expect(await st.createTable(table('dev', 'b', 't1'))).toBe(true);
    expect((await st.listTables('dev', 'a')).map((t) => t.name)).toEqual(['t1', 't2']);
    await st.updateTable({ ...table('dev', 'a', 't1'), comment: 'hello', updated_time: 5 });
    expect(await st.getTable('dev', 'a', 't1')).toMatchObject({ comment: 'hello', updated_time: 5, properties: { a: '1' } });
    await st.updateCatalog({ name: 'dev', comment: 'y', properties: {}, created_time: 3 });
    expect((await st.getCatalog('dev'))?.comment).toBe('y');
    expect(await st.deleteTable('dev', 'a', 't2')).toBe(true);
    expect(await st.deleteTable('dev', 'a', 't2')).toBe(false);
    expect(await st.deleteSchema('dev', 'a')).toBe(true);
    expect(await st.getTable('dev', 'a', 't1')).toBeUndefined();
    expect(await st.deleteCatalog('dev')).toBe(true);
    expect(await st.getTable('dev', 'b', 't1')).toBeUndefined();
    expect(await st.listSchemas('dev')).toEqual([]);
    expect((await st.listCatalogs()).map((c) => c.name)).toEqual(['main']);
  });
});
