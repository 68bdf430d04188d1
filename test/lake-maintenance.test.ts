import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/domain/clock.js';
import { isWeirError } from '../src/domain/weir-error.js';
import type { Action, AddFile, RemoveFile } from '../src/lake/actions.js';
import { commitTransaction } from '../src/lake/commit/commit-transaction.js';
import { DeltaTable } from '../src/lake/delta-table.js';
import { buildDelete } from '../src/lake/dml/delete-rows.js';
import { skipFiles } from '../src/lake/file-skipping.js';
import { buildOptimize } from '../src/lake/maintenance/optimize.js';

let instance: DuckDBInstance;
let conn: DuckDBConnection;
let root: string;
let n = 0;
const DAY = 86_400_000;
// Real "now": VACUUM compares the injected clock with the data files' real modification times.
const clock = new ManualClock(Date.now());

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  root = mkdtempSync(join(tmpdir(), 'weir-lake-maint-'));
});
afterAll(() => {
  conn.closeSync();
  instance.closeSync();
  rmSync(root, { recursive: true, force: true });
});

function table(): DeltaTable {
  return DeltaTable.forPath(conn, join(root, `t${++n}`), { clock });
}

async function rows(t: DeltaTable, at: { version?: number } = {}): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(`SELECT * FROM (${await t.scanSql(at)}) ORDER BY ALL`)).getRowObjectsJson() as Record<string, unknown>[];
}

