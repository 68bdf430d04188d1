import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { loadPipelineFiles } from '../src/bundle/load-pipeline-files.js';
import { systemClock } from '../src/domain/clock.js';
import { DuckDbWarehouse } from '../src/engine/duckdb-warehouse.js';
import { DeltaTable } from '../src/lake/delta-table.js';
import { managedTablePath, startPipelines } from '../src/start-pipelines.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';

const EXAMPLES = resolve(import.meta.dirname, '../examples');

it('the example sales pipeline loads from examples/ and completes with its expectations measured', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-example-pipe-'));
  const store = await openSqliteStore(join(dir, 'weir.sqlite'));
  const warehouse = await DuckDbWarehouse.open(':memory:');
  const pipelines = await startPipelines(store, warehouse, systemClock, dir);
  try {
    const ids = await loadPipelineFiles(pipelines, EXAMPLES);
    const id = ids.get('sales_pipeline')!;
    expect(id).toBeTruthy();
    // Loading again updates the same pipeline.
    expect((await loadPipelineFiles(pipelines, EXAMPLES)).get('sales_pipeline')).toBe(id);
    const u = await pipelines.waitForUpdate((await pipelines.startUpdate(id, {})).update_id);
    const errors = (await pipelines.store.listEvents(id, { levels: ['ERROR'], ascending: true, offset: 0, limit: 10 })).events.map((e) => e.message);
    expect(u.state, errors.join('\n')).toBe('COMPLETED');
    const conn = await warehouse.connect();
    const count = async (t: string) => Number((await conn.runAndReadAll(`SELECT count(*) FROM (${await DeltaTable.forPath(conn, managedTablePath(dir, t)).scanSql()})`)).getRows()[0][0]);
    expect(await count('main.sales.orders_raw')).toBe(300);
    // 8 rows of the sample data have a quantity below 1: the DROP ROW expectation removes them.
    expect(await count('main.sales.orders')).toBe(292);
    expect(await count('main.sales.customers')).toBeGreaterThan(0);
    expect(await count('main.sales.daily_revenue')).toBeGreaterThan(0);
    conn.closeSync();
    const flow = (await pipelines.store.listEvents(id, { eventTypes: ['flow_progress'], updateId: u.update_id, ascending: true, offset: 0, limit: 100 })).events.find(
      (e) => e.origin.flow_name === 'main.sales.orders' && (e.details.flow_progress as { status: string }).status === 'COMPLETED',
    );
    const dq = (flow?.details.flow_progress as { data_quality: { dropped_records: number; expectations: { name: string; failed_records: number }[] } }).data_quality;
    expect(dq.dropped_records).toBe(8);
    expect(dq.expectations.find((x) => x.name === 'valid_quantity')?.failed_records).toBe(8);
    // 'cancelled' is not a known status: a warn expectation counts the rows and keeps them.
    expect(dq.expectations.find((x) => x.name === 'known_status')?.failed_records).toBe(31);
  } finally {
    await pipelines.close();
    await store.close();
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('validate_only on the example sales pipeline completes (flows checked on one connection keep their own inputs)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-example-validate-'));
  const store = await openSqliteStore(join(dir, 'weir.sqlite'));
  const warehouse = await DuckDbWarehouse.open(':memory:');
  const pipelines = await startPipelines(store, warehouse, systemClock, dir);
  try {
    const id = (await loadPipelineFiles(pipelines, EXAMPLES)).get('sales_pipeline')!;
    const u = await pipelines.waitForUpdate((await pipelines.startUpdate(id, { validate_only: true })).update_id);
    const errors = (await pipelines.store.listEvents(id, { levels: ['ERROR'], ascending: true, offset: 0, limit: 10 })).events.map((e) => e.message);
    expect(errors).toEqual([]);
    expect(u.state).toBe('COMPLETED');
  } finally {
    await pipelines.close();
    await store.close();
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
