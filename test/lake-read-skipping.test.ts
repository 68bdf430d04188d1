/**
 * File skipping. The property: for random data spread over several Parquet files (with stats shaped the way
 * writers really produce them: strings cut to 32 characters without a tie-breaker, timestamps truncated to ms)
 * and random predicates, a skipped file never holds a matching row and the skipping scan returns exactly what a
 * full scan followed by the filter returns. Plus partition pruning on a Spark table and on a weir-written table.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versionStem, type Action } from '../src/lake/actions.js';
import { DeltaTable } from '../src/lake/delta-table.js';
import { loadSnapshot } from '../src/lake/load-snapshot.js';
import { predicateSql, type Literal, type Predicate } from '../src/lake/scan/predicate.js';
import { scanSql } from '../src/lake/scan/scan-sql.js';
import type { Snapshot } from '../src/lake/snapshot.js';

let instance: DuckDBInstance;
let conn: DuckDBConnection;
let root: string;
let n = 0;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  root = mkdtempSync(join(tmpdir(), 'weir-lake-read-skip-'));
});
afterAll(() => {
  conn?.closeSync();
  instance?.closeSync();
  rmSync(root, { recursive: true, force: true });
});

const LONG = 'x'.repeat(31);
const STRINGS = ['', 'a', 'ab', 'b', 'é', `${LONG}a`, `${LONG}ab`, `${LONG}b`, `${LONG}bz`];
const PARTS = ['a', 'b', 'c w'];
const BASE_US = 1_704_103_200_000_000n; // 2024-01-01T10:00:00Z
interface Row { i: number | null; d: number | null; s: string | null; ts: number | null; dt: number | null }
interface File { p: string | null; rows: Row[] }

const rowArb: fc.Arbitrary<Row> = fc.record({
  i: fc.option(fc.integer({ min: -20, max: 20 })),
  d: fc.option(fc.constantFrom(-1.5, 0, 0.25, 2, 3.75, 1e10)),
  s: fc.option(fc.oneof(fc.constantFrom(...STRINGS.slice(0, 5)), fc.constantFrom(...STRINGS.slice(5)))),
  ts: fc.option(fc.integer({ min: 0, max: 5_000 })), // µs offsets: ms truncation matters at this scale
  dt: fc.option(fc.integer({ min: 0, max: 30 })),
});
const filesArb = fc.array(fc.record({ p: fc.option(fc.constantFrom(...PARTS)), rows: fc.array(rowArb, { minLength: 1, maxLength: 6 }) }), { minLength: 1, maxLength: 6 });

const tsText = (us: bigint): string => new Date(Number(us / 1000n)).toISOString().replace('Z', `${String(us % 1000n).padStart(3, '0')}Z`);
const tsMsText = (us: bigint): string => new Date(Number(us / 1000n)).toISOString(); // Spark-style stats: ms
const dateText = (days: number): string => new Date(Date.UTC(2024, 0, 1 + days)).toISOString().slice(0, 10);

const literalArb: Record<string, fc.Arbitrary<Literal>> = {
  i: fc.integer({ min: -22, max: 22 }),
  d: fc.constantFrom(-2, -1.5, 0, 0.25, 1, 3.75, 1e10),
  s: fc.oneof(fc.constantFrom(...STRINGS, 'aa'), fc.constantFrom(`${LONG}ab`, `${LONG}b`, `${LONG}bz`, `${LONG}c`)),
  ts: fc.integer({ min: -10, max: 5_010 }).map((o) => tsText(BASE_US + BigInt(o))),
  dt: fc.integer({ min: -1, max: 31 }).map(dateText),
  p: fc.constantFrom(...PARTS, 'zz'),
};
const columnArb = fc.constantFrom('i', 'd', 's', 'ts', 'dt', 'p');
const leafArb: fc.Arbitrary<Predicate> = columnArb.chain((column) =>
  fc.oneof(
    fc.record({ op: fc.constantFrom('=', '!=', '<', '<=', '>', '>=' as const), value: literalArb[column] }).map((r) => ({ ...r, column }) as Predicate),
    fc.array(literalArb[column], { minLength: 1, maxLength: 3 }).map((values) => ({ op: 'in', column, values }) as Predicate),
    fc.constantFrom('isNull', 'isNotNull' as const).map((op) => ({ op, column }) as Predicate),
  ));
const predicateArb: fc.Arbitrary<Predicate> = fc.letrec<{ p: Predicate }>((tie) => ({
  p: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.record({ op: fc.constantFrom('and', 'or' as const), args: fc.array(tie('p'), { minLength: 1, maxLength: 3 }) }) as fc.Arbitrary<Predicate>,
    tie('p').map((arg) => ({ op: 'not', arg }) as Predicate),
  ),
})).p;

function statsOf(rows: Row[]): string {
  const min: Record<string, unknown> = {};
  const max: Record<string, unknown> = {};
  const nulls: Record<string, number> = {};
  for (const c of ['i', 'd', 's', 'ts', 'dt'] as const) {
    const vs = rows.map((r) => r[c]).filter((v): v is number & string => v !== null);
    nulls[c] = rows.length - vs.length;
    if (vs.length === 0) continue;
    const sorted = [...vs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const [lo, hi] = [sorted[0], sorted[sorted.length - 1]];
    if (c === 's') [min[c], max[c]] = [String(lo).slice(0, 32), String(hi).slice(0, 32)]; // no tie-breaker: worst case
    else if (c === 'ts') [min[c], max[c]] = [tsMsText(BASE_US + BigInt(lo)), tsMsText(BASE_US + BigInt(hi))];
    else if (c === 'dt') [min[c], max[c]] = [dateText(lo), dateText(hi)];
    else [min[c], max[c]] = [lo, hi];
  }
  return JSON.stringify({ numRecords: rows.length, minValues: min, maxValues: max, nullCount: nulls });
}

const SCHEMA = JSON.stringify({ type: 'struct', fields: [['i', 'long'], ['d', 'double'], ['s', 'string'], ['ts', 'timestamp'], ['dt', 'date'], ['p', 'string']].map(([name, type]) => ({ name, type, nullable: true, metadata: {} })) });
const sqlValue = (v: unknown, cast: string): string => (v === null ? `NULL::${cast}` : typeof v === 'string' ? `'${v.replace(/'/g, "''")}'::${cast}` : `${v}::${cast}`);

async function writeTable(files: File[]): Promise<Snapshot> {
  const dir = join(root, `t${n++}`);
  mkdirSync(join(dir, '_delta_log'), { recursive: true });
  const actions: Action[] = [{ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }, { metaData: { id: 't', format: { provider: 'parquet' }, schemaString: SCHEMA, partitionColumns: ['p'], configuration: {} } }];
  for (let k = 0; k < files.length; k++) {
    const rows = files[k].rows.map((r) => `(${[sqlValue(r.i, 'BIGINT'), sqlValue(r.d, 'DOUBLE'), sqlValue(r.s, 'VARCHAR'), r.ts === null ? 'NULL::TIMESTAMPTZ' : `make_timestamp(${BASE_US + BigInt(r.ts)})::TIMESTAMPTZ`, r.dt === null ? 'NULL::DATE' : `DATE '${dateText(r.dt)}'`].join(', ')})`);
    await conn.run(`COPY (SELECT * FROM (VALUES ${rows.join(', ')}) t(i, d, s, ts, dt)) TO '${join(dir, `f${k}.parquet`)}' (FORMAT parquet)`);
    actions.push({ add: { path: `f${k}.parquet`, partitionValues: { p: files[k].p }, size: 1, modificationTime: 0, dataChange: true, stats: statsOf(files[k].rows) } });
  }
  writeFileSync(join(dir, '_delta_log', `${versionStem(0)}.json`), actions.map((a) => JSON.stringify(a)).join('\n'));
  return loadSnapshot(dir);
}
async function count(sql: string): Promise<number> {
  return Number((await conn.runAndReadAll(`SELECT count(*)::INTEGER FROM (${sql})`)).getRows()[0][0]);
}

describe('file skipping', () => {
  it('never skips a file holding a matching row (property)', async () => {
    let skippedTotal = 0;
    await fc.assert(
      fc.asyncProperty(filesArb, predicateArb, async (files, filter) => {
        const snapshot = await writeTable(files);
        const skipping = await scanSql(conn, snapshot, { filter });
        const full = await scanSql(conn, snapshot);
        const expected = `SELECT * FROM (${full.sql}) WHERE ${predicateSql(filter)}`;
        expect(skipping.filesRead + skipping.filesSkipped).toBe(files.length);
        skippedTotal += skipping.filesSkipped;
        const skippedFiles = snapshot.files.filter((f) => !skipping.files.includes(f));
        if (skippedFiles.length > 0) expect(await count((await scanSql(conn, { ...snapshot, files: skippedFiles }, { filter })).sql)).toBe(0);
        expect(await count(skipping.sql)).toBe(await count(expected));
        expect(await count(`(${expected}) EXCEPT ALL (${skipping.sql})`)).toBe(0);
      }),
      { numRuns: 150, seed: 20261129 },
    );
    expect(skippedTotal).toBeGreaterThan(50); // the property must exercise real skipping, not keep every file
  }, 120_000);

  it('skips on stats: numbers, strings, timestamps (ms-truncated max widened), dates, null counts', async () => {
    const row = (o: Partial<Row>): Row => ({ i: null, d: null, s: null, ts: null, dt: null, ...o });
    const snapshot = await writeTable([
      { p: 'a', rows: [row({ i: 1, s: 'a', ts: 1_500, dt: 1 }), row({ i: 5, s: 'b', ts: 1_999, dt: 3 })] },
      { p: 'b', rows: [row({ i: 10, s: `${LONG}ab`, ts: 4_000, dt: 20 }), row({ i: 12, s: `${LONG}bz` })] },
      { p: null, rows: [row({})] },
    ]);
    const read = async (filter: Predicate) => (await scanSql(conn, snapshot, { filter })).filesRead;
    expect(await read({ op: '>', column: 'i', value: 7 })).toBe(1);
    expect(await read({ op: '=', column: 'i', value: 6 })).toBe(0);
    expect(await read({ op: 'in', column: 'i', value: 0, values: [1, 11] } as Predicate)).toBe(2);
    // 1_999 µs is stored as max "…00.001Z"; a filter at 1_999 µs must still read the first file.
    expect(await read({ op: '>=', column: 'ts', value: tsText(BASE_US + 1_999n) })).toBe(2);
    expect(await read({ op: '>', column: 'ts', value: tsText(BASE_US + 4_999n) })).toBe(0);
    // A 32-character max may be a cut prefix ("x…xb" for "x…xbz"): it cannot bound the file from above.
    expect(await read({ op: '>', column: 's', value: `${LONG}b` })).toBe(1);
    expect(await read({ op: '<', column: 'dt', value: '2024-01-02' })).toBe(0); // min is 2024-01-02
    expect(await read({ op: '<', column: 'dt', value: '2024-01-03' })).toBe(1);
    expect(await read({ op: 'isNull', column: 'p' })).toBe(1);
    expect(await read({ op: 'not', arg: { op: 'isNull', column: 'i' } })).toBe(2);
    expect(await read({ op: 'or', args: [{ op: '=', column: 'p', value: 'a' }, { op: '<', column: 'i', value: 0 }] })).toBe(1);
    await expect(scanSql(conn, { ...snapshot, files: [] }, { filter: { op: '=', column: 'nope', value: 1 } })).rejects.toMatchObject({ code: 'VALIDATION.INVALID', message: expect.stringContaining('"nope"') });
  });

  it('keeps float files whose stats print the float32 value as a double', async () => {
    const dir = join(root, `t${n++}`);
    mkdirSync(join(dir, '_delta_log'), { recursive: true });
    await conn.run(`COPY (SELECT 1.1::FLOAT AS f) TO '${join(dir, 'f.parquet')}' (FORMAT parquet)`);
    const schema = JSON.stringify({ type: 'struct', fields: [{ name: 'f', type: 'float', nullable: true, metadata: {} }] });
    const stats = JSON.stringify({ numRecords: 1, minValues: { f: 1.100000023841858 }, maxValues: { f: 1.100000023841858 }, nullCount: { f: 0 } });
    const actions: Action[] = [{ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }, { metaData: { id: 't', format: { provider: 'parquet' }, schemaString: schema, partitionColumns: [], configuration: {} } }, { add: { path: 'f.parquet', partitionValues: {}, size: 1, modificationTime: 0, dataChange: true, stats } }];
    writeFileSync(join(dir, '_delta_log', `${versionStem(0)}.json`), actions.map((a) => JSON.stringify(a)).join('\n'));
    const snapshot = await loadSnapshot(dir);
    // DuckDB compares a FLOAT column with 1.1 in float precision, so the row matches `f = 1.1`.
    const plan = await scanSql(conn, snapshot, { filter: { op: '=', column: 'f', value: 1.1 } });
    expect([plan.filesRead, await count(plan.sql)]).toEqual([1, 1]);
    expect((await scanSql(conn, snapshot, { filter: { op: '>', column: 'f', value: 1.2 } })).filesRead).toBe(0);
  });

  it('prunes partitions of a Spark-written table', async () => {
    const table = resolve(import.meta.dirname, '..', '../shared/testdata/delta/delta-rs/delta-0.8.0-partitioned');
    if (!existsSync(table)) {
      console.warn(`lake-read-skipping: ${table} not found; Spark partition pruning case skipped`);
      return;
    }
    const snapshot = await loadSnapshot(table);
    const plan = await scanSql(conn, snapshot, { filter: { op: 'and', args: [{ op: '=', column: 'year', value: '2021' }, { op: '=', column: 'month', value: '12' }] } });
    expect([plan.filesRead, plan.filesSkipped]).toEqual([2, 4]);
    expect(await count(plan.sql)).toBe(await count(`SELECT * FROM (${(await scanSql(conn, snapshot)).sql}) WHERE year = '2021' AND month = '12'`));
    expect(await count(plan.sql)).toBeGreaterThan(0);
  });

  it('skips files of a table weir itself wrote, using the writer\'s stats', async () => {
    const t = DeltaTable.forPath(conn, join(root, 'written'));
    for (let k = 0; k < 5; k++) await t.append(`SELECT range + ${k * 100} AS id, 'k${k}' AS tag FROM range(50)`);
    const snapshot = await loadSnapshot(t.tablePath);
    const plan = await scanSql(conn, snapshot, { filter: { op: 'and', args: [{ op: '>=', column: 'id', value: 210 }, { op: '<', column: 'id', value: 320 }] } });
    expect([plan.filesRead, plan.filesSkipped]).toEqual([2, 3]);
    expect(await count(plan.sql)).toBe(40 + 20); // 210..249 and 300..319
  });
});

describe('file skipping on real writers\' stats', () => {
  const base = resolve(import.meta.dirname, '..', '../shared/testdata/delta/delta-rs');
  const tables = ['delta-0.8.0', 'delta-stats-optional', 'delta-checkpoint-stats-optional', 'delta-1.2.1-only-struct-stats', 'table_with_edge_timestamps', 'table_with_column_mapping', 'table-with-dv-small', 'cdf-table', 'delta-2.2.0-partitioned-types', 'partition-type-primitives', 'table_with_null_stats_in_notnull_struct', 'simple_table_with_checkpoint'];
  it.skipIf(!existsSync(base))('for every comparable column and observed value, skipping keeps every matching row', async () => {
    let skipped = 0;
    let checked = 0;
    for (const name of tables) {
      const snapshot = await loadSnapshot(join(base, name));
      const full = (await scanSql(conn, snapshot)).sql;
      const described = (await conn.runAndReadAll(`DESCRIBE ${full}`)).getRowObjectsJson();
      const columns = described.filter((r) => /^(BIGINT|INTEGER|SMALLINT|TINYINT|DOUBLE|FLOAT|VARCHAR|DATE|DECIMAL.*|TIMESTAMP.*)$/.test(String(r.column_type))).map((r) => String(r.column_name));
      for (const column of columns) {
        const values = (await conn.runAndReadAll(`SELECT DISTINCT "${column.replace(/"/g, '""')}"::VARCHAR FROM (${full}) WHERE "${column.replace(/"/g, '""')}" IS NOT NULL`)).getRows().map((r) => String(r[0]));
        for (const value of values.slice(0, 4)) {
          for (const op of ['=', '<', '>', '<=', '>='] as const) {
            const filter: Predicate = { op, column, value };
            const plan = await scanSql(conn, snapshot, { filter });
            skipped += plan.filesSkipped;
            checked++;
            const expected = `SELECT * FROM (${full}) WHERE ${predicateSql(filter)}`;
            expect(await count(plan.sql), `${name}: ${column} ${op} ${value}`).toBe(await count(expected));
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(200);
    expect(skipped).toBeGreaterThan(50);
  }, 120_000);
});
