import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/domain/clock.js';
import { DuckDbWarehouse } from '../src/engine/duckdb-warehouse.js';
import { DeltaTable } from '../src/lake/delta-table.js';
import type { PipelineService } from '../src/pipelines/pipeline-service.js';
import { managedTablePath, startPipelines } from '../src/start-pipelines.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';

let dir: string;
let store: SqlStore;
let warehouse: DuckDbWarehouse;
let pipelines: PipelineService;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-pipe-'));
  store = await openSqliteStore(join(dir, 'weir.sqlite'));
  warehouse = await DuckDbWarehouse.open(':memory:');
  pipelines = await startPipelines(store, warehouse, systemClock, dir);
});
afterAll(async () => {
  await pipelines.close();
  await store.close();
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Rows of a managed table, sorted, as plain objects. */
async function rows(id: string, orderBy: string): Promise<Record<string, unknown>[]> {
  const conn = await warehouse.connect();
  try {
    const sql = await DeltaTable.forPath(conn, managedTablePath(dir, id)).scanSql();
    const objects = (await conn.runAndReadAll(`SELECT * FROM (${sql}) ORDER BY ${orderBy}`)).getRowObjects();
    return objects.map((o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v === null || typeof v !== 'object' ? v : String(v)])));
  } finally {
    conn.closeSync();
  }
}

/** Runs an update to its end; its state reads `STATE: error messages` so a failure shows why. */
async function update(id: string, body: Record<string, unknown> = {}) {
  const started = await pipelines.startUpdate(id, body);
  const u = await pipelines.waitForUpdate(started.update_id);
  const errors = (await store.kysely.selectFrom('pipeline_events').select('data').where('update_id', '=', u.update_id).where('level', '=', 'ERROR').execute()).map((r) => JSON.parse(r.data as string).message);
  return { ...u, state: errors.length && u.state === 'COMPLETED' ? `COMPLETED with errors: ${errors.join(' | ')}` : u.state === 'FAILED' ? `FAILED: ${errors.join(' | ')}` : u.state };
}

async function events(id: string, updateId: string, type: string) {
  return (await store.kysely.selectFrom('pipeline_events').select('data').where('pipeline_id', '=', id).where('update_id', '=', updateId).where('event_type', '=', type).orderBy('seq').execute()).map(
    (r) => JSON.parse(r.data as string),
  );
}

