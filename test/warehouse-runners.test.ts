import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogService } from '../src/catalog/catalog-service.js';
import { systemClock } from '../src/domain/clock.js';
import { DuckDbWarehouse } from '../src/engine/duckdb-warehouse.js';
import { SqlWarehouse } from '../src/engine/warehouse/sql-warehouse.js';
import { notebookRunner } from '../src/executor/runners/notebook-runner.js';
import { sqlRunner } from '../src/executor/runners/sql-runner.js';
import { CatalogSqlStore } from '../src/store/sql/catalog-sql-store.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import { makeAttemptContext } from './support/attempt-context.js';

// The job runners (notebook %sql and sql_task) on the catalog-backed warehouse, as `weir server` wires them.
let dir: string;
let store: SqlStore;
let wh: SqlWarehouse;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-whrun-'));
  store = await openSqliteStore(join(dir, 'weir.db'));
  const catalog = new CatalogService(new CatalogSqlStore(store.kysely), join(dir, 'warehouse'), systemClock);
  await catalog.ensureDefaults();
  wh = new SqlWarehouse(await DuckDbWarehouse.open(':memory:'), catalog, systemClock);
  await wh.execute(`CREATE SCHEMA sales; CREATE TABLE main.sales.orders AS SELECT * FROM (VALUES (1, 'eu', 10), (2, 'us', 20)) AS t(id, region, amount)`);
});
afterAll(async () => {
  await wh.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('runners on the SQL warehouse', () => {
  it('notebook %sql cells and spark.sql read and write catalog tables by name', async () => {
    const a = await makeAttemptContext({ notebook_task: { notebook_path: 'nb', base_parameters: { region: 'eu' } } }, { sql: wh });
    try {
      const src = '# Databricks notebook source\n# MAGIC %sql\n# MAGIC CREATE TABLE main.sales.eu AS SELECT * FROM main.sales.orders WHERE region = :region\n' +
        '\n# COMMAND ----------\n' +
        'rows = spark.sql("SELECT sum(amount) AS s FROM main.sales.eu").collect()\ndbutils.notebook.exit(str(rows[0].s))';
      writeFileSync(join(a.ctx.sourceDir, 'nb.py'), src);
      const r = await notebookRunner.run(a.ctx);
      expect(r.error).toBeUndefined();
      expect(r.notebookOutput?.result).toBe('10');
    } finally {
      await a.cleanup();
    }
    expect((await wh.execute('SELECT count(*) FROM main.sales.eu')).rows).toEqual([[1]]);
  });

  it('a sql_task file runs DML and time travel on catalog tables', async () => {
    const a = await makeAttemptContext({ sql_task: { warehouse_id: 'weir', file: { path: 'q.sql' }, parameters: { id: '2' } } }, { sql: wh });
    try {
      mkdirSync(a.ctx.sourceDir, { recursive: true });
      writeFileSync(join(a.ctx.sourceDir, 'q.sql'), 'USE main.sales;\nUPDATE orders SET amount = amount * 2 WHERE id = :id;\nSELECT o.amount AS now, v.amount AS before FROM orders o JOIN orders VERSION AS OF 0 v ON o.id = v.id WHERE o.id = :id;\n');
      const r = await sqlRunner.run(a.ctx);
      expect(r.result, r.error).toBe('SUCCESS');
      expect(r.sqlOutput?.rows).toEqual([[40, 20]]);
    } finally {
      await a.cleanup();
    }
  });
});
