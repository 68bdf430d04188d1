import { WorkspaceClient } from '@databricks/sdk-experimental';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { startWeir, type Weir } from '../src/main.js';
import { callApi, startApiServer } from './support/api-server.js';
import { startHarness } from './support/weir-harness.js';

// The Unity Catalog API subset over real HTTP, driven by the official Databricks JS SDK where it has the calls,
// against a real weir (SQLite store, DuckDB warehouse, Delta tables on disk).
let dir: string;
let weir: Weir;
let server: Awaited<ReturnType<typeof startApiServer>>;
let token = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-uc-'));
  weir = await startWeir(loadConfig({ dataDir: join(dir, 'data'), port: 0 }, {}));
  token = readFileSync(join(dir, 'data', 'admin-token'), 'utf8').trim();
  server = await startApiServer({ ...weir, dir, adminToken: token } as never, { store: weir.store, runs: weir.runs, executor: weir.executor, tokens: weir.tokens, secrets: weir.secrets, catalog: weir.catalog, pipelines: weir.pipelines, statements: weir.statements });
  await weir.sql.execute(`
    CREATE SCHEMA main.shop COMMENT 'the shop';
    CREATE TABLE main.shop.orders (id BIGINT COMMENT 'order id', amount DECIMAL(10,2), day DATE, tags ARRAY<STRING>, ok BOOLEAN)
      PARTITIONED BY (day) COMMENT 'all orders' TBLPROPERTIES ('team' = 'sales');
    INSERT INTO main.shop.orders VALUES (1, 9.99, DATE'2026-01-01', array('a'), true);
    CREATE TABLE main.shop.a AS SELECT 1 AS x;
    CREATE TABLE main.shop.b AS SELECT 1 AS x;
    CREATE TABLE main.shop.c AS SELECT 1 AS x;
  `);
}, 60_000);
afterAll(async () => {
  await server?.close();
  await weir?.close();
  rmSync(dir, { recursive: true, force: true });
});

