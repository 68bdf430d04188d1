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

// read_files data quality: schema evolution modes, schemaHints, rescued data and malformed CSV rows.
let dir: string;
let store: SqlStore;
let warehouse: DuckDbWarehouse;
let pipelines: PipelineService;
let n = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-pipe-files-'));
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

/** A pipeline with one streaming table over a fresh landing folder; returns helpers to drop files and update. */
async function pipeline(format: string, options: string) {
  const name = `p${++n}`;
  const landing = join(dir, name, 'landing');
  mkdirSync(landing, { recursive: true });
  writeFileSync(join(dir, name, 'p.sql'), `CREATE OR REFRESH STREAMING TABLE t AS SELECT * FROM STREAM read_files('${landing}', format => '${format}'${options});\n`);
  const p = await pipelines.create({ name, schema: name, libraries: [{ file: { path: `${name}/p.sql` } }] }, { sourceDir: dir });
  return {
    drop: (file: string, text: string) => writeFileSync(join(landing, file), text),
    async update() {
      const u = await pipelines.waitForUpdate((await pipelines.startUpdate(p.pipeline_id, {})).update_id);
      const errors = (await pipelines.store.listEvents(p.pipeline_id, { levels: ['ERROR'], updateId: u.update_id, ascending: true, offset: 0, limit: 10 })).events.map((e) => e.message);
      return { state: u.state, errors: errors.join('\n') };
    },
    async rows(orderBy = 'id') {
      const conn = await warehouse.connect();
      try {
        const sql = await DeltaTable.forPath(conn, managedTablePath(dir, `main.${name}.t`)).scanSql();
        return (await conn.runAndReadAll(`SELECT * FROM (${sql}) ORDER BY ${orderBy}`)).getRowObjectsJson();
      } finally {
        conn.closeSync();
      }
    },
  };
}

describe('schema evolution of file sources', () => {
  it('addNewColumns (the default) adds a new column to the table; earlier rows hold NULL', async () => {
    const p = await pipeline('json', '');
    p.drop('1.json', '{"id":1,"v":"a"}\n');
    expect((await p.update()).state).toBe('COMPLETED');
    p.drop('2.json', '{"id":2,"v":"b","extra":"x"}\n');
    expect((await p.update()).state).toBe('COMPLETED');
    expect(await p.rows()).toEqual([
      { id: '1', v: 'a', extra: null },
      { id: '2', v: 'b', extra: 'x' },
    ]);
  });

  it('rescue packs new columns into _rescued_data, so no value is lost', async () => {
    const p = await pipeline('json', ", rescuedDataColumn => '_rescued_data', schemaEvolutionMode => 'rescue'");
    p.drop('1.json', '{"id":1,"v":"a"}\n');
    expect((await p.update()).state).toBe('COMPLETED');
    p.drop('2.json', '{"id":2,"v":"b","extra":"x","more":3}\n');
    expect((await p.update()).state).toBe('COMPLETED');
    const rows = await p.rows();
    expect(rows.map((r) => [r.id, r.v, r._rescued_data && JSON.parse(String(r._rescued_data))])).toEqual([
      ['1', 'a', null],
      ['2', 'b', { extra: 'x', more: 3 }],
    ]);
    expect(Object.keys(rows[0])).not.toContain('extra');
  });

  it('failOnNewColumns fails the flow naming the column; none drops it', async () => {
    const fail = await pipeline('json', ", schemaEvolutionMode => 'failOnNewColumns'");
    fail.drop('1.json', '{"id":1}\n');
    expect((await fail.update()).state).toBe('COMPLETED');
    fail.drop('2.json', '{"id":2,"surprise":true}\n');
    const r = await fail.update();
    expect(r.state).toBe('FAILED');
    expect(r.errors).toMatch(/new column\(s\) surprise appeared .*failOnNewColumns/);
    const none = await pipeline('json', ", schemaEvolutionMode => 'none'");
    none.drop('1.json', '{"id":1}\n');
    expect((await none.update()).state).toBe('COMPLETED');
    none.drop('2.json', '{"id":2,"ignored":true}\n');
    expect((await none.update()).state).toBe('COMPLETED');
    expect(await none.rows()).toEqual([{ id: '1' }, { id: '2' }]);
  });
});

describe('malformed CSV rows', () => {
  const csv = 'id,amount\n1,10\n2,abc\n3,30\n4,40,extra\n';

  it('fail the flow with the file and line when there is no rescued data column', async () => {
    const p = await pipeline('csv', ", header => true, schemaHints => 'id BIGINT, amount BIGINT'");
    p.drop('orders.csv', csv);
    const r = await p.update();
    expect(r.state).toBe('FAILED');
    expect(r.errors).toMatch(/2 CSV row\(s\) could not be read: .*orders\.csv:3: .*abc.*orders\.csv:5: /);
  });

  it("land in _rescued_data with the raw line, file and line number when there is one", async () => {
    const p = await pipeline('csv', ", header => true, schemaHints => 'id BIGINT, amount BIGINT', rescuedDataColumn => '_rescued_data'");
    p.drop('orders.csv', csv);
    expect((await p.update()).state).toBe('COMPLETED');
    const rows = await p.rows('id NULLS LAST, _rescued_data');
    expect(rows.slice(0, 2).map((r) => [r.id, r.amount, r._rescued_data])).toEqual([
      ['1', '10', null],
      ['3', '30', null],
    ]);
    const rescued = rows.slice(2).map((r) => JSON.parse(String(r._rescued_data)));
    expect(rescued.map((x) => [x.raw, x.line, x.file_path.endsWith('orders.csv')])).toEqual([
      ['2,abc', 3, true],
      ['4,40,extra', 5, true],
    ]);
  });
});