describe('a bronze/silver/gold pipeline from SQL files', () => {
  let pipelineId: string;
  let landing: string;

  beforeAll(async () => {
    const folder = join(dir, 'sales');
    landing = join(dir, 'landing');
    mkdirSync(folder, { recursive: true });
    mkdirSync(landing, { recursive: true });
    writeFileSync(join(landing, 'orders-1.csv'), 'order_id,customer,amount,region\n1,ann,10.5,eu\n2,bob,-3,us\n3,cy,7,eu\n');
    writeFileSync(
      join(folder, 'bronze.sql'),
      `-- raw orders, as they land
CREATE OR REFRESH STREAMING TABLE orders_raw
COMMENT 'orders as they arrive'
AS SELECT * FROM STREAM read_files('${landing}', format => 'csv', header => true);
`,
    );
    writeFileSync(
      join(folder, 'silver_gold.sql'),
      `CREATE OR REFRESH STREAMING TABLE orders (
  CONSTRAINT positive_amount EXPECT (amount > 0) ON VIOLATION DROP ROW,
  CONSTRAINT known_region EXPECT (region IN ('eu', 'us'))
) AS SELECT order_id, upper(customer) AS customer, amount, region FROM STREAM(LIVE.orders_raw);

CREATE OR REFRESH MATERIALIZED VIEW revenue_by_region
AS SELECT region, sum(amount) AS revenue, count(*) AS orders FROM LIVE.orders GROUP BY region;
`,
    );
    const p = await pipelines.create({ name: 'sales', libraries: [{ glob: { include: `${folder}/**` } }], catalog: 'main', schema: 'sales' }, { sourceDir: dir });
    pipelineId = p.pipeline_id;
  });

  it('materializes every table as Delta with expectations applied and reports metrics', async () => {
    const u = await update(pipelineId);
    expect(u.state).toBe('COMPLETED');
    expect(await rows('main.sales.orders_raw', 'order_id')).toHaveLength(3);
    expect(await rows('main.sales.orders', 'order_id')).toEqual([
      { order_id: 1, customer: 'ANN', amount: 10.5, region: 'eu' },
      { order_id: 3, customer: 'CY', amount: 7, region: 'eu' },
    ]);
    expect(await rows('main.sales.revenue_by_region', 'region')).toEqual([{ region: 'eu', revenue: 17.5, orders: 2 }]);
    const progress = await events(pipelineId, u.update_id, 'flow_progress');
    const silver = progress.find((e) => e.origin.flow_name === 'main.sales.orders' && e.details.flow_progress.status === 'COMPLETED');
    expect(silver.details.flow_progress.metrics).toEqual({ num_output_rows: 2 });
    expect(silver.details.flow_progress.data_quality).toEqual({
      dropped_records: 1,
      expectations: [
        { name: 'positive_amount', dataset: 'main.sales.orders', passed_records: 2, failed_records: 1 },
        { name: 'known_region', dataset: 'main.sales.orders', passed_records: 3, failed_records: 0 },
      ],
    });
    // weir's column lineage rides on flow_definition; the bronze flow reads files (unknown columns), so it has none.
    const defs = await events(pipelineId, u.update_id, 'flow_definition');
    expect(defs.find((e) => e.origin.flow_name === 'main.sales.orders').details.flow_definition.column_lineage).toEqual([
      { output: 'order_id', inputs: [{ dataset: 'main.sales.orders_raw', column: 'order_id' }], kind: 'direct' },
      { output: 'customer', inputs: [{ dataset: 'main.sales.orders_raw', column: 'customer' }], kind: 'expression' },
      { output: 'amount', inputs: [{ dataset: 'main.sales.orders_raw', column: 'amount' }], kind: 'direct' },
      { output: 'region', inputs: [{ dataset: 'main.sales.orders_raw', column: 'region' }], kind: 'direct' },
    ]);
    expect(defs.find((e) => e.origin.flow_name === 'main.sales.orders_raw').details.flow_definition.column_lineage).toBeUndefined();
    const states = (await events(pipelineId, u.update_id, 'update_progress')).map((e) => e.details.update_progress.state);
    expect(states).toEqual(['QUEUED', 'INITIALIZING', 'SETTING_UP_TABLES', 'RUNNING', 'COMPLETED']);
    // The event log is also a Delta table under the pipeline's storage.
    const conn = await warehouse.connect();
    const log = await DeltaTable.forPath(conn, join(dir, 'pipelines', pipelineId, 'system', 'events')).scanSql();
    const byType = (await conn.runAndReadAll(`SELECT event_type, count(*) AS n FROM (${log}) WHERE json_extract_string(origin, '$.update_id') = '${u.update_id}' GROUP BY 1 ORDER BY 1`)).getRowObjectsJson();
    conn.closeSync();
    expect(byType.map((r) => r.event_type)).toEqual(['cluster_resources', 'create_update', 'dataset_definition', 'flow_definition', 'flow_progress', 'planning_information', 'update_progress', 'user_action']);
  });

  it('processes only new files on the next update, and recomputes the materialized view', async () => {
    writeFileSync(join(landing, 'orders-2.csv'), 'order_id,customer,amount,region\n4,dee,5,us\n');
    const u = await update(pipelineId);
    expect(u.state).toBe('COMPLETED');
    expect((await rows('main.sales.orders_raw', 'order_id')).map((r) => r.order_id)).toEqual([1, 2, 3, 4]);
    expect((await rows('main.sales.orders', 'order_id')).map((r) => r.order_id)).toEqual([1, 3, 4]);
    expect(await rows('main.sales.revenue_by_region', 'region')).toEqual([
      { region: 'eu', revenue: 17.5, orders: 2 },
      { region: 'us', revenue: 5, orders: 1 },
    ]);
    // revenue_by_region is a plain aggregate over an append-only table: only the new rows were aggregated.
    const plan = (await events(pipelineId, u.update_id, 'planning_information')).find((e) => e.origin.flow_name === 'main.sales.revenue_by_region');
    expect(plan.details.planning_information.technique_information[0].maintenance_type).toBe('INCREMENTAL_AGGREGATE');
    const bronze = (await events(pipelineId, u.update_id, 'flow_progress')).find((e) => e.origin.flow_name === 'main.sales.orders_raw' && e.details.flow_progress.status === 'COMPLETED');
    expect(bronze.details.flow_progress.metrics.num_output_rows).toBe(1);
    // Nothing new: streaming tables write no new version.
    const before = await DeltaTable.forPath(await warehouse.connect(), managedTablePath(dir, 'main.sales.orders')).refresh();
    const idle = await update(pipelineId);
    expect(idle.state).toBe('COMPLETED');
    const after = await DeltaTable.forPath(await warehouse.connect(), managedTablePath(dir, 'main.sales.orders')).refresh();
    expect(after?.snapshot.version).toBe(before?.snapshot.version);
    // ...and the materialized view over them is not recomputed, with the reason shown.
    const gold = (await events(pipelineId, idle.update_id, 'flow_progress')).find((e) => e.origin.flow_name === 'main.sales.revenue_by_region' && e.details.flow_progress.status !== 'RUNNING');
    expect(gold.details.flow_progress).toMatchObject({ status: 'SKIPPED', skip_reason: 'its inputs have not changed since the last refresh' });
  });

  it('full refresh rebuilds streaming tables from all files', async () => {
    const u = await update(pipelineId, { full_refresh: true });
    expect(u.state).toBe('COMPLETED');
    expect((await rows('main.sales.orders_raw', 'order_id')).map((r) => r.order_id)).toEqual([1, 2, 3, 4]);
    expect((await rows('main.sales.orders', 'order_id')).map((r) => r.order_id)).toEqual([1, 3, 4]);
  });

  it('validate_only checks the graph without writing', async () => {
    const u = await update(pipelineId, { validate_only: true });
    expect(u.state).toBe('COMPLETED');
    expect((await events(pipelineId, u.update_id, 'flow_progress')).length).toBe(0);
  });
});