function commit(t: DeltaTable, v: number): Action[] {
  return readFileSync(join(t.tablePath, '_delta_log', `${String(v).padStart(20, '0')}.json`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Action);
}
const adds = (a: Action[]): AddFile[] => a.flatMap((x) => ('add' in x ? [x.add] : []));
const removes = (a: Action[]): RemoveFile[] => a.flatMap((x) => ('remove' in x ? [x.remove] : []));
const info = (a: Action[]) => a.flatMap((x) => ('commitInfo' in x ? [x.commitInfo] : []))[0];

describe('OPTIMIZE (bin-packing)', () => {
  it('compacts small files into one per partition with dataChange=false and keeps every row', async () => {
    const t = table();
    for (let i = 0; i < 3; i++) await t.append(`SELECT (r.i + ${i * 10})::INTEGER AS id, CASE WHEN r.i % 2 = 0 THEN 'a' ELSE 'b' END AS p FROM range(10) r(i)`, { partitionBy: ['p'] });
    const before = await rows(t);
    expect((await t.snapshot()).files).toHaveLength(6);
    const r = await t.optimize();
    const c = commit(t, r.version);
    expect(info(c).operation).toBe('OPTIMIZE');
    expect(info(c).operationParameters).toEqual({ predicate: '[]', zOrderBy: '[]', clusterBy: '[]' });
    expect(info(c).operationMetrics).toMatchObject({ numRemovedFiles: '6', numAddedFiles: '2' });
    expect(removes(c).every((x) => x.dataChange === false)).toBe(true);
    expect(adds(c).every((x) => x.dataChange === false)).toBe(true);
    expect(adds(c).map((x) => x.partitionValues.p).sort()).toEqual(['a', 'b']);
    expect(info(c).isBlindAppend).toBe(false);
    expect(await rows(t)).toEqual(before);
    const again = await t.optimize();
    expect(again.version).toBe(r.version); // nothing left to compact: no commit
  });

  it('leaves files at or above the target size alone and limits work to WHERE partitions', async () => {
    const t = table();
    for (let i = 0; i < 2; i++) await t.append(`SELECT i::INTEGER AS id, p FROM range(5) r(i), (VALUES ('a'), ('b')) v(p)`, { partitionBy: ['p'] });
    const r = await t.optimize({ where: `p = 'a'` });
    expect(adds(commit(t, r.version)).map((x) => x.partitionValues.p)).toEqual(['a']);
    const big = table();
    for (let i = 0; i < 2; i++) await big.append(`SELECT i::INTEGER AS id FROM range(100) r(i)`);
    const v = (await big.snapshot()).version;
    expect((await big.optimize({ targetFileSize: 10 })).version).toBe(v);
    const e = await big.optimize({ where: 'id = 1' }).catch((x: unknown) => x);
    expect(isWeirError(e, 'VALIDATION.INVALID')).toBe(true);
  });

  it('commutes with a concurrent blind append but loses to a DELETE of the same file', async () => {
    const t = table();
    for (let i = 0; i < 3; i++) await t.append(`SELECT (r.i + ${i * 10})::INTEGER AS id FROM range(10) r(i)`);
    const state = (await t.refresh())!;
    const opt = await buildOptimize(conn, state, {}, clock);
    await DeltaTable.forPath(conn, t.tablePath, { clock }).append(`SELECT 99::INTEGER AS id`);
    await commitTransaction(opt, { conn, clock });
    const fresh = DeltaTable.forPath(conn, t.tablePath, { clock });
    expect(await rows(fresh)).toHaveLength(31);
    const s2 = (await fresh.refresh())!;
    const del = await buildDelete(conn, s2, 'id = 5', clock);
    const opt2 = await buildOptimize(conn, s2, {}, clock);
    await commitTransaction(del, { conn, clock });
    const e = await commitTransaction(opt2, { conn, clock }).catch((x: unknown) => x);
    expect(isWeirError(e, 'DELTA.CONCURRENT_MODIFICATION')).toBe(true);
  });
});

describe('OPTIMIZE ZORDER BY', () => {
  it('narrows per-file ranges so a selective two-column filter reads fewer files', async () => {
    const t = table();
    // 8 files, each with rows scattered over the whole x/y range (hash order = random order, deterministic).
    for (let f = 0; f < 8; f++) {
      await t.append(`SELECT (hash(i, ${f}) % 1000)::INTEGER AS x, (hash(i, ${f}, 'y') % 1000)::INTEGER AS y, i::BIGINT AS k FROM range(4000) r(i)`);
    }
    const filter = { op: 'and' as const, args: [
      { op: '>=' as const, column: 'x', value: 100 }, { op: '<' as const, column: 'x', value: 160 },
      { op: '>=' as const, column: 'y', value: 500 }, { op: '<' as const, column: 'y', value: 560 },
    ] };
    const before = await t.snapshot();
    expect(skipFiles(before, filter).kept).toHaveLength(8);
    const sum = async () => (await conn.runAndReadAll(`SELECT count(*) AS n, sum(x * 1000 + y) AS s FROM (${await t.scanSql()})`)).getRowObjectsJson()[0];
    const totals = await sum();
    const bytes = before.files.reduce((s, f) => s + f.size, 0);
    const r = await t.optimize({ zOrderBy: ['x', 'y'], targetFileSize: Math.ceil(bytes / 32) });
    const c = commit(t, r.version);
    expect(info(c).operationParameters?.zOrderBy).toBe('["x","y"]');
    expect(adds(c).length).toBeGreaterThanOrEqual(24);
    expect(removes(c)).toHaveLength(8);
    const after = await t.snapshot();
    const kept = skipFiles(after, filter).kept.length;
    expect(kept).toBeLessThanOrEqual(Math.ceil(after.files.length / 4));
    expect(await sum()).toEqual(totals);
  });

  it('Z-orders within each partition and keeps the partition values', async () => {
    const t = table();
    for (let f = 0; f < 3; f++) await t.append(`SELECT (hash(i, ${f}) % 100)::INTEGER AS x, (hash(i, ${f}, 'y') % 100)::INTEGER AS y, CASE WHEN i % 2 = 0 THEN 'even' ELSE 'odd' END AS p FROM range(200) r(i)`, { partitionBy: ['p'] });
    const before = await rows(t);
    const r = await t.optimize({ zOrderBy: ['y', 'x'] });
    const c = commit(t, r.version);
    expect(removes(c)).toHaveLength(6);
    expect(adds(c).map((a) => a.partitionValues.p).sort()).toEqual(['even', 'odd']);
    expect(adds(c).every((a) => a.path.startsWith(`p=${a.partitionValues.p}/`))).toBe(true);
    expect(await rows(t)).toEqual(before);
  });

  it('refuses partition columns and unknown columns', async () => {
    const t = table();
    await t.create(`SELECT 1 AS x, 'a' AS p`, { partitionBy: ['p'] });
    expect(isWeirError(await t.optimize({ zOrderBy: ['p'] }).catch((x: unknown) => x), 'VALIDATION.INVALID')).toBe(true);
    expect(isWeirError(await t.optimize({ zOrderBy: ['nope'] }).catch((x: unknown) => x), 'VALIDATION.INVALID')).toBe(true);
  });
});

describe('VACUUM', () => {
  it('keeps files needed within retention, then deletes removed and orphan files but never hidden ones', async () => {
    const t = table();
    await t.append(`SELECT i::INTEGER AS id FROM range(10) r(i)`);
    await t.append(`SELECT i::INTEGER AS id FROM range(10, 20) r(i)`);
    const v1Files = (await t.snapshot()).files.map((f) => join(t.tablePath, f.path));
    await t.delete('id < 10'); // tombstones file 0
    const orphan = join(t.tablePath, 'part-00000-crashed-writer.parquet');
    writeFileSync(orphan, 'left by a crashed writer');
    mkdirSync(join(t.tablePath, '_hidden'));
    writeFileSync(join(t.tablePath, '_hidden', 'x.parquet'), 'x');
    writeFileSync(join(t.tablePath, '.tmp.parquet'), 'x');

    expect((await t.vacuum()).files).toEqual([]); // everything is younger than 7 days
    const short = await t.vacuum({ retentionHours: 1 }).catch((x: unknown) => x);
    expect(isWeirError(short, 'DELTA.RETENTION_TOO_SHORT')).toBe(true);
    expect((short as Error).message).toContain('not less than "168 hours"');

    clock.advance(8 * DAY);
    const young = join(t.tablePath, 'part-00000-young.parquet');
    writeFileSync(young, 'a writer still running');
    utimesSync(young, new Date(clock.now()), new Date(clock.now()));
    const dry = await t.vacuum({ dryRun: true });
    expect(dry.files.sort()).toEqual([orphan, v1Files[0]].sort());
    expect(existsSync(orphan)).toBe(true);
    const done = await t.vacuum();
    expect(done.numDeletedFiles).toBe(2);
    const h = await t.history(2);
    expect(h.map((e) => e.operation)).toEqual(['VACUUM END', 'VACUUM START']);
    expect(h[1].operationMetrics).toMatchObject({ numFilesToDelete: '2' });
    expect(h[1].operationParameters).toMatchObject({ retentionCheckEnabled: 'true', specifiedRetentionMillis: String(7 * DAY) });
    expect(h[0].operationMetrics).toMatchObject({ numDeletedFiles: '2' });
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(v1Files[0])).toBe(false);
    expect(existsSync(young)).toBe(true);
    expect(existsSync(join(t.tablePath, '_hidden', 'x.parquet'))).toBe(true);
    expect(existsSync(join(t.tablePath, '.tmp.parquet'))).toBe(true);
    expect(existsSync(join(t.tablePath, '_delta_log', '00000000000000000000.json'))).toBe(true);
    expect((await rows(t)).map((r) => r.id)).toEqual(Array.from({ length: 10 }, (_, i) => 10 + i));
  });

  it('with force accepts a short retention and removes just-tombstoned files', async () => {
    const t = table();
    await t.create(`SELECT i::INTEGER AS id FROM range(4) r(i)`);
    const first = join(t.tablePath, (await t.snapshot()).files[0].path);
    await t.overwrite(`SELECT 7 AS id`);
    clock.advance(1000);
    const r = await t.vacuum({ retentionHours: 0, force: true });
    expect(r.files).toEqual([first]);
    expect(await rows(t)).toEqual([{ id: 7 }]);
  });
});

