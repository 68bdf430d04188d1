import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useLakeFixture } from './support/lake-fixture.js';
import { isWeirError } from '../src/domain/weir-error.js';
import { DeltaTable } from '../src/lake/delta-table.js';
import type { Action } from '../src/lake/actions.js';

const lake = useLakeFixture('weir-lake-modes-');
const clock = lake.clock;
const table = lake.table;


async function read(t: DeltaTable, sel = '*', order = 'id', at: { version?: number; timestamp?: number } = {}): Promise<Record<string, unknown>[]> {
  return (await lake.conn.runAndReadAll(`SELECT ${sel} FROM (${await t.scanSql(at)}) ORDER BY ${order}`)).getRowObjectsJson() as Record<string, unknown>[];
}

function commit(t: DeltaTable, v: number): Action[] {
  return readFileSync(join(t.tablePath, '_delta_log', `${String(v).padStart(20, '0')}.json`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Action);
}

describe('overwrite and time travel', () => {
  it('overwrite removes every live file; older versions stay readable by version and timestamp', async () => {
    const t = table();
    await t.create(`SELECT i::INTEGER AS id FROM range(3) t(i)`);
    const t0 = clock.now();
    clock.advance(60_000);
    await t.append(`SELECT 3 AS id`);
    clock.advance(60_000);
    const r = await t.overwrite(`SELECT 42 AS id`);
    expect(r.version).toBe(2);
    const c2 = commit(t, 2);
    const removes = c2.filter((a) => 'remove' in a).map((a) => ('remove' in a ? a.remove : null)!);
    expect(removes).toHaveLength(2);
    expect(removes[0]).toMatchObject({ dataChange: true, extendedFileMetadata: true, deletionTimestamp: clock.now(), partitionValues: {} });
    expect((c2[0] as { commitInfo: Record<string, unknown> }).commitInfo).toMatchObject({ isBlindAppend: false, operationParameters: { mode: 'Overwrite' }, operationMetrics: { numRemovedFiles: '2', numOutputRows: '1' } });
    expect(await read(t)).toEqual([{ id: 42 }]);
    expect(await read(t, '*', 'id', { version: 1 })).toEqual([{ id: 0 }, { id: 1 }, { id: 2 }, { id: 3 }]);
    expect(await read(t, '*', 'id', { timestamp: t0 + 1000 })).toEqual([{ id: 0 }, { id: 1 }, { id: 2 }]);
    await expect(t.snapshot({ timestamp: t0 - 1 })).rejects.toSatisfy((e) => isWeirError(e, 'DELTA.VERSION_NOT_FOUND'));
  });

  it('overwriteSchema replaces schema and partitioning', async () => {
    const t = table();
    await t.create(`SELECT 1 AS id, 'a' AS s`);
    await t.overwrite(`SELECT 'x' AS id, 2 AS p`, { overwriteSchema: true, partitionBy: ['p'] });
    const meta = commit(t, 1).find((a) => 'metaData' in a) as { metaData: { schemaString: string; partitionColumns: string[] } };
    expect(meta.metaData.partitionColumns).toEqual(['p']);
    expect(await read(t)).toEqual([{ id: 'x', p: 2 }]);
  });
});

describe('replaceWhere', () => {
  it('replaces matching partitions, rewrites partly matching files, and keeps the rest', async () => {
    const t = table();
    await t.create(`SELECT i::INTEGER AS id, (i % 3)::INTEGER AS p FROM range(9) t(i)`, { partitionBy: ['p'] });
    await t.overwrite(`SELECT 100 AS id, 1 AS p`, { replaceWhere: 'p = 1' });
    expect(await read(t)).toEqual([0, 2, 3, 5, 6, 8].map((id) => ({ id, p: id % 3 })).concat([{ id: 100, p: 1 }]));
    const c1 = commit(t, 1);
    expect(c1.filter((a) => 'remove' in a)).toHaveLength(1);
    // A predicate on a data column: the file of partition 0 holds ids 0,3,6 and is rewritten without 3.
    await t.overwrite(`SELECT 33 AS id, 0 AS p`, { replaceWhere: 'id = 3 OR id = 33' });
    expect((await read(t)).map((r) => r.id)).toEqual([0, 2, 5, 6, 8, 33, 100]);
    const c2 = commit(t, 2);
    expect((c2[0] as { commitInfo: { operationMetrics: Record<string, string> } }).commitInfo.operationMetrics).toMatchObject({ numRemovedFiles: '1', numRewrittenFiles: '1' });
  });

  it('a predicate over partition columns only decides from partition values, without reading data files', async () => {
    const t = table();
    await t.create(`SELECT i::INTEGER AS id, (i % 2)::INTEGER AS p FROM range(4) t(i)`, { partitionBy: ['p'] });
    const keep = (await t.snapshot()).files.find((f) => f.partitionValues.p === '0')!;
    const kept = readFileSync(join(t.tablePath, decodeURIComponent(keep.path)));
    rmSync(join(t.tablePath, decodeURIComponent(keep.path))); // a scan would now fail on this file
    await t.overwrite(`SELECT 9 AS id, 1 AS p`, { replaceWhere: 'p = 1' });
    writeFileSync(join(t.tablePath, decodeURIComponent(keep.path)), kept);
    expect(await read(t)).toEqual([{ id: 0, p: 0 }, { id: 2, p: 0 }, { id: 9, p: 1 }]);
  });

  it('refuses new rows that do not match the predicate and leaves the table unchanged', async () => {
    const t = table();
    await t.create(`SELECT 1 AS id, 1 AS p`, { partitionBy: ['p'] });
    await expect(t.overwrite(`SELECT 2 AS id, 2 AS p`, { replaceWhere: 'p = 1' })).rejects.toSatisfy(
      (e) => isWeirError(e, 'DELTA.REPLACE_WHERE_MISMATCH') && /1 row\(s\).*p = 1/.test((e as Error).message),
    );
    expect((await t.snapshot()).version).toBe(0);
    expect(await read(t)).toEqual([{ id: 1, p: 1 }]);
  });
});

describe('schema evolution', () => {
  it('mergeSchema adds new columns; old rows read them as NULL', async () => {
    const t = table();
    await t.create(`SELECT 1 AS id`);
    await expect(t.append(`SELECT 2 AS id, 'b' AS extra`)).rejects.toSatisfy((e) => isWeirError(e, 'DELTA.SCHEMA_MISMATCH') && /"extra" \(string\).*mergeSchema/.test((e as Error).message));
    await t.append(`SELECT 'b' AS extra, 2 AS id`, { mergeSchema: true });
    const meta = commit(t, 1).find((a) => 'metaData' in a) as { metaData: { schemaString: string } };
    expect(JSON.parse(meta.metaData.schemaString).fields.map((f: { name: string }) => f.name)).toEqual(['id', 'extra']);
    expect(await read(t)).toEqual([{ id: 1, extra: null }, { id: 2, extra: 'b' }]);
    // columns the data lacks are written as NULL
    await t.append(`SELECT 3 AS id`);
    expect(await read(t, 'id, extra')).toEqual([{ id: 1, extra: null }, { id: 2, extra: 'b' }, { id: 3, extra: null }]);
  });

  it('refuses an incompatible type, naming the column and both types; casts narrower data up', async () => {
    const t = table();
    await t.create(`SELECT 1::BIGINT AS id, 1.5::DOUBLE AS x`);
    await expect(t.append(`SELECT 'one' AS id, 1.0::DOUBLE AS x`, { mergeSchema: true })).rejects.toSatisfy(
      (e) => isWeirError(e, 'DELTA.SCHEMA_MISMATCH') && /column "id" .* is long but the data has string/.test((e as Error).message),
    );
    await expect(t.append(`SELECT 1::BIGINT AS id, 1::BIGINT AS x`)).rejects.toSatisfy((e) => isWeirError(e, 'DELTA.SCHEMA_MISMATCH') && /double.*long/.test((e as Error).message));
    await t.append(`SELECT 7::INTEGER AS id, 2.5::FLOAT AS x`);
    expect(commit(t, 1).some((a) => 'metaData' in a)).toBe(false);
    expect(await read(t)).toEqual([{ id: '1', x: 1.5 }, { id: '7', x: 2.5 }]);
  });
});

describe('damaged logs', () => {
  it('a missing commit in the middle of the log is refused, naming the commit', async () => {
    const t = table();
    await t.create(`SELECT 1 AS id`);
    await t.append(`SELECT 2 AS id`);
    await t.append(`SELECT 3 AS id`);
    rmSync(join(t.tablePath, '_delta_log', '00000000000000000001.json'));
    await expect(DeltaTable.forPath(lake.conn, t.tablePath).snapshot()).rejects.toSatisfy((e) => isWeirError(e, 'DELTA.VERSION_NOT_FOUND') && /missing commit 1/.test((e as Error).message));
    // a handle that already read version 0 notices the gap itself
    await expect(t.append(`SELECT 4 AS id`)).resolves.toBeDefined(); // t's state is at version 2 already
    const stale = DeltaTable.forPath(lake.conn, join(lake.root, 'gap'), { clock });
    await stale.create(`SELECT 1 AS id`);
    await DeltaTable.forPath(lake.conn, stale.tablePath).append(`SELECT 2 AS id`);
    await DeltaTable.forPath(lake.conn, stale.tablePath).append(`SELECT 3 AS id`);
    rmSync(join(stale.tablePath, '_delta_log', '00000000000000000001.json'));
    await expect(stale.append(`SELECT 4 AS id`)).rejects.toSatisfy((e) => isWeirError(e, 'DELTA.LOG_CORRUPT') && /00000000000000000001\.json is missing/.test((e as Error).message));
  });
});

describe('protocol checks', () => {
  it('honours delta.appendOnly and refuses tables with writer features weir does not implement', async () => {
    const t = table();
    await t.create(`SELECT 1 AS id`, { properties: { 'delta.appendOnly': 'true' } });
    await t.append(`SELECT 2 AS id`);
    await expect(t.overwrite(`SELECT 3 AS id`)).rejects.toSatisfy((e) => isWeirError(e, 'DELTA.UNSUPPORTED_FEATURE') && /append-only/.test((e as Error).message));

    const dv = table();
    mkdirSync(join(dv.tablePath, '_delta_log'), { recursive: true });
    const schemaString = JSON.stringify({ type: 'struct', fields: [{ name: 'id', type: 'integer', nullable: true, metadata: {} }] });
    writeFileSync(
      join(dv.tablePath, '_delta_log', '00000000000000000000.json'),
      [
        { protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['deletionVectors'] } },
        { metaData: { id: 'x', format: { provider: 'parquet', options: {} }, schemaString, partitionColumns: [], configuration: {} } },
      ].map((a) => JSON.stringify(a)).join('\n') + '\n',
    );
    await expect(dv.append(`SELECT 1 AS id`)).rejects.toSatisfy((e) => isWeirError(e, 'DELTA.UNSUPPORTED_FEATURE') && /requires deletionVectors/.test((e as Error).message));
    expect(readdirSync(dv.tablePath)).toEqual(['_delta_log']); // refused before writing any data
  });
});

