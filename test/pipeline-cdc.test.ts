import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/domain/clock.js';
import { DuckDbWarehouse } from '../src/engine/duckdb-warehouse.js';
import { DeltaTable } from '../src/lake/delta-table.js';
import { buildPipelineGraph } from '../src/pipelines/graph/pipeline-graph.js';
import { parsePipelineSql } from '../src/pipelines/parse/parse-pipeline-sql.js';
import type { PipelineService } from '../src/pipelines/pipeline-service.js';
import { managedTablePath, startPipelines } from '../src/start-pipelines.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';

// AUTO CDC semantics beyond the basics: SCD 1 tombstones and their retention, APPLY AS TRUNCATE WHEN, TRACK HISTORY ON.
let dir: string;
let store: SqlStore;
let warehouse: DuckDbWarehouse;
let pipelines: PipelineService;
const clock = new ManualClock(Date.UTC(2026, 0, 1));
let n = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-pipe-cdc-'));
  store = await openSqliteStore(join(dir, 'weir.sqlite'));
  warehouse = await DuckDbWarehouse.open(':memory:');
  pipelines = await startPipelines(store, warehouse, clock, dir);
});
afterAll(async () => {
  await pipelines.close();
  await store.close();
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

type Change = { id: number; name?: string; city?: string; op?: string; ts: number };

/** A pipeline of one change feed (JSON files) and the given AUTO CDC SQL over it; helpers to feed, update and read. */
async function cdcPipeline(sql: (feed: string) => string) {
  const name = `cdc${++n}`;
  const feed = join(dir, name, 'feed');
  mkdirSync(feed, { recursive: true });
  writeFileSync(join(dir, name, 'p.sql'), `CREATE OR REFRESH STREAMING TABLE changes AS SELECT * FROM STREAM read_files('${feed}', format => 'json', schemaHints => 'id BIGINT, name STRING, city STRING, op STRING, ts BIGINT');\n${sql(feed)}`);
  const p = await pipelines.create({ name, schema: name, libraries: [{ file: { path: `${name}/p.sql` } }] }, { sourceDir: dir });
  let files = 0;
  return {
    pipelineId: p.pipeline_id,
    async feed(...changes: Change[]) {
      const rows = changes.map((c) => ({ name: null, city: null, op: 'U', ...c }));
      writeFileSync(join(feed, `f${++files}.json`), rows.map((r) => JSON.stringify(r)).join('\n'));
      const u = await pipelines.waitForUpdate((await pipelines.startUpdate(p.pipeline_id, {})).update_id);
      const errors = (await pipelines.store.listEvents(p.pipeline_id, { levels: ['ERROR'], updateId: u.update_id, ascending: true, offset: 0, limit: 10 })).events.map((e) => e.message);
      expect(`${u.state} ${errors.join('\n')}`.trim()).toBe('COMPLETED');
    },
    async rows(table: string, cols: string[], orderBy = 'id') {
      const conn = await warehouse.connect();
      try {
        const scan = await DeltaTable.forPath(conn, managedTablePath(dir, `main.${name}.${table}`)).scanSql();
        const r = await conn.runAndReadAll(`SELECT ${cols.join(', ')} FROM (${scan}) ORDER BY ${orderBy}`);
        return r.getRows().map((row) => row.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
      } finally {
        conn.closeSync();
      }
    },
  };
}

describe('SCD 1 tombstones', () => {
  it('a change older than a delete does not bring the key back; a newer one does; deletes ahead of inserts count too', async () => {
    const p = await cdcPipeline(() => `CREATE OR REFRESH STREAMING TABLE people;
APPLY CHANGES INTO people FROM STREAM(changes) KEYS (id) APPLY AS DELETE WHEN op = 'D' SEQUENCE BY ts COLUMNS * EXCEPT (op, city) STORED AS SCD TYPE 1;`);
    await p.feed({ id: 1, name: 'a', ts: 1 }, { id: 2, name: 'b', ts: 1 });
    await p.feed({ id: 1, op: 'D', ts: 5 }, { id: 9, op: 'D', ts: 10 });
    expect(await p.rows('people', ['id', 'name'])).toEqual([[2, 'b']]);
    // Late: id 1 updated at 3 (before its delete at 5), id 9 inserted at 8 (before its delete at 10).
    await p.feed({ id: 1, name: 'late', ts: 3 }, { id: 9, name: 'early', ts: 8 });
    expect(await p.rows('people', ['id', 'name'])).toEqual([[2, 'b']]);
    // The tombstones live beside the pipeline's checkpoints, not in the table readers see.
    expect(existsSync(join(dir, 'pipelines', p.pipelineId, 'state', `main.${'cdc' + n}.people`, 'tombstones', '_delta_log'))).toBe(true);
    await p.feed({ id: 1, name: 'back', ts: 7 }, { id: 9, name: 'new', ts: 11 });
    expect(await p.rows('people', ['id', 'name', 'ts'])).toEqual([
      [1, 'back', 7],
      [2, 'b', 1],
      [9, 'new', 11],
    ]);
    // The same batch again (a replay) changes nothing.
    await p.feed({ id: 1, op: 'D', ts: 5 }, { id: 1, name: 'late', ts: 3 });
    expect(await p.rows('people', ['id', 'name'])).toEqual([
      [1, 'back'],
      [2, 'b'],
      [9, 'new'],
    ]);
    // A full refresh replays the whole feed in one batch and arrives at the same state.
    const u = await pipelines.waitForUpdate((await pipelines.startUpdate(p.pipelineId, { full_refresh: true })).update_id);
    expect(u.state).toBe('COMPLETED');
    expect(await p.rows('people', ['id', 'name'])).toEqual([
      [1, 'back'],
      [2, 'b'],
      [9, 'new'],
    ]);
  });

  it('forgets tombstones after pipelines.cdc.tombstoneGCThresholdInSeconds', async () => {
    const p = await cdcPipeline(() => `CREATE OR REFRESH STREAMING TABLE people TBLPROPERTIES ('pipelines.cdc.tombstoneGCThresholdInSeconds' = '60');
APPLY CHANGES INTO people FROM STREAM(changes) KEYS (id) APPLY AS DELETE WHEN op = 'D' SEQUENCE BY ts COLUMNS * EXCEPT (op, city);`);
    await p.feed({ id: 1, name: 'a', ts: 1 }, { id: 2, name: 'b', ts: 1 });
    await p.feed({ id: 1, op: 'D', ts: 5 }, { id: 2, op: 'D', ts: 5 });
    clock.advance(30_000);
    await p.feed({ id: 1, name: 'late', ts: 3 });
    expect(await p.rows('people', ['id', 'name'])).toEqual([]);
    clock.advance(31_000);
    await p.feed({ id: 2, name: 'late', ts: 3 });
    expect(await p.rows('people', ['id', 'name'])).toEqual([[2, 'late']]);
  });
});

describe('APPLY AS TRUNCATE WHEN', () => {
  it('empties the target as of the truncate’s sequence; later events apply after it, earlier ones never', async () => {
    const p = await cdcPipeline(() => `CREATE OR REFRESH STREAMING TABLE people;
CREATE FLOW people_cdc AS AUTO CDC INTO people FROM STREAM(changes) KEYS (id)
  APPLY AS DELETE WHEN op = 'D' APPLY AS TRUNCATE WHEN op = 'T' SEQUENCE BY ts COLUMNS * EXCEPT (op, city) STORED AS SCD TYPE 1;`);
    await p.feed({ id: 1, name: 'a', ts: 1 }, { id: 2, name: 'b', ts: 2 }, { id: 3, name: 'c', ts: 9 });
    await p.feed({ id: 0, op: 'T', ts: 5 }, { id: 4, name: 'd', ts: 6 }, { id: 1, name: 'a2', ts: 4 });
    // Rows last changed before 5 are gone (also the change of id 1 at 4); id 3 (changed at 9) and id 4 (6) stay.
    expect(await p.rows('people', ['id', 'name'])).toEqual([
      [3, 'c'],
      [4, 'd'],
    ]);
    await p.feed({ id: 5, name: 'too late', ts: 3 }, { id: 6, name: 'f', ts: 7 });
    expect(await p.rows('people', ['id', 'name'])).toEqual([
      [3, 'c'],
      [4, 'd'],
      [6, 'f'],
    ]);
  });

  it('is refused on SCD TYPE 2 at the statement’s file and line', () => {
    const src = parsePipelineSql(`CREATE OR REFRESH STREAMING TABLE t;\nAPPLY CHANGES INTO t FROM STREAM(s) KEYS (id)\n  APPLY AS TRUNCATE WHEN op = 'T' SEQUENCE BY ts STORED AS SCD TYPE 2;\n`, 'cdc.sql');
    const errors = buildPipelineGraph(src.definitions).errors.map((e) => e.message);
    expect(errors).toEqual([expect.stringMatching(/^cdc\.sql:2:1: AUTO CDC flow main\.default\.t: APPLY AS TRUNCATE WHEN is only for SCD TYPE 1/)]);
  });
});

describe('IGNORE NULL UPDATES on SCD 2', () => {
  it('a NULL in a change keeps the previous value (a late change takes it from the version before it); a key deleted and inserted again inherits nothing', async () => {
    const p = await cdcPipeline(() => `CREATE OR REFRESH STREAMING TABLE people;
APPLY CHANGES INTO people FROM STREAM(changes) KEYS (id) IGNORE NULL UPDATES APPLY AS DELETE WHEN op = 'D' SEQUENCE BY ts COLUMNS * EXCEPT (op)
  STORED AS SCD TYPE 2;`);
    const history = () => p.rows('people', ['id', 'name', 'city', '__START_AT', '__END_AT'], 'id, __START_AT');
    await p.feed({ id: 1, name: 'a', city: 'x', ts: 10 }, { id: 1, name: 'b', ts: 20 });
    expect(await history()).toEqual([
      [1, 'a', 'x', 10, 20],
      [1, 'b', 'x', 20, null],
    ]);
    // Late, between the two: its NULL name comes from the event before it (a). The stored version at 20 keeps the
    // values it was stored with (x): weir keeps versions, not raw events, so a late event does not re-fill later ones.
    await p.feed({ id: 1, city: 'y', ts: 15 });
    expect(await history()).toEqual([
      [1, 'a', 'x', 10, 15],
      [1, 'a', 'y', 15, 20],
      [1, 'b', 'x', 20, null],
    ]);
    await p.feed({ id: 1, op: 'D', ts: 30 }, { id: 1, name: 'c', ts: 40 });
    expect((await history()).slice(2)).toEqual([
      [1, 'b', 'x', 20, 30],
      [1, 'c', null, 40, null],
    ]);
  });
});

describe('TRACK HISTORY ON', () => {
  it('opens versions only for tracked columns; other changes update the version in place, also out of order', async () => {
    const p = await cdcPipeline(() => `CREATE OR REFRESH STREAMING TABLE people;
APPLY CHANGES INTO people FROM STREAM(changes) KEYS (id) APPLY AS DELETE WHEN op = 'D' SEQUENCE BY ts COLUMNS * EXCEPT (op)
  STORED AS SCD TYPE 2 TRACK HISTORY ON * EXCEPT (city);`);
    const history = () => p.rows('people', ['id', 'name', 'city', '__START_AT', '__END_AT'], 'id, __START_AT');
    await p.feed({ id: 1, name: 'a', city: 'x', ts: 10 }, { id: 1, name: 'a', city: 'y', ts: 20 }, { id: 1, name: 'b', city: 'y', ts: 30 });
    expect(await history()).toEqual([
      [1, 'a', 'y', 10, 30],
      [1, 'b', 'y', 30, null],
    ]);
    // Late, inside the first version: older than its last in-place update (20), so city stays y.
    await p.feed({ id: 1, name: 'a', city: 'late', ts: 15 });
    expect(await history()).toEqual([
      [1, 'a', 'y', 10, 30],
      [1, 'b', 'y', 30, null],
    ]);
    // Late with a tracked change: splits the first version. A replayed event and an in-place update of the current one.
    await p.feed({ id: 1, name: 'c', city: 'y', ts: 25 }, { id: 1, name: 'b', city: 'y', ts: 30 }, { id: 1, name: 'b', city: 'z', ts: 40 });
    expect(await history()).toEqual([
      [1, 'a', 'y', 10, 25],
      [1, 'c', 'y', 25, 30],
      [1, 'b', 'z', 30, null],
    ]);
    // A delete closes the current version; the same values after it open a new one.
    await p.feed({ id: 1, op: 'D', ts: 50 }, { id: 1, name: 'b', city: 'z', ts: 60 });
    expect((await history()).slice(2)).toEqual([
      [1, 'b', 'z', 30, 50],
      [1, 'b', 'z', 60, null],
    ]);
  });

  it('tracks the listed columns of a TypeScript createAutoCdcFlow', async () => {
    const name = `cdc${++n}`;
    const feed = join(dir, name, 'feed');
    mkdirSync(feed, { recursive: true });
    writeFileSync(join(feed, 'f1.json'), ['{"id":1,"name":"a","city":"x","ts":1}', '{"id":1,"name":"a","city":"y","ts":2}', '{"id":1,"name":"b","city":"y","ts":3}'].join('\n'));
    const define = join(process.cwd(), 'src/pipelines/define');
    writeFileSync(
      join(dir, name, 'p.ts'),
      `import { streamingTable, createStreamingTable } from '${define}/define-datasets.ts';
import { createAutoCdcFlow, definePipeline } from '${define}/define-flows.ts';
export default definePipeline(
  streamingTable({ name: 'changes' }, "SELECT * FROM STREAM read_files('${feed}', format => 'json')"),
  createStreamingTable({ name: 'people' }),
  createAutoCdcFlow({ target: 'people', source: 'changes', keys: ['id'], sequenceBy: 'ts', storedAsScdType: 2, trackHistoryColumnList: ['name'] }),
);
`,
    );
    const p = await pipelines.create({ name, schema: name, libraries: [{ file: { path: `${name}/p.ts` } }] }, { sourceDir: dir });
    const u = await pipelines.waitForUpdate((await pipelines.startUpdate(p.pipeline_id, {})).update_id);
    const errors = (await pipelines.store.listEvents(p.pipeline_id, { levels: ['ERROR'], updateId: u.update_id, ascending: true, offset: 0, limit: 10 })).events.map((e) => e.message);
    expect(`${u.state} ${errors.join('\n')}`.trim()).toBe('COMPLETED');
    const conn = await warehouse.connect();
    const scan = await DeltaTable.forPath(conn, managedTablePath(dir, `main.${name}.people`)).scanSql();
    const rows = (await conn.runAndReadAll(`SELECT name, city, __START_AT, __END_AT FROM (${scan}) ORDER BY __START_AT`)).getRows();
    conn.closeSync();
    expect(rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)))).toEqual([
      ['a', 'y', 1, 3],
      ['b', 'y', 3, null],
    ]);
  });
});