describe('failures', () => {
  it('FAIL UPDATE fails the update, leaves the table at its previous version and skips downstream flows', async () => {
    const folder = join(dir, 'strict');
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, 'p.sql'),
      `CREATE OR REFRESH MATERIALIZED VIEW checked (CONSTRAINT id_set EXPECT (id IS NOT NULL) ON VIOLATION FAIL UPDATE) AS SELECT * FROM (VALUES (1), (\${second})) t(id);
CREATE OR REFRESH MATERIALIZED VIEW downstream AS SELECT count(*) AS n FROM LIVE.checked;
`,
    );
    const spec = (second: string) => ({ name: 'strict', configuration: { second }, libraries: [{ file: { path: 'strict/p.sql' } }] });
    const p = await pipelines.create(spec('2'), { sourceDir: dir });
    expect((await update(p.pipeline_id)).state).toBe('COMPLETED');
    const conn = await warehouse.connect();
    const before = (await DeltaTable.forPath(conn, managedTablePath(dir, 'main.default.checked')).refresh())?.snapshot.version;
    await pipelines.edit(p.pipeline_id, spec('NULL'));
    const u = await update(p.pipeline_id);
    expect(u.state).toMatch(/^FAILED/);
    expect(u.state).toMatch(/expectation 'id_set' \(id IS NOT NULL\) on main\.default\.checked is violated by 1 of 2 row\(s\)/);
    const after = (await DeltaTable.forPath(conn, managedTablePath(dir, 'main.default.checked')).refresh())?.snapshot.version;
    conn.closeSync();
    expect(after).toBe(before);
    expect((await rows('main.default.checked', 'id')).map((r) => r.id)).toEqual([1, 2]);
    const downstream = (await events(p.pipeline_id, u.update_id, 'flow_progress')).find((e) => e.origin.flow_name === 'main.default.downstream');
    expect(downstream.details.flow_progress).toMatchObject({ status: 'SKIPPED', skip_reason: 'upstream dataset main.default.checked failed' });
  });

  it('a graph error fails the update with the file and line', async () => {
    const folder = join(dir, 'broken');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'p.sql'), `CREATE OR REFRESH MATERIALIZED VIEW a AS SELECT 1 AS x;\n\nCREATE OR REFRESH MATERIALIZED VIEW b AS SELECT * FROM LIVE.aa;\n`);
    const p = await pipelines.create({ name: 'broken', libraries: [{ file: { path: 'broken/p.sql' } }] }, { sourceDir: dir });
    const u = await update(p.pipeline_id);
    expect(u.state).toMatch(/^FAILED/);
    const errors = (await store.kysely.selectFrom('pipeline_events').select('data').where('pipeline_id', '=', p.pipeline_id).where('level', '=', 'ERROR').execute()).map((r) => JSON.parse(r.data as string).message);
    expect(errors[0]).toMatch(/p\.sql:3:\d+: .*aa/);
  });
});

