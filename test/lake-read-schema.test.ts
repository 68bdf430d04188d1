/**
 * Schema handling of the reader: schemaString → typed StructType → DuckDB types; typed partition values (nulls,
 * both timestamp formats, binary, decimals, the literal "null"); column mapping in name mode (nested renames) and
 * id mode (Parquet field ids); timestamp vs timestamp_ntz; schema evolution; typed empty relations.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versionStem, type Action } from '../src/lake/actions.js';
import { loadSnapshot } from '../src/lake/load-snapshot.js';
import { scanSql } from '../src/lake/scan/scan-sql.js';
import { duckDbType } from '../src/lake/schema/duckdb-type.js';
import { parseSchema } from '../src/lake/schema/struct-type.js';

let instance: DuckDBInstance;
let conn: DuckDBConnection;
let root: string;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  await conn.run(`SET TimeZone = 'America/New_York'`); // Delta timestamps must not depend on the session zone
  root = mkdtempSync(join(tmpdir(), 'weir-lake-read-schema-'));
});
afterAll(() => {
  conn?.closeSync();
  instance?.closeSync();
  rmSync(root, { recursive: true, force: true });
});

type Field = { name: string; type: unknown; nullable?: boolean; metadata?: Record<string, unknown> };
const struct = (fields: Field[]) => ({ type: 'struct', fields: fields.map((f) => ({ nullable: true, metadata: {}, ...f })) });

function table(fields: Field[], partitionColumns: string[], adds: Array<Record<string, unknown>>, configuration: Record<string, string> = {}, protocol = { minReaderVersion: 1, minWriterVersion: 2 }): string {
  const dir = mkdtempSync(join(root, 't-'));
  mkdirSync(join(dir, '_delta_log'));
  const actions: Action[] = [
    { protocol },
    { metaData: { id: 'x', format: { provider: 'parquet' }, schemaString: JSON.stringify(struct(fields)), partitionColumns, configuration } },
    ...adds.map((a): Action => ({ add: { partitionValues: {}, size: 1, modificationTime: 0, dataChange: true, ...a } as never })),
  ];
  writeFileSync(join(dir, '_delta_log', `${versionStem(0)}.json`), actions.map((a) => JSON.stringify(a)).join('\n'));
  return dir;
}
async function rowsOf(sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

describe('schema', () => {
  it('parses every primitive and nested type and maps it to DuckDB', () => {
    const schema = parseSchema(JSON.stringify(struct([
      ...['string', 'long', 'integer', 'short', 'byte', 'float', 'double', 'boolean', 'binary', 'date', 'timestamp', 'timestamp_ntz', 'decimal(10,2)'].map((t, i) => ({ name: `c${i}`, type: t })),
      { name: 'arr', type: { type: 'array', elementType: 'integer', containsNull: true } },
      { name: 'm', type: { type: 'map', keyType: 'string', valueType: { type: 'array', elementType: 'long', containsNull: false }, valueContainsNull: true } },
      { name: 's', type: struct([{ name: 'x y', type: 'double' }]) },
    ])), 't');
    expect(schema.fields.map((f) => duckDbType(f.type))).toEqual([
      'VARCHAR', 'BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT', 'FLOAT', 'DOUBLE', 'BOOLEAN', 'BLOB', 'DATE', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP', 'DECIMAL(10,2)',
      'INTEGER[]', 'MAP(VARCHAR, BIGINT[])', 'STRUCT("x y" DOUBLE)',
    ]);
    expect(schema.fields[12].type).toEqual({ type: 'primitive', name: 'decimal', precision: 10, scale: 2 });
    expect(() => parseSchema(JSON.stringify(struct([{ name: 'bad', type: 'int' }])), 't')).toThrow(expect.objectContaining({ code: 'DELTA.LOG_CORRUPT', message: expect.stringContaining('at bad: unknown primitive type "int"') }));
  });

  it('types partition values per the schema, with every spelling of null', async () => {
    const parts = ['s', 'i', 'l', 'd', 'b', 'dt', 'ts', 'ntz', 'bin', 'dec'];
    const types = ['string', 'integer', 'long', 'double', 'boolean', 'date', 'timestamp', 'timestamp_ntz', 'binary', 'decimal(6,2)'];
    const values: Array<Record<string, string | null>> = [
      { s: 'null', i: '-7', l: '9007199254740993', d: '2.5', b: 'true', dt: '2024-02-29', ts: '2024-01-01 10:00:00', ntz: '2024-01-01 10:00:00.123456', bin: '😈', dec: '1234.56' },
      { s: '', i: null, l: '__HIVE_DEFAULT_PARTITION__', d: '', b: 'false', dt: null, ts: '2024-01-01T10:00:00.000000Z', ntz: null, bin: null, dec: null },
      {},
    ];
    const adds = [];
    for (let k = 0; k < values.length; k++) {
      await conn.run(`COPY (SELECT ${k} AS k) TO '${join(root, `pv${k}.parquet`)}' (FORMAT parquet)`);
      adds.push({ path: join(root, `pv${k}.parquet`), partitionValues: values[k] });
    }
    const dir = table([{ name: 'k', type: 'integer' }, ...parts.map((p, i) => ({ name: p, type: types[i] }))], parts, adds);
    const plan = await scanSql(conn, await loadSnapshot(dir));
    const rows = await rowsOf(`SELECT k, s, i, l::VARCHAR AS l, d, b, dt::VARCHAR AS dt, epoch_us(ts) AS ts, ntz::VARCHAR AS ntz, hex(bin) AS bin, dec::VARCHAR AS dec FROM (${plan.sql}) ORDER BY k`);
    expect(rows[0]).toEqual({ k: 0, s: 'null', i: -7, l: '9007199254740993', d: 2.5, b: true, dt: '2024-02-29', ts: '1704103200000000', ntz: '2024-01-01 10:00:00.123456', bin: 'F09F9888', dec: '1234.56' });
    expect(rows[1]).toEqual({ k: 1, s: null, i: null, l: null, d: null, b: false, dt: null, ts: '1704103200000000', ntz: null, bin: null, dec: null });
    expect(Object.values(rows[2]).filter((v) => v !== null)).toEqual([2]);
  });

  it('column mapping name mode: physical columns and nested fields come back under logical names', async () => {
    const file = join(root, 'cm-name.parquet');
    await conn.run(`COPY (SELECT 1::BIGINT AS "col-1", {'col-3': 'in', 'col-4': [{'col-5': 5}]} AS "col-2") TO '${file}' (FORMAT parquet)`);
    const mapped = (name: string, id: number, type: unknown): Field => ({ name, type, metadata: { 'delta.columnMapping.id': id, 'delta.columnMapping.physicalName': `col-${id}` } });
    const dir = table([
      mapped('Id Number', 1, 'long'),
      mapped('Nested', 2, struct([mapped('Inner Name', 3, 'string'), mapped('List', 4, { type: 'array', elementType: struct([mapped('Deep', 5, 'integer')]), containsNull: true })])),
      mapped('Added Later', 6, 'string'),
    ], [], [{ path: 'cm-name.parquet' }], { 'delta.columnMapping.mode': 'name' }, { minReaderVersion: 2, minWriterVersion: 5 });
    writeFileSync(join(dir, 'cm-name.parquet'), '');
    await conn.run(`COPY (SELECT * FROM '${file}') TO '${join(dir, 'cm-name.parquet')}' (FORMAT parquet)`);
    const plan = await scanSql(conn, await loadSnapshot(dir));
    expect(await rowsOf(`SELECT "Id Number", "Nested"."Inner Name" AS inner_name, "Nested"."List"[1]."Deep" AS deep, "Added Later" FROM (${plan.sql})`)).toEqual([
      { 'Id Number': '1', inner_name: 'in', deep: 5, 'Added Later': null },
    ]);
  });

  it('column mapping id mode: columns found by Parquet field id whatever their stored name', async () => {
    const dir = table([
      { name: 'a', type: 'long', metadata: { 'delta.columnMapping.id': 5, 'delta.columnMapping.physicalName': 'col-aaa' } },
      { name: 'b', type: 'string', metadata: { 'delta.columnMapping.id': 6, 'delta.columnMapping.physicalName': 'col-bbb' } },
      { name: 'c', type: 'integer', metadata: { 'delta.columnMapping.id': 9, 'delta.columnMapping.physicalName': 'col-ccc' } },
    ], [], [{ path: 'ids.parquet' }], { 'delta.columnMapping.mode': 'id' }, { minReaderVersion: 2, minWriterVersion: 5 });
    await conn.run(`COPY (SELECT 1::BIGINT AS renamed_a, 'x' AS whatever_b) TO '${join(dir, 'ids.parquet')}' (FORMAT parquet, FIELD_IDS {renamed_a: 5, whatever_b: 6})`);
    const plan = await scanSql(conn, await loadSnapshot(dir));
    expect(await rowsOf(plan.sql)).toEqual([{ a: '1', b: 'x', c: null }]);
  });

  it('timestamp is UTC (naive/INT96-style files included), timestamp_ntz stays naive, empty tables are typed', async () => {
    const dir = table([{ name: 'ts', type: 'timestamp' }, { name: 'ntz', type: 'timestamp_ntz' }], [], [{ path: 'a.parquet' }, { path: 'b.parquet' }], {}, { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['timestampNtz'], writerFeatures: ['timestampNtz'] } as never);
    await conn.run(`COPY (SELECT TIMESTAMPTZ '2024-01-01 10:00:00+00' AS ts, TIMESTAMP '2024-01-01 10:00:00' AS ntz) TO '${join(dir, 'a.parquet')}' (FORMAT parquet)`);
    await conn.run(`COPY (SELECT TIMESTAMP '2024-01-01 10:00:00' AS ts) TO '${join(dir, 'b.parquet')}' (FORMAT parquet)`);
    const snapshot = await loadSnapshot(dir);
    const plan = await scanSql(conn, snapshot);
    const rows = await rowsOf(`SELECT epoch_us(ts) AS us, ntz::VARCHAR AS ntz FROM (${plan.sql}) ORDER BY ntz NULLS LAST`);
    expect(rows).toEqual([{ us: '1704103200000000', ntz: '2024-01-01 10:00:00' }, { us: '1704103200000000', ntz: null }]);
    const empty = await scanSql(conn, { ...snapshot, files: [] });
    const described = (await conn.runAndReadAll(`DESCRIBE ${empty.sql}`)).getRowObjectsJson().map((r) => [r.column_name, r.column_type]);
    expect(described).toEqual([['ts', 'TIMESTAMP WITH TIME ZONE'], ['ntz', 'TIMESTAMP']]);
    expect(await rowsOf(empty.sql)).toEqual([]);
  });
});
