import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogService } from '../src/catalog/catalog-service.js';
import { ManualClock } from '../src/domain/clock.js';
import { DuckDbWarehouse } from '../src/engine/duckdb-warehouse.js';
import { newSession, SqlWarehouse } from '../src/engine/warehouse/sql-warehouse.js';
import { CatalogSqlStore } from '../src/store/sql/catalog-sql-store.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';

let dir: string;
let store: SqlStore;
let wh: SqlWarehouse;
const clock = new ManualClock(Date.UTC(2026, 0, 1));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-wh-'));
  store = await openSqliteStore(join(dir, 'weir.db'));
  const catalog = new CatalogService(new CatalogSqlStore(store.kysely), join(dir, 'warehouse'), clock);
  await catalog.ensureDefaults();
  wh = new SqlWarehouse(await DuckDbWarehouse.open(':memory:'), catalog, clock);
});
afterAll(async () => {
  await wh.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const rows = async (sql: string, session = newSession()) => (await wh.execute(sql, { session })).rows;

describe('SQL warehouse', () => {
  it('creates tables by name, inserts, overwrites and joins two Delta tables by three-part names', async () => {
    await wh.execute(`CREATE SCHEMA main.sales COMMENT 'sales data';
      CREATE TABLE main.sales.customers AS SELECT * FROM (VALUES (1, 'Ada'), (2, 'Bob')) AS c(id, name);
      CREATE TABLE main.sales.orders (order_id INT, customer_id INT COMMENT 'who ordered', amount DOUBLE) COMMENT 'all orders' TBLPROPERTIES ('quality' = 'gold');
      INSERT INTO main.sales.orders VALUES (10, 1, 5.5), (11, 2, 7.0), (12, 1, 1.5);`);
    expect(existsSync(join(dir, 'warehouse', 'main', 'sales', 'orders', '_delta_log', '00000000000000000001.json'))).toBe(true);
    const joined = await rows(`SELECT c.name, sum(o.amount) AS total FROM main.sales.orders o JOIN main.sales.customers c ON o.customer_id = c.id GROUP BY c.name ORDER BY c.name`);
    expect(joined).toEqual([['Ada', 7], ['Bob', 7]]);
    const inserted = await wh.execute(`INSERT INTO main.sales.orders (amount, order_id) SELECT 2.0, 13`);
    expect(inserted.columns.map((c) => c.name)).toEqual(['num_affected_rows', 'num_inserted_rows']);
    expect(inserted.rows).toEqual([[1, 1]]);
    expect(await rows(`SELECT order_id, customer_id FROM main.sales.orders WHERE order_id = 13`)).toEqual([[13, null]]);
    await wh.execute(`INSERT OVERWRITE main.sales.customers SELECT 3, 'Cy'`);
    expect(await rows(`SELECT * FROM main.sales.customers`)).toEqual([[3, 'Cy']]);
  });

  it('resolves one- and two-part names through USE, and refuses unknown tables with the qualified name', async () => {
    const s = newSession();
    await wh.execute('USE CATALOG main; USE SCHEMA sales', { session: s });
    expect(s.scope).toEqual({ catalog: 'main', schema: 'sales' });
    expect(await rows('SELECT count(*) FROM orders', s)).toEqual([[4]]);
    expect(await rows('SELECT count(*) FROM sales.orders')).toEqual([[4]]);
    await expect(wh.execute('USE SCHEMA nope')).rejects.toMatchObject({ code: 'CATALOG.NOT_FOUND' });
    await expect(wh.execute('DELETE FROM main.sales.missing')).rejects.toThrow(/main\.sales\.missing does not exist/);
  });

  it('travels in time by version, @v and timestamp, and shows the history', async () => {
    await wh.execute('CREATE TABLE main.default.tt AS SELECT 1 AS v');
    clock.advance(60_000);
    await wh.execute('INSERT INTO tt VALUES (2)');
    clock.advance(60_000);
    await wh.execute('INSERT INTO tt VALUES (3)');
    expect(await rows('SELECT count(*) FROM tt VERSION AS OF 0')).toEqual([[1]]);
    expect(await rows('SELECT count(*) FROM tt@v1')).toEqual([[2]]);
    expect(await rows(`SELECT count(*) FROM tt TIMESTAMP AS OF '2026-01-01 00:01:30'`)).toEqual([[2]]);
    expect(await rows('SELECT a.v FROM tt VERSION AS OF 2 a ANTI JOIN tt VERSION AS OF 1 b ON a.v = b.v')).toEqual([[3]]);
    const history = await wh.execute('DESCRIBE HISTORY tt');
    expect(history.rows.map((r) => [r[0], r[2]])).toEqual([[2, 'WRITE'], [1, 'WRITE'], [0, 'CREATE TABLE AS SELECT']]);
    expect(history.rows[2][1]).toBe('2026-01-01T00:00:00.000Z');
  });

  it('describes tables with comments and properties, and lists catalogs, schemas and tables', async () => {
    await wh.execute(`COMMENT ON COLUMN main.sales.orders.amount IS 'in EUR'; ALTER TABLE main.sales.orders SET TBLPROPERTIES ('owner' = 'team-a')`);
    const d = (await rows('DESCRIBE TABLE EXTENDED main.sales.orders')) as string[][];
    expect(d.slice(0, 3)).toEqual([['order_id', 'integer', null], ['customer_id', 'integer', 'who ordered'], ['amount', 'double', 'in EUR']]);
    const detail = Object.fromEntries(d.slice(4).map((r) => [r[0], r[1]]));
    expect(detail).toMatchObject({ Catalog: 'main', Database: 'sales', Table: 'orders', Type: 'MANAGED', Comment: 'all orders', Provider: 'delta' });
    expect(detail['Table Properties']).toMatch(/quality=gold/);
    expect(detail['Table Properties']).toMatch(/owner=team-a/);
    expect(await rows('SHOW TBLPROPERTIES main.sales.orders')).toEqual(expect.arrayContaining([['owner', 'team-a'], ['quality', 'gold']]));
    expect(await rows('SHOW CATALOGS')).toEqual([['main']]);
    expect(await rows('SHOW SCHEMAS IN main')).toEqual([['default'], ['sales']]);
    expect(await rows('SHOW TABLES IN main.sales')).toEqual([['sales', 'customers', false], ['sales', 'orders', false]]);
  });

  it('creates and drops catalogs and schemas, refusing non-empty ones without CASCADE', async () => {
    await wh.execute('CREATE CATALOG dev; CREATE SCHEMA dev.tmp; CREATE TABLE dev.tmp.x AS SELECT 1 AS a');
    await expect(wh.execute('CREATE CATALOG dev')).rejects.toMatchObject({ code: 'CATALOG.ALREADY_EXISTS' });
    await expect(wh.execute('DROP SCHEMA dev.tmp')).rejects.toMatchObject({ code: 'CATALOG.NOT_EMPTY' });
    await wh.execute('DROP CATALOG dev CASCADE');
    expect(existsSync(join(dir, 'warehouse', 'dev', 'tmp', 'x'))).toBe(false);
    expect(await rows('SHOW CATALOGS')).toEqual([['main']]);
    await wh.execute('DROP TABLE IF EXISTS main.default.nothing');
  });

  it('reads and writes path tables, with time travel, and registers external tables', async () => {
    const p = join(dir, 'ext', 'events');
    await wh.execute(`CREATE TABLE main.default.events LOCATION '${p}' AS SELECT 1 AS id`);
    await wh.execute(`INSERT INTO delta.\`${p}\` VALUES (2)`);
    expect(await rows(`SELECT count(*) FROM delta.\`${p}\``)).toEqual([[2]]);
    expect(await rows(`SELECT count(*) FROM delta.\`${p}\` VERSION AS OF 0`)).toEqual([[1]]);
    await wh.execute('DROP TABLE main.default.events');
    expect(existsSync(join(p, '_delta_log'))).toBe(true);
    await wh.execute(`CREATE TABLE main.default.events2 LOCATION '${p}'`);
    expect(await rows('SELECT count(*) FROM events2')).toEqual([[2]]);
  });

  it('routes DELETE, UPDATE, MERGE, OPTIMIZE, VACUUM and RESTORE to the Delta table', async () => {
    await wh.execute(`CREATE TABLE main.default.m AS SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, 'c')) AS t(id, v)`);
    expect(await rows(`DELETE FROM m WHERE id = 3`)).toEqual([[1]]);
    expect(await rows(`UPDATE m SET v = upper(v) WHERE id = 2`)).toEqual([[1]]);
    const merged = await rows(`MERGE INTO m t USING (SELECT * FROM (VALUES (1, 'z'), (4, 'd')) AS s(id, v)) s ON t.id = s.id
      WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT *`);
    expect(merged).toEqual([[2, 1, 0, 1]]);
    expect(await rows('SELECT id, v FROM m ORDER BY id')).toEqual([[1, 'z'], [2, 'B'], [4, 'd']]);
    const opt = await rows('OPTIMIZE m ZORDER BY (id)');
    expect(JSON.parse(opt[0][1] as string)).toMatchObject({ numRemovedFiles: expect.any(String) });
    await wh.execute('RESTORE TABLE m TO VERSION AS OF 0');
    expect(await rows('SELECT id FROM m ORDER BY id')).toEqual([[1], [2], [3]]);
    await expect(wh.execute('VACUUM m RETAIN 0 HOURS')).rejects.toMatchObject({ code: 'DELTA.RETENTION_TOO_SHORT' });
    // VACUUM also spares files younger than the cutoff by mtime (real time): move the clock past today.
    clock.set(Date.now() + 86_400_000);
    const session = newSession();
    const dry = await rows(`SET spark.databricks.delta.retentionDurationCheck.enabled = false; VACUUM m RETAIN 0 HOURS DRY RUN`, session);
    expect(dry.length).toBeGreaterThan(0);
    for (const [f] of dry) expect(existsSync(f as string)).toBe(true);
    await wh.execute('VACUUM m RETAIN 0 HOURS', { session });
    for (const [f] of dry) expect(existsSync(f as string)).toBe(false);
    expect(await rows('SELECT id FROM m ORDER BY id')).toEqual([[1], [2], [3]]);
  });

  it('binds :name parameters as typed literals, also in DML predicates', async () => {
    const r = await wh.execute('SELECT :n + 1 AS n, :s AS s', { parameters: [{ name: 'n', value: '41', type: 'INT' }, { name: 's', value: "it's" }] });
    expect(r.rows).toEqual([[42, "it's"]]);
    await expect(wh.execute('SELECT :missing')).rejects.toThrow(/:missing/);
  });
});

describe('read_files in the warehouse', () => {
  it('reads CSV and JSON files by path, and loads them into a table', async () => {
    const { writeFileSync, mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'landing'), { recursive: true });
    writeFileSync(join(dir, 'landing', 'a.csv'), 'id;city\n1;Oslo\n2;Rome\n');
    writeFileSync(join(dir, 'events.json'), '{"k": "x", "n": 1}\n{"k": "y", "n": 2}\n');
    expect(await rows(`SELECT city FROM read_files('${join(dir, 'landing')}', format => 'csv', header => true, sep => ';') ORDER BY id`)).toEqual([['Oslo'], ['Rome']]);
    await wh.execute(`CREATE TABLE main.default.ev AS SELECT * FROM read_files('${join(dir, 'events.json')}')`);
    expect(await rows('SELECT sum(n) FROM ev')).toEqual([[3]]);
    await expect(wh.execute(`SELECT * FROM read_files('${join(dir, 'landing')}')`)).rejects.toThrow(/format => 'csv'/);
  });
});

describe('warehouse edge cases', () => {
  it('refuses names that would leave the warehouse folder, and still reads parquet paths', async () => {
    await expect(wh.execute('CREATE TABLE main.default.`..` AS SELECT 1 AS a')).rejects.toMatchObject({ code: 'VALIDATION.INVALID' });
    await expect(wh.execute('CREATE SCHEMA `../../etc`')).rejects.toMatchObject({ code: 'VALIDATION.INVALID' });
    await wh.execute(`COPY (SELECT 7 AS x) TO '${join(dir, 'p.parquet')}' (FORMAT parquet)`);
    expect(await rows(`SELECT x FROM parquet.\`${join(dir, 'p.parquet')}\``)).toEqual([[7]]);
  });

  it('creates partitioned tables, replaces them, and skips IF NOT EXISTS', async () => {
    await wh.execute(`CREATE TABLE main.default.part (id INT, day STRING) PARTITIONED BY (day)`);
    await wh.execute(`INSERT INTO part VALUES (1, '2026-01-01'), (2, '2026-01-02')`);
    expect(existsSync(join(dir, 'warehouse', 'main', 'default', 'part', 'day=2026-01-01'))).toBe(true);
    const d = (await rows('DESCRIBE TABLE part')) as string[][];
    expect(d.map((r) => r[0])).toEqual(['id', 'day', '# Partition Information', '# col_name', 'day']);
    await wh.execute('CREATE TABLE IF NOT EXISTS part AS SELECT 1 AS other');
    expect(await rows('SELECT count(*) FROM part')).toEqual([[2]]);
    await expect(wh.execute('CREATE TABLE part AS SELECT 1 AS other')).rejects.toMatchObject({ code: 'CATALOG.ALREADY_EXISTS' });
    await wh.execute(`CREATE OR REPLACE TABLE part AS SELECT 'x' AS other`);
    expect(await rows('SELECT * FROM part')).toEqual([['x']]);
    expect((await rows('DESCRIBE HISTORY part')).length).toBe(3);
    await expect(wh.execute('CREATE TABLE c1 (a INT) CLUSTER BY (a)')).rejects.toThrow(/ZORDER BY/);
    await expect(wh.execute(`INSERT INTO part PARTITION (day = '2026-01-03') SELECT 1`)).rejects.toMatchObject({ code: 'SQL.UNSUPPORTED_SYNTAX' });
    const [detail] = (await wh.execute('DESCRIBE DETAIL part')).rows;
    expect(detail.slice(0, 3)).toEqual(['delta', expect.any(String), 'main.default.part']);
    expect(detail[4]).toBe(join(dir, 'warehouse', 'main', 'default', 'part'));
    expect(detail[8]).toBe(1);
  });
});