describe('parallel flows', () => {
  it('independent flows run at once; a flow waits for the views and tables it reads', async () => {
    const folder = join(dir, 'par');
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, 'p.sql'),
      `CREATE OR REFRESH MATERIALIZED VIEW slow AS SELECT sum((id * 7919) % 1000003) AS n FROM range(300000000);
CREATE OR REFRESH MATERIALIZED VIEW quick AS SELECT 1 AS n;
CREATE TEMPORARY VIEW doubled AS SELECT n * 2 AS m FROM LIVE.quick;
CREATE OR REFRESH MATERIALIZED VIEW after_both AS SELECT (SELECT count(*) FROM LIVE.slow) + (SELECT max(m) FROM LIVE.doubled) AS total;
`,
    );
    const p = await pipelines.create({ name: 'par', serverless: true, libraries: [{ file: { path: 'par/p.sql' } }] }, { sourceDir: dir });
    const u = await update(p.pipeline_id);
    expect(u.state).toBe('COMPLETED');
    const done = (await events(p.pipeline_id, u.update_id, 'flow_progress')).filter((e) => e.details.flow_progress.status === 'COMPLETED').map((e) => e.origin.flow_name.split('.').pop());
    // "slow" comes first in the file; "quick" finishes before it only because they ran at the same time.
    expect(done.indexOf('quick')).toBeLessThan(done.indexOf('slow'));
    expect(done[done.length - 1]).toBe('after_both');
    expect(await rows('main.default.after_both', 'total')).toEqual([{ total: 3 }]);
  });
});

describe('declared columns', () => {
  it('a declared column list that does not match the query fails the flow at its file and line', async () => {
    const folder = join(dir, 'declared');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'p.sql'), 'CREATE OR REFRESH MATERIALIZED VIEW typed (id BIGINT, label STRING) AS SELECT 1 AS id, 2 AS other;\n');
    const p = await pipelines.create({ name: 'declared', libraries: [{ file: { path: 'declared/p.sql' } }] }, { sourceDir: dir });
    const u = await update(p.pipeline_id);
    expect(u.state).toMatch(/^FAILED: .*p\.sql:1:\d+: main\.default\.typed declares column\(s\) label that its query does not produce/);
  });
});

describe('validate_only', () => {
  it('binds every query in DuckDB and reports each error at its file and line, writing nothing', async () => {
    const folder = join(dir, 'checks');
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, 'p.sql'),
      `CREATE OR REFRESH MATERIALIZED VIEW base AS SELECT 1 AS id, 'x' AS name;

CREATE OR REFRESH MATERIALIZED VIEW typo AS SELECT nmae FROM LIVE.base;

CREATE OR REFRESH MATERIALIZED VIEW declared (id BIGINT, label STRING) AS SELECT id, name FROM LIVE.base;
`,
    );
    const p = await pipelines.create({ name: 'checks', libraries: [{ file: { path: 'checks/p.sql' } }] }, { sourceDir: dir });
    const u = await update(p.pipeline_id, { validate_only: true });
    expect(u.state).toMatch(/^FAILED/);
    expect(u.state).toMatch(/p\.sql:3:\d+: flow 'main\.default\.typo' does not bind: .*nmae/);
    expect(u.state).toMatch(/p\.sql:5:\d+: main\.default\.declared declares column\(s\) label that its query does not produce/);
    expect(u.state).toMatch(/its query produces column\(s\) name that the declared column list does not have/);
    const conn = await warehouse.connect();
    expect(await DeltaTable.forPath(conn, managedTablePath(dir, 'main.default.base')).exists()).toBe(false);
    conn.closeSync();
  });
});

