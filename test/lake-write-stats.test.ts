import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useLakeFixture } from './support/lake-fixture.js';
import { truncateMax, truncateMin } from '../src/lake/write/file-stats.js';

const lake = useLakeFixture('weir-lake-stats-');

/** The raw stats text of the single add of commit 0. */
async function statsOf(sql: string, properties: Record<string, string> = {}): Promise<string> {
  const t = lake.table();
  await t.create(sql, { properties });
  const lines = readFileSync(join(t.tablePath, '_delta_log', '00000000000000000000.json'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const add = lines.find((a) => 'add' in a).add;
  expect(existsSync(join(t.tablePath, decodeURIComponent(add.path)))).toBe(true);
  return add.stats as string;
}

describe('per-file statistics', () => {
  it('has numRecords, min/max and nullCount per column, with exact int64 and decimal digits', async () => {
    const raw = await statsOf(
      `SELECT * FROM (VALUES (9007199254740993::BIGINT, 12.345::DECIMAL(10,3), 'b', DATE '2024-01-02', 1.5::DOUBLE, true),
                             (-5::BIGINT, NULL, 'a', NULL, -2.25::DOUBLE, NULL),
                             (NULL, 99999.999::DECIMAL(10,3), NULL, DATE '2023-12-31', NULL, false)) v(big, dec, s, d, f, b)`,
    );
    expect(raw).toContain('"big":9007199254740993'); // not rounded through a JS number
    expect(JSON.parse(raw)).toEqual({
      numRecords: 3,
      minValues: { big: -5, dec: 12.345, s: 'a', d: '2023-12-31', f: -2.25 },
      maxValues: { big: 9007199254740993, dec: 99999.999, s: 'b', d: '2024-01-02', f: 1.5 },
      nullCount: { big: 1, dec: 1, s: 1, d: 1, f: 1, b: 1 },
    });
    expect(raw).toContain('"dec":99999.999');
  });

  it('truncates long strings to 32 characters; max keeps an upper bound with a tie-breaker', async () => {
    const long = 'a'.repeat(40);
    const uni = 'é'.repeat(31) + 'ü' + 'ö'.repeat(5);
    const stats = JSON.parse(await statsOf(`SELECT unnest(['${long}', 'b${long}', '${uni}']) AS s`));
    expect(stats.minValues.s).toBe('a'.repeat(32));
    expect(stats.maxValues.s).toBe('é'.repeat(31) + 'ü' + '\u{10FFFF}');
    expect(truncateMax('b' + long)).toBe('b' + 'a'.repeat(31) + '\u007f');
    expect(truncateMax('b' + long) > 'b' + long).toBe(true);
    expect(truncateMin('short')).toBe('short');
    expect(truncateMax('x'.repeat(32))).toBe('x'.repeat(32));
  });

  it('omits min/max for NaN/Infinity, booleans, binary and lists; nests struct stats; timestamps in ISO ms bounds', async () => {
    const stats = JSON.parse(
      await statsOf(
        `SELECT * FROM (VALUES ('nan'::DOUBLE, 'inf'::DOUBLE, 'ab'::BLOB, [1, 2], {'x': 1, 'y': 'q'}, TIMESTAMPTZ '2024-03-04 05:06:07.891234+00'),
                               (1.0, 2.0, NULL, NULL, {'x': 5, 'y': NULL}, TIMESTAMPTZ '2024-03-04 05:06:07.000001+00')) v(nan, inf, bin, lst, st, ts)`,
      ),
    );
    expect(stats.minValues).toEqual({ st: { x: 1, y: 'q' }, ts: '2024-03-04T05:06:07.000Z' });
    expect(stats.maxValues).toEqual({ st: { x: 5, y: 'q' }, ts: '2024-03-04T05:06:07.892Z' });
    expect(stats.nullCount).toEqual({ nan: 0, inf: 0, bin: 1, st: { x: 0, y: 1 }, ts: 0 });
  });

  it('follows dataSkippingNumIndexedCols, dataSkippingStatsColumns and dataSkippingStringPrefixLength', async () => {
    const sql = `SELECT 1 AS a, {'x': 2, 'y': 3} AS st, 'abcdef' AS c, 4 AS d`;
    expect(JSON.parse(await statsOf(sql, { 'delta.dataSkippingNumIndexedCols': '3' })).minValues).toEqual({ a: 1, st: { x: 2, y: 3 } });
    expect(JSON.parse(await statsOf(sql, { 'delta.dataSkippingNumIndexedCols': '0' }))).toEqual({ numRecords: 1, minValues: {}, maxValues: {}, nullCount: {} });
    expect(JSON.parse(await statsOf(sql, { 'delta.dataSkippingStatsColumns': 'st.y, d' })).maxValues).toEqual({ st: { y: 3 }, d: 4 });
    const p = JSON.parse(await statsOf(sql, { 'delta.dataSkippingStringPrefixLength': '3' }));
    expect([p.minValues.c, p.maxValues.c]).toEqual(['abc', 'abc\u007f']);
  });
});
