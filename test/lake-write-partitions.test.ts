import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useLakeFixture } from './support/lake-fixture.js';
import { DeltaTable } from '../src/lake/delta-table.js';
import type { AddFile } from '../src/lake/actions.js';
import { dataFilePath } from '../src/lake/scan/data-file-path.js';

const lake = useLakeFixture('weir-lake-part-');
const clock = lake.clock;

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await lake.conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

function adds(t: DeltaTable, v: number): AddFile[] {
  const text = readFileSync(join(t.tablePath, '_delta_log', `${String(v).padStart(20, '0')}.json`), 'utf8');
  return text.trim().split('\n').map((l) => JSON.parse(l)).filter((a) => 'add' in a).map((a) => a.add as AddFile);
}

const VALUES = ['a b', 'x/y', 'é:ü', '100%', 'null', null];

describe('partitioned tables', () => {
  it('round-trips string partition values with spaces, slashes, unicode, % and NULL', async () => {
    const t = DeltaTable.forPath(lake.conn, join(lake.root, 'strings'), { clock });
    const list = VALUES.map((v) => (v === null ? 'NULL' : `'${v}'`)).join(', ');
    await t.create(`SELECT unnest([${list}]) AS p, unnest(range(${VALUES.length}))::INTEGER AS id`, { partitionBy: ['p'] });
    const files = adds(t, 0);
    expect(files.map((f) => f.partitionValues.p).sort()).toEqual([...VALUES].sort());
    for (const f of files) {
      expect(f.path).not.toMatch(/[ %](?![0-9A-F]{2})/); // a URI: no raw spaces, every % is an escape
      expect(existsSync(dataFilePath(t.tablePath, f.path))).toBe(true);
    }
    expect(files.find((f) => f.partitionValues.p === '100%')!.path).toMatch(/^p=100%2525\/part-/);
    expect(files.find((f) => f.partitionValues.p === null)!.path).toMatch(/^p=__HIVE_DEFAULT_PARTITION__\//);
    const got = await rows(`SELECT p, id FROM (${await t.scanSql()}) ORDER BY id`);
    expect(got).toEqual(VALUES.map((p, id) => ({ p, id })));
  });

  it('round-trips date and int partitions (two partition columns) and appends into existing partitions', async () => {
    const t = DeltaTable.forPath(lake.conn, join(lake.root, 'date-int'), { clock });
    await t.create(`SELECT DATE '2024-02-29' + (i % 3)::INTEGER AS d, (i % 2)::INTEGER AS k, i::BIGINT AS v FROM range(6) t(i)`, { partitionBy: ['d', 'k'] });
    await t.append(`SELECT DATE '2024-02-29' AS d, 1 AS k, 100 AS v`);
    const f0 = adds(t, 0);
    expect(f0).toHaveLength(6);
    expect(f0.map((f) => `${f.partitionValues.d}|${f.partitionValues.k}`).sort()).toEqual(['2024-02-29|0', '2024-02-29|1', '2024-03-01|0', '2024-03-01|1', '2024-03-02|0', '2024-03-02|1']);
    expect(JSON.parse(f0[0].stats!).minValues).not.toHaveProperty('d'); // partition columns carry no stats
    const got = await rows(`SELECT d::VARCHAR AS d, k, v FROM (${await t.scanSql()}) ORDER BY v`);
    expect(got).toEqual([
      ...[0, 1, 2, 3, 4, 5].map((i) => ({ d: ['2024-02-29', '2024-03-01', '2024-03-02'][i % 3], k: i % 2, v: String(i) })),
      { d: '2024-02-29', k: 1, v: '100' },
    ]);
  });

  it('writes timestamp partition values as ISO-8601 UTC with microseconds', async () => {
    const t = DeltaTable.forPath(lake.conn, join(lake.root, 'ts'), { clock });
    await t.create(`SELECT TIMESTAMPTZ '2024-01-01 10:00:00.123456+02' AS ts, 1 AS x`, { partitionBy: ['ts'] });
    expect(adds(t, 0)[0].partitionValues).toEqual({ ts: '2024-01-01T08:00:00.123456Z' });
    expect(await rows(`SELECT epoch_us(ts) AS us FROM (${await t.scanSql()})`)).toEqual([{ us: String(Date.UTC(2024, 0, 1, 8) * 1000 + 123456) }]);
  });
});