describe('modes', () => {
  it('production retries a flow that fails at run time; development stops at the first failure', async () => {
    const folder = join(dir, 'modes');
    mkdirSync(folder, { recursive: true });
    // "fine" waits for "gate" (slow), so "boom" has failed by the time it could start.
    writeFileSync(
      join(folder, 'p.sql'),
      "CREATE OR REFRESH MATERIALIZED VIEW boom AS SELECT raise_error('boom') AS n;\nCREATE OR REFRESH MATERIALIZED VIEW gate AS SELECT sum((id * 7919) % 1000003) AS n FROM range(200000000);\nCREATE OR REFRESH MATERIALIZED VIEW fine AS SELECT n FROM LIVE.gate;\n",
    );
    const statuses = async (pipelineId: string, updateId: string) => (await events(pipelineId, updateId, 'flow_progress')).map((e) => `${e.origin.flow_name.split('.').pop()}:${e.details.flow_progress.status}`);
    const prod = await pipelines.create({ name: 'prod', development: false, libraries: [{ file: { path: 'modes/p.sql' } }] }, { sourceDir: dir });
    const u1 = await update(prod.pipeline_id);
    expect(u1.state).toMatch(/^FAILED: .*boom/);
    const s1 = await statuses(prod.pipeline_id, u1.update_id);
    expect(s1.filter((x) => x === 'boom:RETRYING')).toHaveLength(2);
    expect(s1).toContain('fine:COMPLETED');
    const dev = await pipelines.create({ name: 'dev', development: true, libraries: [{ file: { path: 'modes/p.sql' } }] }, { sourceDir: dir });
    const u2 = await update(dev.pipeline_id);
    const s2 = await statuses(dev.pipeline_id, u2.update_id);
    expect(s2).not.toContain('boom:RETRYING');
    expect(s2.filter((x) => x.startsWith('boom:') || x.startsWith('fine:')).slice(-2)).toEqual(['boom:FAILED', 'fine:SKIPPED']);
  });

  it("a full refresh keeps the data of tables with pipelines.reset.allowed = 'false'", async () => {
    const folder = join(dir, 'keep');
    const feed = join(dir, 'keep-feed');
    mkdirSync(folder, { recursive: true });
    mkdirSync(feed, { recursive: true });
    writeFileSync(join(feed, '1.json'), '{"id":1}\n');
    writeFileSync(join(folder, 'p.sql'), `CREATE OR REFRESH STREAMING TABLE kept TBLPROPERTIES ('pipelines.reset.allowed' = 'false') AS SELECT * FROM STREAM read_files('${feed}', format => 'json');\n`);
    const p = await pipelines.create({ name: 'keep', libraries: [{ file: { path: 'keep/p.sql' } }] }, { sourceDir: dir });
    expect((await update(p.pipeline_id)).state).toBe('COMPLETED');
    writeFileSync(join(feed, '2.json'), '{"id":2}\n');
    expect((await update(p.pipeline_id, { full_refresh: true })).state).toBe('COMPLETED');
    // Not reset: no row read twice, the new file appended.
    expect((await rows('main.default.kept', 'id')).map((r) => r.id)).toEqual([1, 2]);
  });
});