const client = () => new WorkspaceClient({ host: server.base, token, authType: 'pat' });
const all = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('Unity Catalog API with the official JS SDK', () => {
  it('creates, gets, lists and deletes catalogs and schemas', async () => {
    const w = client();
    const created = await w.catalogs.create({ name: 'Sandbox', comment: 'play area' });
    expect(created).toMatchObject({ name: 'sandbox', full_name: 'sandbox', comment: 'play area', catalog_type: 'MANAGED_CATALOG', owner: 'admin' });
    expect((await w.catalogs.get({ name: 'sandbox' })).comment).toBe('play area');
    expect((await all(w.catalogs.list({}))).map((c) => c.name)).toEqual(expect.arrayContaining(['main', 'sandbox']));
    const schema = await w.schemas.create({ name: 'raw', catalog_name: 'sandbox', comment: 'landing' });
    expect(schema).toMatchObject({ name: 'raw', catalog_name: 'sandbox', full_name: 'sandbox.raw', comment: 'landing' });
    expect((await all(w.schemas.list({ catalog_name: 'sandbox' }))).map((s) => s.name)).toEqual(['raw']);
    expect((await w.schemas.get({ full_name: 'main.shop' })).comment).toBe('the shop');
    await expect(w.catalogs.create({ name: 'sandbox' })).rejects.toMatchObject({ errorCode: 'CATALOG_ALREADY_EXISTS' });
    await expect(w.catalogs.delete({ name: 'sandbox' })).rejects.toMatchObject({ errorCode: 'CATALOG_NOT_EMPTY', message: expect.stringMatching(/raw.*force=true/) });
    await w.schemas.delete({ full_name: 'sandbox.raw' });
    await expect(w.schemas.get({ full_name: 'sandbox.raw' })).rejects.toMatchObject({ errorCode: 'SCHEMA_DOES_NOT_EXIST' });
    await w.catalogs.delete({ name: 'sandbox' });
    await expect(w.catalogs.get({ name: 'sandbox' })).rejects.toMatchObject({ errorCode: 'CATALOG_DOES_NOT_EXIST', message: expect.stringMatching(/sandbox does not exist/) });
  });

  it('gets a table with typed, commented columns, properties, partitioning and its storage location', async () => {
    const t = await client().tables.get({ full_name: 'main.shop.orders' });
    expect(t).toMatchObject({
      name: 'orders', catalog_name: 'main', schema_name: 'shop', full_name: 'main.shop.orders',
      table_type: 'MANAGED', data_source_format: 'DELTA', comment: 'all orders',
      storage_location: join(dir, 'data', 'warehouse', 'main', 'shop', 'orders'),
    });
    expect(t.columns?.map((c) => [c.name, c.type_name, c.type_text, c.position, c.nullable])).toEqual([
      ['id', 'LONG', 'bigint', 0, true],
      ['amount', 'DECIMAL', 'decimal(10,2)', 1, true],
      ['day', 'DATE', 'date', 2, true],
      ['tags', 'ARRAY', 'array<string>', 3, true],
      ['ok', 'BOOLEAN', 'boolean', 4, true],
    ]);
    expect(t.columns?.[0].comment).toBe('order id');
    expect(t.columns?.[1]).toMatchObject({ type_precision: 10, type_scale: 2 });
    expect(t.columns?.[2].partition_index).toBe(0);
    expect(t.properties).toMatchObject({ team: 'sales', 'delta.lastUpdateVersion': '1' });
    expect(t.created_at).toBeGreaterThan(0);
    expect(t.updated_at).toBeGreaterThanOrEqual(t.created_at!);
  });

  it('pages table lists with max_results and page_token; the SDK follows next_page_token to the end', async () => {
    const first = await callApi(server.base, 'GET', '/api/2.1/unity-catalog/tables?catalog_name=main&schema_name=shop&max_results=3&omit_columns=true', { token });
    expect(first.status).toBe(200);
    expect(first.body.tables.map((t: { name: string }) => t.name)).toEqual(['a', 'b', 'c']);
    expect(first.body.tables[0].columns).toBeUndefined();
    const second = await callApi(server.base, 'GET', `/api/2.1/unity-catalog/tables?catalog_name=main&schema_name=shop&max_results=3&page_token=${first.body.next_page_token}`, { token });
    expect(second.body.tables.map((t: { name: string }) => t.name)).toEqual(['orders']);
    expect(second.body.tables[0].columns).toHaveLength(5);
    expect(second.body.next_page_token).toBeUndefined();
    const viaSdk = await all(client().tables.list({ catalog_name: 'main', schema_name: 'shop', max_results: 1 }));
    expect(viaSdk.map((t) => t.full_name)).toEqual(['main.shop.a', 'main.shop.b', 'main.shop.c', 'main.shop.orders']);
    const bad = await callApi(server.base, 'GET', '/api/2.1/unity-catalog/tables?catalog_name=main&schema_name=shop&max_results=5000', { token });
    expect(bad).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/max_results: 5000/) } });
  });

  it('answers exists, deletes a table with its files, and names what is missing', async () => {
    const w = client();
    expect(await w.tables.exists({ full_name: 'main.shop.c' })).toEqual({ table_exists: true });
    await w.tables.delete({ full_name: 'main.shop.c' });
    expect(await w.tables.exists({ full_name: 'main.shop.c' })).toEqual({ table_exists: false });
    await expect(w.tables.get({ full_name: 'main.shop.c' })).rejects.toMatchObject({ errorCode: 'TABLE_DOES_NOT_EXIST', message: expect.stringMatching(/main\.shop\.c does not exist/) });
    const partial = await callApi(server.base, 'GET', '/api/2.1/unity-catalog/tables/shop.orders', { token });
    expect(partial).toMatchObject({ status: 400, body: { message: expect.stringMatching(/full_name: 'shop.orders' is not catalog.schema.table/) } });
    const noSchema = await callApi(server.base, 'GET', '/api/2.1/unity-catalog/tables?catalog_name=main&schema_name=nope', { token });
    expect(noSchema).toMatchObject({ status: 404, body: { error_code: 'SCHEMA_DOES_NOT_EXIST' } });
    expect((await callApi(server.base, 'GET', '/api/2.1/unity-catalog/catalogs')).status).toBe(401);
  });
});

it('answers 501 in a process that serves no catalog', async () => {
  const h = await startHarness();
  const s = await startApiServer(h);
  try {
    const r = await callApi(s.base, 'GET', '/api/2.1/unity-catalog/catalogs', { token: h.adminToken });
    expect(r).toMatchObject({ status: 501, body: { error_code: 'NOT_IMPLEMENTED' } });
    expect((await callApi(s.base, 'GET', '/api/2.0/lineage-tracking/table-lineage?table_name=main.default.t', { token: h.adminToken })).status).toBe(501);
  } finally {
    await s.close();
    await h.close();
  }
});