describe('RESTORE', () => {
  it('re-adds the files of the target version and removes the others in one dataChange commit', async () => {
    const t = table();
    await t.create(`SELECT i::INTEGER AS id FROM range(3) r(i)`);
    const v0 = (await t.snapshot()).files.map((f) => f.path);
    const t0 = clock.now();
    clock.advance(60_000);
    await t.append(`SELECT 10 AS id`);
    clock.advance(60_000);
    await t.delete('id = 1');
    const current = (await t.snapshot()).files.map((f) => f.path);
    const r = await t.restore({ version: 0 });
    const c = commit(t, r.version);
    expect(info(c).operation).toBe('RESTORE');
    expect(info(c).operationParameters).toEqual({ version: '0' });
    expect(adds(c).map((a) => a.path)).toEqual(v0);
    expect(adds(c).every((a) => a.dataChange)).toBe(true);
    expect(removes(c).map((x) => x.path).sort()).toEqual(current.sort());
    expect(info(c).operationMetrics).toMatchObject({ numRestoredFiles: '1', numRemovedFiles: String(current.length), numOfFilesAfterRestore: '1' });
    expect(await rows(t)).toEqual([{ id: 0 }, { id: 1 }, { id: 2 }]);
    clock.advance(60_000);
    await t.restore({ timestamp: t0 + 60_000 }); // version 1: v0 rows plus 10
    expect((await rows(t)).map((x) => x.id)).toEqual([0, 1, 2, 10]);
    expect((await t.history(2)).map((h) => h.operation)).toEqual(['RESTORE', 'RESTORE']);
  });

  it('brings the schema back when the target version had another one', async () => {
    const t = table();
    await t.create(`SELECT 1 AS id`);
    await t.append(`SELECT 2 AS id, 'x' AS extra`, { mergeSchema: true });
    const r = await t.restore({ version: 0 });
    expect(commit(t, r.version).some((a) => 'metaData' in a)).toBe(true);
    expect(await rows(t)).toEqual([{ id: 1 }]);
  });

  it('fails with DELTA.FILE_NOT_FOUND when VACUUM already deleted a file of the target version', async () => {
    const t = table();
    await t.create(`SELECT 1 AS id`);
    await t.overwrite(`SELECT 2 AS id`);
    clock.advance(1000);
    await t.vacuum({ retentionHours: 0, force: true });
    const e = await t.restore({ version: 0 }).catch((x: unknown) => x);
    expect(isWeirError(e, 'DELTA.FILE_NOT_FOUND')).toBe(true);
    expect((await t.snapshot()).version).toBe(3); // 1 + VACUUM START + VACUUM END, no RESTORE
  });
});
