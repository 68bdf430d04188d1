import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogService } from '../src/catalog/catalog-service.js';
import { ManualClock } from '../src/domain/clock.js';
import { DuckDbWarehouse } from '../src/engine/duckdb-warehouse.js';
import { DeltaTable } from '../src/lake/delta-table.js';
import { CatalogSqlStore } from '../src/store/sql/catalog-sql-store.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';

let dir: string;
const clock = new ManualClock(1_000);
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'weir-catalog-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function open() {
  const store = await openSqliteStore(join(dir, 'weir.db'));
  const catalog = new CatalogService(new CatalogSqlStore(store.kysely), join(dir, 'warehouse'), clock);
  await catalog.ensureDefaults();
  return { store, catalog };
}

describe('catalog service', () => {
  it('records catalogs, schemas and tables in the store, surviving a reopen', async () => {
    const a = await open();
    await a.catalog.createCatalog('Dev', { comment: 'scratch' });
    await a.catalog.createSchema('dev', 'Raw');
    await a.catalog.createTable({ catalog: 'dev', schema: 'raw', name: 'x' }, { comment: 'c1', properties: { p: '1' }, columnComments: { id: 'the id' } });
    await a.catalog.alterTable({ catalog: 'dev', schema: 'raw', name: 'x' }, { properties: { p: undefined, q: '2' } });
    await a.store.close();
    const b = await open();
    expect((await b.catalog.listCatalogs()).map((c) => [c.name, c.comment])).toEqual([['dev', 'scratch'], ['main', undefined]]);
    const t = await b.catalog.getTable({ catalog: 'dev', schema: 'raw', name: 'x' });
    expect(t).toMatchObject({ table_type: 'MANAGED', location: join(dir, 'warehouse', 'dev', 'raw', 'x'), comment: 'c1', properties: { q: '2' }, column_comments: { id: 'the id' } });
    await expect(b.catalog.createTable({ catalog: 'dev', schema: 'nope', name: 'x' })).rejects.toMatchObject({ code: 'CATALOG.NOT_FOUND' });
    await expect(b.catalog.createSchema('dev', 'raw')).rejects.toMatchObject({ code: 'CATALOG.ALREADY_EXISTS' });
    await b.store.close();
  });

  it('registers managed Delta tables found under the warehouse folder (pipeline output) on first use', async () => {
    const { store, catalog } = await open();
    const duck = await DuckDbWarehouse.open(':memory:');
    const conn = await duck.connect();
    await DeltaTable.forPath(conn, join(dir, 'warehouse', 'lake', 'gold', 'kpis')).create('SELECT 1 AS k');
    conn.closeSync();
    expect(await catalog.catalogExists('lake')).toBe(false);
    expect((await catalog.findTable({ catalog: 'lake', schema: 'gold', name: 'kpis' }))?.table_type).toBe('MANAGED');
    expect(await catalog.catalogExists('lake')).toBe(true);
    await catalog.registerManagedTable('lake.gold.kpis', join(dir, 'warehouse', 'lake', 'gold', 'kpis'), { comment: 'KPIs' });
    expect((await catalog.getTable({ catalog: 'lake', schema: 'gold', name: 'kpis' })).comment).toBe('KPIs');
    await catalog.dropSchema('lake', 'gold', { cascade: true });
    expect(existsSync(join(dir, 'warehouse', 'lake', 'gold', 'kpis'))).toBe(false);
    await duck.close();
    await store.close();
  });
});