describe('maintenance', () => {
  it('OPTIMIZE ZORDERs tables by pipelines.autoOptimize.zOrderCols after an update; reorganised versions do not trigger a recompute', async () => {
    const folder = join(dir, 'maint');
    const feed = join(dir, 'maint-feed');
    mkdirSync(folder, { recursive: true });
    mkdirSync(feed, { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(join(feed, `${i}.json`), `{"id":${i},"k":${10 - i}}\n`);
    writeFileSync(
      join(folder, 'p.sql'),
      `CREATE OR REFRESH STREAMING TABLE m TBLPROPERTIES ('pipelines.autoOptimize.zOrderCols' = 'k') AS SELECT * FROM STREAM read_files('${feed}', format => 'json');
CREATE OR REFRESH MATERIALIZED VIEW m_count AS SELECT count(*) AS n FROM LIVE.m;
`,
    );
    const p = await pipelines.create({ name: 'maint', configuration: { 'pipelines.maintenance.interval': '0 seconds' }, libraries: [{ file: { path: 'maint/p.sql' } }] }, { sourceDir: dir });
    expect((await update(p.pipeline_id)).state).toBe('COMPLETED');
    writeFileSync(join(feed, '3.json'), '{"id":3,"k":7}\n');
    const u = await update(p.pipeline_id);
    expect(u.state).toBe('COMPLETED');
    const conn = await warehouse.connect();
    const history = await DeltaTable.forPath(conn, managedTablePath(dir, 'main.default.m')).history();
    conn.closeSync();
    const optimize = history.find((h) => h.operation === 'OPTIMIZE');
    expect(optimize?.operationParameters?.zOrderBy).toBe('["k"]');
    const maint = (await events(p.pipeline_id, u.update_id, 'maintenance_progress')).map((e) => e.message);
    expect(maint.join('\n')).toMatch(/Maintenance of main\.default\.m: OPTIMIZE ZORDER BY \(k\)/);
    // OPTIMIZE changed no data: the next update finds nothing new and skips the view.
    const idle = await update(p.pipeline_id);
    const view = (await events(p.pipeline_id, idle.update_id, 'flow_progress')).find((e) => e.origin.flow_name === 'main.default.m_count' && e.details.flow_progress.status !== 'RUNNING');
    expect(view.details.flow_progress.status).toBe('SKIPPED');
    expect(await rows('main.default.m_count', 'n')).toEqual([{ n: 4 }]);
  });
});

describe('continuous mode', () => {
  it('keeps picking up new files every trigger interval until stopped, then ends CANCELED', async () => {
    const folder = join(dir, 'live');
    const feed = join(dir, 'live-feed');
    mkdirSync(folder, { recursive: true });
    mkdirSync(feed, { recursive: true });
    writeFileSync(join(feed, '1.json'), '{"id":1}\n');
    writeFileSync(join(folder, 'p.sql'), `CREATE OR REFRESH STREAMING TABLE live_rows AS SELECT * FROM STREAM read_files('${feed}', format => 'json');\n`);
    const p = await pipelines.create({ name: 'live', continuous: true, configuration: { 'pipelines.trigger.interval': '200 ms' }, libraries: [{ file: { path: 'live/p.sql' } }] }, { sourceDir: dir });
    const started = await pipelines.startUpdate(p.pipeline_id, {});
    const count = async () => {
      const conn = await warehouse.connect();
      try {
        const t = DeltaTable.forPath(conn, managedTablePath(dir, 'main.default.live_rows'));
        if (!(await t.exists())) return 0;
        return Number((await conn.runAndReadAll(`SELECT count(*) FROM (${await t.scanSql()})`)).getRows()[0][0]);
      } finally {
        conn.closeSync();
      }
    };
    const until = async (n: number) => {
      for (let i = 0; i < 200 && (await count()) < n; i++) await new Promise((r) => setTimeout(r, 50));
      return count();
    };
    expect(await until(1)).toBe(1);
    writeFileSync(join(feed, '2.json'), '{"id":2}\n{"id":3}\n');
    expect(await until(3)).toBe(3);
    expect((await pipelines.store.getUpdate(started.update_id))?.state).toBe('RUNNING');
    await pipelines.stop(p.pipeline_id);
    expect((await pipelines.waitForUpdate(started.update_id)).state).toBe('CANCELED');
  });
});

describe('AUTO CDC', () => {
  it('applies changes as SCD type 1 and type 2', async () => {
    const folder = join(dir, 'cdc');
    const feed = join(dir, 'cdc-feed');
    mkdirSync(folder, { recursive: true });
    mkdirSync(feed, { recursive: true });
    writeFileSync(join(feed, 'c1.json'), ['{"id":1,"name":"a","op":"I","ts":1}', '{"id":2,"name":"b","op":"I","ts":1}', '{"id":1,"name":"a2","op":"U","ts":2}'].join('\n'));
    writeFileSync(
      join(folder, 'cdc.sql'),
      `CREATE OR REFRESH STREAMING TABLE changes AS SELECT * FROM STREAM read_files('${feed}', format => 'json');
CREATE OR REFRESH STREAMING TABLE people_scd1;
APPLY CHANGES INTO LIVE.people_scd1 FROM STREAM(LIVE.changes) KEYS (id) APPLY AS DELETE WHEN op = 'D' SEQUENCE BY ts COLUMNS * EXCEPT (op) STORED AS SCD TYPE 1;
CREATE OR REFRESH STREAMING TABLE people_scd2;
APPLY CHANGES INTO LIVE.people_scd2 FROM STREAM(LIVE.changes) KEYS (id) APPLY AS DELETE WHEN op = 'D' SEQUENCE BY ts COLUMNS * EXCEPT (op) STORED AS SCD TYPE 2;
`,
    );
    const p = await pipelines.create({ name: 'cdc', libraries: [{ file: { path: 'cdc/cdc.sql' } }] }, { sourceDir: dir });
    expect((await update(p.pipeline_id)).state).toBe('COMPLETED');
    expect(await rows('main.default.people_scd1', 'id')).toEqual([
      { id: 1, name: 'a2', ts: 2 },
      { id: 2, name: 'b', ts: 1 },
    ]);
    writeFileSync(join(feed, 'c2.json'), ['{"id":2,"name":"b","op":"D","ts":3}', '{"id":1,"name":"old","op":"U","ts":0}'].join('\n'));
    expect((await update(p.pipeline_id)).state).toBe('COMPLETED');
    expect(await rows('main.default.people_scd1', 'id')).toEqual([{ id: 1, name: 'a2', ts: 2 }]);
    const scd2 = await rows('main.default.people_scd2', 'id, __START_AT');
    // The late change (ts 0) lands before the first version; id 2's delete closes its version.
    expect(scd2.map((r) => [r.id, r.name, r.__START_AT, r.__END_AT])).toEqual([
      [1, 'old', 0, 1],
      [1, 'a', 1, 2],
      [1, 'a2', 2, null],
      [2, 'b', 1, 3],
    ]);
    // Deleted then inserted again, plus an exact duplicate: a new open version, counted once.
    writeFileSync(join(feed, 'c3.json'), ['{"id":2,"name":"b-again","op":"I","ts":5}', '{"id":2,"name":"b-again","op":"I","ts":5}', '{"id":3,"name":"c","op":"I","ts":4}'].join('\n'));
    expect((await update(p.pipeline_id)).state).toBe('COMPLETED');
    const again = await rows('main.default.people_scd2', 'id, __START_AT');
    expect(again.map((r) => [r.id, r.name, r.__START_AT, r.__END_AT])).toEqual([
      [1, 'old', 0, 1],
      [1, 'a', 1, 2],
      [1, 'a2', 2, null],
      [2, 'b', 1, 3],
      [2, 'b-again', 5, null],
      [3, 'c', 4, null],
    ]);
    expect((await rows('main.default.people_scd1', 'id')).map((r) => [r.id, r.name])).toEqual([
      [1, 'a2'],
      [2, 'b-again'],
      [3, 'c'],
    ]);
    // Later batches of SCD 1 are MERGEs into the existing table.
    const conn = await warehouse.connect();
    const ops = (await DeltaTable.forPath(conn, managedTablePath(dir, 'main.default.people_scd1')).history()).map((h) => h.operation);
    conn.closeSync();
    expect(ops.filter((o) => o === 'MERGE')).toHaveLength(2);
  });
});

describe('compute settings', () => {
  it('size the update: node type memory × (workers + driver) becomes its DuckDB memory limit, reported in cluster_resources and given back after', async () => {
    const folder = join(dir, 'sized');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'p.sql'), `CREATE OR REFRESH MATERIALIZED VIEW one AS SELECT 1 AS id;\n`);
    const conn = await warehouse.connect();
    const limit = async () => String((await conn.runAndReadAll(`SELECT current_setting('memory_limit')`)).getRows()[0][0]);
    const before = await limit();
    const p = await pipelines.create({ name: 'sized', clusters: [{ label: 'default', node_type_id: 'weir.small', num_workers: 1 }], libraries: [{ file: { path: 'sized/p.sql' } }] }, { sourceDir: dir });
    const u = await update(p.pipeline_id);
    expect(u.state).toBe('COMPLETED');
    const [ev] = await events(p.pipeline_id, u.update_id, 'cluster_resources');
    // weir.small has 1 GiB: 2 nodes (1 worker + the driver) get 2048 MiB (the cap, 80% of the machine, is larger here).
    expect(ev.details.cluster_resources).toMatchObject({ num_executors: 1, memory_limit_mb: 2048, node_type_id: 'weir.small' });
    expect(ev.message).toContain('2048 MiB of memory (2 × weir.small)');
    expect(await limit()).toBe(before);
    conn.closeSync();
  });
});
