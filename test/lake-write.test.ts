import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useLakeFixture } from './support/lake-fixture.js';
import { isWeirError } from '../src/domain/weir-error.js';
import { DeltaTable } from '../src/lake/delta-table.js';
import type { Action } from '../src/lake/actions.js';

const lake = useLakeFixture('weir-lake-write-');
const clock = lake.clock;
const table = lake.table;


async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await lake.conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

async function read(t: DeltaTable, order: string, at: { version?: number; timestamp?: number } = {}): Promise<Record<string, unknown>[]> {
  return rows(`SELECT * FROM (${await t.scanSql(at)}) ORDER BY ${order}`);
}

function commit(t: DeltaTable, v: number): Action[] {
  const text = readFileSync(join(t.tablePath, '_delta_log', `${String(v).padStart(20, '0')}.json`), 'utf8');
  return text.trim().split('\n').map((l) => JSON.parse(l) as Action);
}

describe('create and append', () => {
  it('creates a (1,2) table with schema, commitInfo and contiguous versions, and appends', async () => {
    const t = table();
    const r0 = await t.create(`SELECT i::INTEGER AS id, 'n' || i AS name, i * 1.5 AS score FROM range(3) t(i)`, { properties: { 'weir.owner': 'test' } });
    expect(r0).toMatchObject({ version: 0, skipped: false, numOutputRows: 3 });
    const c0 = commit(t, 0);
    expect(Object.keys(c0[0])).toEqual(['commitInfo']);
    const info = (c0[0] as { commitInfo: Record<string, unknown> }).commitInfo;
    expect(info).toMatchObject({ operation: 'CREATE TABLE AS SELECT', engineInfo: `weir/${JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')).version}`, isBlindAppend: false, timestamp: clock.now() });
    expect(info.operationMetrics).toEqual({ numFiles: '1', numOutputRows: '3', numOutputBytes: expect.stringMatching(/^\d+$/) });
    expect(c0.find((a) => 'protocol' in a)).toEqual({ protocol: { minReaderVersion: 1, minWriterVersion: 2 } });
    const meta = c0.find((a) => 'metaData' in a) as { metaData: { id: string; schemaString: string; configuration: Record<string, string> } };
    expect(meta.metaData.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(meta.metaData.configuration).toEqual({ 'weir.owner': 'test' });
    expect(JSON.parse(meta.metaData.schemaString).fields.map((f: { name: string; type: string }) => [f.name, f.type])).toEqual([
      ['id', 'integer'],
      ['name', 'string'],
      ['score', 'decimal(21,1)'],
    ]);
    clock.advance(1000);
    const r1 = await t.append(`SELECT 10 AS id, 'ten' AS name, 2.5 AS score`);
    expect(r1.version).toBe(1);
    const c1 = commit(t, 1);
    expect((c1[0] as { commitInfo: Record<string, unknown> }).commitInfo).toMatchObject({ operation: 'WRITE', readVersion: 0, isBlindAppend: true, operationParameters: { mode: 'Append', partitionBy: '[]' } });
    expect(c1.some((a) => 'metaData' in a || 'protocol' in a)).toBe(false);
    expect(await read(t, 'id')).toEqual([
      { id: 0, name: 'n0', score: '0.0' },
      { id: 1, name: 'n1', score: '1.5' },
      { id: 2, name: 'n2', score: '3.0' },
      { id: 10, name: 'ten', score: '2.5' },
    ]);
    expect((await t.history()).map((h) => [h.version, h.operation])).toEqual([
      [1, 'WRITE'],
      [0, 'CREATE TABLE AS SELECT'],
    ]);
    await t.append(`SELECT 5 AS id, 'x' AS name, 1.0 AS score WHERE false`);
    expect(commit(t, 2).filter((a) => 'add' in a)).toEqual([]);
    expect(readdirSync(t.tablePath).filter((f) => f.endsWith('.parquet'))).toHaveLength(2);
    await expect(t.create('SELECT 1 AS id')).rejects.toSatisfy((e) => isWeirError(e, 'DELTA.TABLE_EXISTS'));
  });

  it('maps DuckDB-only types to Delta types and refuses types Delta lacks', async () => {
    const t = table();
    await t.create(
      `SELECT 200::UTINYINT AS u8, 4000000000::UINTEGER AS u32, 18446744073709551615::UBIGINT AS u64, 12345678901234567890123456789012345678::HUGEINT AS h,
              '5b1e7b7e-8d2c-4f7a-9c55-27a0c1e44f3a'::UUID AS id, TIMESTAMP_NS '2024-01-02 03:04:05.123456789' AS tns, TIMESTAMPTZ '2024-01-02 03:04:05.5+00' AS tz,
              [1, 2]::INTEGER[2] AS arr, MAP {'k': 1} AS m, {'a': 1::UTINYINT} AS st`,
    );
    const schema = JSON.parse((commit(t, 0).find((a) => 'metaData' in a) as { metaData: { schemaString: string } }).metaData.schemaString);
    expect(schema.fields.map((f: { name: string; type: unknown }) => [f.name, typeof f.type === 'string' ? f.type : JSON.stringify(f.type)])).toEqual([
      ['u8', 'short'],
      ['u32', 'long'],
      ['u64', 'decimal(20,0)'],
      ['h', 'decimal(38,0)'],
      ['id', 'string'],
      ['tns', 'timestamp'],
      ['tz', 'timestamp'],
      ['arr', '{"type":"array","elementType":"integer","containsNull":true}'],
      ['m', '{"type":"map","keyType":"string","valueType":"integer","valueContainsNull":true}'],
      ['st', '{"type":"struct","fields":[{"name":"a","type":"short","nullable":true,"metadata":{}}]}'],
    ]);
    const [row] = await rows(`SELECT u8, u32, u64::VARCHAR AS u64, h::VARCHAR AS h, id, epoch_us(tns) AS tns, arr FROM (${await t.scanSql()})`);
    expect(row).toEqual({ u8: 200, u32: '4000000000', u64: '18446744073709551615', h: '12345678901234567890123456789012345678', id: '5b1e7b7e-8d2c-4f7a-9c55-27a0c1e44f3a', tns: '1704164645123456', arr: [1, 2] });
    await expect(table().create(`SELECT 12345678901234567890123456789012345678::HUGEINT * 10 AS h`)).rejects.toSatisfy((e) => isWeirError(e, 'SQL.FAILED') && /writing the data files .* failed/.test((e as Error).message));
    await expect(table().create(`SELECT INTERVAL 1 DAY AS d`)).rejects.toSatisfy((e) => isWeirError(e, 'DELTA.UNSUPPORTED_TYPE') && /column d has the DuckDB type INTERVAL/.test((e as Error).message));
  });

  it('declares (3,7) with only timestampNtz for a TIMESTAMP column', async () => {
    const t = table();
    await t.create(`SELECT TIMESTAMP '2024-05-06 07:08:09.123456' AS ts, 1 AS x`);
    expect(commit(t, 0).find((a) => 'protocol' in a)).toEqual({ protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['timestampNtz'], writerFeatures: ['timestampNtz'] } });
    const add = commit(t, 0).find((a) => 'add' in a) as { add: { stats: string } };
    expect(JSON.parse(add.add.stats)).toMatchObject({ minValues: { ts: '2024-05-06T07:08:09.123' }, maxValues: { ts: '2024-05-06T07:08:09.124' } });
    expect(await read(t, 'x')).toEqual([{ ts: '2024-05-06 07:08:09.123456', x: 1 }]);
  });
});