describe('column names', () => {
  it('refuses names Spark only reads with column mapping', async () => {
    await expect(table().create(`SELECT 1 AS "my col"`)).rejects.toSatisfy((e) => isWeirError(e, 'DELTA.SCHEMA_MISMATCH') && /"my col"/.test((e as Error).message));
  });
});

describe('txn (exactly-once writes)', () => {
  it('skips a write whose appId already has the same or a newer version', async () => {
    const t = table();
    const a = await t.append(`SELECT 1 AS id`, { txn: { appId: 'stream-1', version: 5 } });
    expect(a).toMatchObject({ version: 0, skipped: false });
    expect(commit(t, 0).find((x) => 'txn' in x)).toEqual({ txn: { appId: 'stream-1', version: 5, lastUpdated: clock.now() } });
    expect(await t.append(`SELECT 1 AS id`, { txn: { appId: 'stream-1', version: 5 } })).toEqual({ version: 0, skipped: true, numFiles: 0, numOutputRows: 0 });
    expect((await t.append(`SELECT 1 AS id`, { txn: { appId: 'stream-1', version: 4 } })).skipped).toBe(true);
    expect((await t.append(`SELECT 2 AS id`, { txn: { appId: 'stream-2', version: 0 } })).version).toBe(1);
    expect((await t.append(`SELECT 3 AS id`, { txn: { appId: 'stream-1', version: 6 } })).version).toBe(2);
    expect(await read(t)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect([...(await t.snapshot()).txns]).toEqual([['stream-1', 6], ['stream-2', 0]]);
  });
});
