import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useLakeFixture } from './support/lake-fixture.js';
import { DeltaTable } from '../src/lake/delta-table.js';

const lake = useLakeFixture('weir-lake-ckpt-');
const clock = lake.clock;

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await lake.conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

describe('checkpoints', () => {
  it('writes a classic checkpoint at version 10 in the protocol schema, plus _last_checkpoint', async () => {
    const t = DeltaTable.forPath(lake.conn, join(lake.root, 'ten'), { clock });
    await t.create(`SELECT 0 AS id, 'p0' AS part`, { partitionBy: ['part'] });
    for (let i = 1; i <= 8; i++) await t.append(`SELECT ${i} AS id, 'p${i % 2}' AS part`);
    clock.advance(1000);
    await t.overwrite(`SELECT 100 AS id, 'p1' AS part`, { replaceWhere: `part = 'p1'` }); // v9: removes the p1 files
    const log = join(t.tablePath, '_delta_log');
    expect(existsSync(join(log, '00000000000000000009.checkpoint.parquet'))).toBe(false);
    await t.append(`SELECT 10 AS id, 'p0' AS part`, { txn: { appId: 'app', version: 3 } }); // v10
    const ckpt = join(log, '00000000000000000010.checkpoint.parquet');
    expect(existsSync(ckpt)).toBe(true);
    expect(readdirSync(log).filter((f) => f.startsWith('.'))).toEqual([]); // no temp files left
    const snap = await t.snapshot();
    const last = JSON.parse(readFileSync(join(log, '_last_checkpoint'), 'utf8'));
    expect(last).toEqual({ version: 10, size: 2 + 1 + snap.files.length + 4, sizeInBytes: expect.any(Number), numOfAddFiles: snap.files.length });

    const counts = (await rows(`SELECT count(protocol) AS p, count(metaData) AS m, count(add) AS a, count(remove) AS r, count(txn) AS x FROM read_parquet('${ckpt}')`))[0];
    expect(counts).toEqual({ p: '1', m: '1', a: String(snap.files.length), r: '4', x: '1' });
    const live = await rows(`SELECT add.path AS path, add.partitionValues AS pv, add.stats AS stats FROM read_parquet('${ckpt}') WHERE add IS NOT NULL ORDER BY path`);
    expect(live.map((r) => r.path)).toEqual(snap.files.map((f) => f.path).sort());
    expect(live[0].pv).toEqual([{ key: 'part', value: expect.stringMatching(/^p[01]$/) }]);
    expect(JSON.parse(String(live[0].stats)).numRecords).toBe(1);
    const [proto] = await rows(`SELECT protocol.* FROM read_parquet('${ckpt}') WHERE protocol IS NOT NULL`);
    expect(proto).toEqual({ minReaderVersion: 1, minWriterVersion: 2, readerFeatures: null, writerFeatures: null });

    const schema = await rows(`SELECT name, type, converted_type FROM parquet_schema('${ckpt}') WHERE name IN ('size', 'minReaderVersion', 'modificationTime', 'deletionTimestamp', 'partitionValues', 'stats')`);
    const types = Object.fromEntries(schema.map((r) => [`${r.name}`, `${r.type ?? ''}/${r.converted_type ?? ''}`]));
    expect(types).toEqual({ size: 'INT64/INT_64', minReaderVersion: 'INT32/INT_32', modificationTime: 'INT64/INT_64', deletionTimestamp: 'INT64/INT_64', partitionValues: '/MAP', stats: 'BYTE_ARRAY/UTF8' });
  });

  it('a fresh writer starts from the checkpoint, even when the commits before it were cleaned up', async () => {
    const t = DeltaTable.forPath(lake.conn, join(lake.root, 'cleaned'), { clock });
    await t.create(`SELECT 0 AS id, 'a b/é' AS part, NULL::VARCHAR AS note`, { partitionBy: ['part'] });
    for (let i = 1; i <= 10; i++) await t.append(`SELECT ${i} AS id, ${i % 3 === 0 ? 'NULL::VARCHAR' : `'p${i % 2}'`} AS part, 'n' AS note`, { txn: { appId: 'app', version: i } });
    const before = await t.snapshot();
    const log = join(t.tablePath, '_delta_log');
    for (let v = 0; v < 10; v++) rmSync(join(log, `${String(v).padStart(20, '0')}.json`));
    const fresh = DeltaTable.forPath(lake.conn, t.tablePath, { clock });
    const snap = await fresh.snapshot();
    expect(snap.version).toBe(10);
    expect(snap.protocol).toEqual(before.protocol);
    expect(snap.metadata).toEqual(before.metadata);
    expect([...snap.txns]).toEqual([['app', 10]]);
    expect(snap.files.map((f) => ({ ...f, dataChange: true })).sort((a, b) => a.path.localeCompare(b.path))).toEqual([...before.files].sort((a, b) => a.path.localeCompare(b.path)));
    await fresh.append(`SELECT 11 AS id, 'p1' AS part, 'n' AS note`);
    const got = await rows(`SELECT id, part FROM (${await fresh.scanSql()}) ORDER BY id`);
    expect(got).toEqual(Array.from({ length: 12 }, (_, i) => ({ id: i, part: i === 0 ? 'a b/é' : i % 3 === 0 && i <= 10 ? null : `p${i % 2}` })));
  });

  it('honours delta.checkpointInterval and drops tombstones past the retention', async () => {
    const t = DeltaTable.forPath(lake.conn, join(lake.root, 'three'), { clock });
    await t.create(`SELECT 1 AS id`, { properties: { 'delta.checkpointInterval': '3', 'delta.deletedFileRetentionDuration': 'interval 1 hour' } });
    await t.overwrite(`SELECT 2 AS id`); // v1 tombstones the v0 file
    clock.advance(2 * 3_600_000);
    await t.overwrite(`SELECT 3 AS id`); // v2 tombstones the v1 file (fresh)
    await t.append(`SELECT 4 AS id`); // v3 → checkpoint
    const log = join(t.tablePath, '_delta_log');
    const ckpt = join(log, '00000000000000000003.checkpoint.parquet');
    expect(readdirSync(log).filter((f) => f.includes('checkpoint.parquet'))).toEqual(['00000000000000000003.checkpoint.parquet']);
    expect((await rows(`SELECT count(remove) AS r, count(add) AS a FROM read_parquet('${ckpt}')`))[0]).toEqual({ r: '1', a: '2' });
  });

  it('a failing checkpoint does not fail the commit', async () => {
    const errors: unknown[] = [];
    const t = DeltaTable.forPath(lake.conn, join(lake.root, 'fail'), {
      clock,
      checkpointer: async () => {
        throw new Error('disk full');
      },
      onCheckpointError: (e) => errors.push(e),
    });
    await t.create(`SELECT 1 AS id`, { properties: { 'delta.checkpointInterval': '1' } });
    const r = await t.append(`SELECT 2 AS id`);
    expect(r.version).toBe(1);
    expect(errors.map((e) => (e as Error).message)).toEqual(['disk full']);
    expect(existsSync(join(t.tablePath, '_delta_log', '_last_checkpoint'))).toBe(false);
    expect((await rows(`SELECT count(*) AS n FROM (${await t.scanSql()})`))[0].n).toBe('2');
  });
});
