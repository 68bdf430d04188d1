import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useLakeFixture } from './support/lake-fixture.js';
import { isWeirError } from '../src/domain/weir-error.js';
import type { Action, AddFile, RemoveFile } from '../src/lake/actions.js';
import { commitTransaction } from '../src/lake/commit/commit-transaction.js';
import { DeltaTable } from '../src/lake/delta-table.js';
import { buildDelete } from '../src/lake/dml/delete-rows.js';
import { candidateFiles } from '../src/lake/dml/matching-files.js';
import { buildUpdate } from '../src/lake/dml/update-rows.js';
import { loadSnapshot } from '../src/lake/load-snapshot.js';
import { readTable } from '../src/lake/scan/read-table.js';

const lake = useLakeFixture('weir-lake-dml-');
const clock = lake.clock;
const table = lake.table;


async function rows(t: DeltaTable, order = 'id'): Promise<Record<string, unknown>[]> {
  return (await lake.conn.runAndReadAll(`SELECT * FROM (${await t.scanSql()}) ORDER BY ${order}`)).getRowObjectsJson() as Record<string, unknown>[];
}

function commit(t: DeltaTable, v: number): Action[] {
  return readFileSync(join(t.tablePath, '_delta_log', `${String(v).padStart(20, '0')}.json`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Action);
}
const adds = (a: Action[]): AddFile[] => a.flatMap((x) => ('add' in x ? [x.add] : []));
const removes = (a: Action[]): RemoveFile[] => a.flatMap((x) => ('remove' in x ? [x.remove] : []));
const info = (a: Action[]) => a.flatMap((x) => ('commitInfo' in x ? [x.commitInfo] : []))[0];

/** Three files: ids 0–9, 10–19, 20–29, with v = id * 2. */
async function threeFiles(t: DeltaTable): Promise<string[]> {
  for (let f = 0; f < 3; f++) await t.append(`SELECT (i + ${f * 10})::INTEGER AS id, ((i + ${f * 10}) * 2)::BIGINT AS v FROM range(10) r(i)`);
  return (await t.snapshot()).files.map((f) => f.path);
}

const ids = (r: Record<string, unknown>[]) => r.map((x) => Number(x.id));
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

describe('DELETE', () => {
  it('rewrites only the file holding matching rows, pruned by stats, with Spark metrics', async () => {
    const t = table();
    const [f0, f1, f2] = await threeFiles(t);
    const r = await t.delete('id >= 12 AND id < 15');
    expect(r.version).toBe(3);
    const c = commit(t, 3);
    expect(removes(c).map((x) => x.path)).toEqual([f1]);
    expect(removes(c)[0].dataChange).toBe(true);
    expect(adds(c)).toHaveLength(1);
    expect(JSON.parse(adds(c)[0].stats ?? '{}').numRecords).toBe(7);
    expect(info(c).operation).toBe('DELETE');
    expect(info(c).operationParameters).toEqual({ predicate: '["id >= 12 AND id < 15"]' });
    expect(info(c).operationMetrics).toMatchObject({ numRemovedFiles: '1', numAddedFiles: '1', numDeletedRows: '3', numCopiedRows: '7', numFilesScanned: '1' });
    expect(ids(await rows(t))).toEqual([...range(0, 12), ...range(15, 30)]);
    const live = (await t.snapshot()).files.map((f) => f.path);
    expect(live).toContain(f0);
    expect(live).toContain(f2);
  });

  it('removes a file whose rows all match without rewriting it, and deletes everything without a predicate', async () => {
    const t = table();
    const [f0] = await threeFiles(t);
    await t.delete('id < 10');
    const c = commit(t, 3);
    expect(removes(c).map((x) => x.path)).toEqual([f0]);
    expect(adds(c)).toEqual([]);
    expect(info(c).operationMetrics).toMatchObject({ numDeletedRows: '10', numCopiedRows: '0', numAddedFiles: '0' });
    await t.delete();
    expect(await rows(t)).toEqual([]);
    expect(info(commit(t, 4)).operationMetrics).toMatchObject({ numRemovedFiles: '2', numDeletedRows: '20' });
  });

  it('checks every file when stats cannot prune, and commits an empty DELETE when nothing matches', async () => {
    const t = table();
    await threeFiles(t);
    await t.delete('id % 10 = 0');
    expect(info(commit(t, 3)).operationMetrics).toMatchObject({ numFilesScanned: '3', numRemovedFiles: '3', numAddedFiles: '1', numDeletedRows: '3', numCopiedRows: '27' });
    expect(ids(await rows(t))).toEqual(range(0, 30).filter((i) => i % 10 !== 0));
    const before = (await t.snapshot()).files.map((f) => f.path);
    const r = await t.delete('id > 1000 OR v < -5');
    expect(r.operationMetrics.numRemovedFiles).toBe('0');
    expect((await t.snapshot()).files.map((f) => f.path)).toEqual(before);
  });

  it('on a partitioned table touches only the matching partition and writes into its directory', async () => {
    const t = table();
    await t.create(`SELECT i::INTEGER AS id, CASE WHEN i < 4 THEN 'a' ELSE 'b' END AS p, i * 10 AS v FROM range(8) r(i)`, { partitionBy: ['p'] });
    const before = (await t.snapshot()).files;
    const bFile = before.find((f) => f.partitionValues.p === 'b') as AddFile;
    await t.delete(`p = 'a' AND v > 10`);
    const c = commit(t, 1);
    expect(removes(c).map((x) => x.partitionValues)).toEqual([{ p: 'a' }]);
    expect(adds(c).map((x) => x.partitionValues)).toEqual([{ p: 'a' }]);
    expect(adds(c)[0].path.startsWith('p=a/')).toBe(true);
    expect((await t.snapshot()).files.map((f) => f.path)).toContain(bFile.path);
    expect(await rows(t)).toEqual([
      { id: 0, p: 'a', v: '0' },
      { id: 1, p: 'a', v: '10' },
      ...[4, 5, 6, 7].map((i) => ({ id: i, p: 'b', v: String(i * 10) })),
    ]);
  });

  it('decides a partition-only predicate from partition values and stats, reading no data file', async () => {
    const t = table();
    for (let i = 0; i < 2; i++) await t.append(`SELECT r.i::INTEGER AS id, p FROM range(5) r(i), (VALUES ('a'), ('b'), (NULL)) v(p)`, { partitionBy: ['p'] });
    const r = await t.delete(`p = 'b' OR p IS NULL`);
    const c = commit(t, r.version);
    expect(removes(c).map((x) => x.partitionValues?.p ?? null).sort()).toEqual(['b', 'b', null, null]);
    expect(adds(c)).toEqual([]);
    expect(info(c).operationMetrics).toMatchObject({ numFilesScanned: '0', numDeletedRows: '20', numCopiedRows: '0' });
    expect((await rows(t, 'id, p')).map((x) => x.p)).toEqual(Array(10).fill('a'));
  });

  it('reports a bad predicate as SQL.FAILED and leaves the table as it was', async () => {
    const t = table();
    await threeFiles(t);
    const e = await t.delete('nope = 1').catch((x: unknown) => x);
    expect(isWeirError(e, 'SQL.FAILED')).toBe(true);
    expect((await t.snapshot()).version).toBe(2);
  });
});

describe('UPDATE', () => {
  it('rewrites only the files with matching rows; SET sees the old row', async () => {
    const t = table();
    const [f0, , f2] = await threeFiles(t);
    await t.update({ set: { v: 'v + id', id: 'id + 100' }, where: 'id IN (11, 13)' });
    const c = commit(t, 3);
    expect(removes(c)).toHaveLength(1);
    expect(adds(c)).toHaveLength(1);
    expect(info(c).operation).toBe('UPDATE');
    expect(info(c).operationMetrics).toMatchObject({ numUpdatedRows: '2', numCopiedRows: '8', numAddedFiles: '1', numRemovedFiles: '1' });
    const live = (await t.snapshot()).files.map((f) => f.path);
    expect(live).toEqual(expect.arrayContaining([f0, f2]));
    const all = await rows(t);
    expect(all.find((r) => r.id === 111)).toEqual({ id: 111, v: String(22 + 11) });
    expect(all.find((r) => r.id === 113)).toEqual({ id: 113, v: String(26 + 13) });
    expect(all.filter((r) => Number(r.id) < 100)).toHaveLength(28);
  });

  it('moves rows to another partition when the partition column is updated', async () => {
    const t = table();
    await t.create(`SELECT i::INTEGER AS id, CASE WHEN i < 4 THEN 'a' ELSE 'b' END AS p FROM range(8) r(i)`, { partitionBy: ['p'] });
    await t.update({ set: { p: `'c'` }, where: 'id = 5' });
    const c = commit(t, 1);
    expect(removes(c).map((x) => x.partitionValues)).toEqual([{ p: 'b' }]);
    expect(adds(c).map((x) => x.partitionValues.p).sort()).toEqual(['b', 'c']);
    const snap = await t.snapshot();
    const { rows: cRows, plan } = await readTable(lake.conn, snap, { filter: { op: '=', column: 'p', value: 'c' } });
    expect(cRows).toEqual([{ id: 5, p: 'c' }]);
    expect(plan.filesRead).toBe(1);
  });

  it('refuses unknown SET columns with the column list', async () => {
    const t = table();
    await threeFiles(t);
    const e = await t.update({ set: { nope: '1' } }).catch((x: unknown) => x);
    expect(isWeirError(e, 'VALIDATION.INVALID')).toBe(true);
    expect((e as Error).message).toContain('columns: id, v');
  });
});

describe('DML conflicts', () => {
  it('a DELETE concurrent with a blind append succeeds and keeps the appended rows', async () => {
    const a = table();
    await threeFiles(a);
    const stateA = await a.refresh();
    const pending = await buildDelete(lake.conn, stateA!, 'id = 3', clock);
    const b = DeltaTable.forPath(lake.conn, a.tablePath, { clock });
    await b.append(`SELECT 3::INTEGER AS id, 0::BIGINT AS v`);
    const r = await commitTransaction(pending, { conn: lake.conn, clock });
    expect(r.version).toBe(4);
    const all = await rows(DeltaTable.forPath(lake.conn, a.tablePath, { clock }), 'id, v');
    expect(all.filter((x) => x.id === 3)).toEqual([{ id: 3, v: '0' }]); // the appended row, not the deleted one
    expect(all).toHaveLength(30);
  });

  it('two DELETEs removing the same file: the second fails with DELTA.CONCURRENT_MODIFICATION', async () => {
    const t = table();
    await threeFiles(t);
    const state = await t.refresh();
    const first = await buildDelete(lake.conn, state!, 'id = 1', clock);
    const second = await buildDelete(lake.conn, state!, 'id = 2', clock);
    await commitTransaction(first, { conn: lake.conn, clock });
    const e = await commitTransaction(second, { conn: lake.conn, clock }).catch((x: unknown) => x);
    expect(isWeirError(e, 'DELTA.CONCURRENT_MODIFICATION')).toBe(true);
    expect((e as Error).message).toContain('both transactions removed the file');
    const snap = await loadSnapshot(t.tablePath, { conn: lake.conn });
    expect(snap.version).toBe(3);
  });

  it('two DELETEs that remove whole different files both commit (a concurrent remove of an unread file is no conflict)', async () => {
    const t = table();
    await threeFiles(t);
    const state = await t.refresh();
    const first = await buildDelete(lake.conn, state!, 'id < 10', clock);
    const second = await buildDelete(lake.conn, state!, 'id >= 20', clock);
    await commitTransaction(first, { conn: lake.conn, clock });
    const r = await commitTransaction(second, { conn: lake.conn, clock });
    expect(r.version).toBe(4);
    expect(ids(await rows(DeltaTable.forPath(lake.conn, t.tablePath, { clock }), 'id')).sort((a, b) => a - b)).toEqual(range(10, 20));
  });

  it('an UPDATE concurrent with another UPDATE that added rows (not a blind append) fails', async () => {
    const t = table();
    await threeFiles(t);
    const state = await t.refresh();
    const first = await buildUpdate(lake.conn, state!, { set: { v: '0' }, where: 'id = 25' }, clock);
    const second = await buildUpdate(lake.conn, state!, { set: { v: '1' }, where: 'id = 5' }, clock);
    await commitTransaction(first, { conn: lake.conn, clock });
    const e = await commitTransaction(second, { conn: lake.conn, clock }).catch((x: unknown) => x);
    expect(isWeirError(e, 'DELTA.CONCURRENT_MODIFICATION')).toBe(true);
  });
});

describe('history', () => {
  it('DESCRIBE HISTORY shows DML commits with their operations and metrics', async () => {
    const t = table();
    await threeFiles(t);
    await t.delete('id = 0');
    await t.update({ set: { v: '-1' }, where: 'id = 1' });
    const h = await t.history(2);
    expect(h.map((e) => [e.version, e.operation])).toEqual([
      [4, 'UPDATE'],
      [3, 'DELETE'],
    ]);
    expect(h[0].operationMetrics?.numUpdatedRows).toBe('1');
    expect(h[1].operationMetrics?.numDeletedRows).toBe('1');
    expect(h[0].readVersion).toBe(3);
    expect(h[0].isBlindAppend).toBe(false);
  });
});

describe('DML file pruning', () => {
  it('never prunes a file that holds a matching row (200 random predicates, nulls, functions, NOT/OR/IN)', async () => {
    const t = table();
    for (let f = 0; f < 6; f++) {
      await t.append(`SELECT CASE WHEN i % 7 = 0 THEN NULL ELSE ${f * 8} + i % 8 END::INTEGER AS a, CASE WHEN i % 5 = 0 THEN NULL ELSE chr((97 + ${f} + i % 2)::INTEGER) END AS s, DATE '2024-01-01' + (${f * 10} + i % 10)::INTEGER AS d FROM range(${10 + f * 3}) r(i)`);
    }
    const snap = await t.snapshot();
    let seed = 42;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor(seed / 65536) % k; // the high bits: an LCG's low bits cycle quickly
    };
    const leaf = (): string => {
      const ops = ['=', '<>', '<', '<=', '>', '>='];
      switch (rnd(8)) {
        case 0: return `a ${ops[rnd(6)]} ${rnd(54) - 3}`;
        case 1: return `${rnd(60)} ${ops[rnd(6)]} a`;
        case 2: return `s ${ops[rnd(6)]} '${String.fromCharCode(96 + rnd(8))}'`;
        case 3: return `d ${ops[rnd(6)]} DATE '2024-01-${String(1 + rnd(28)).padStart(2, '0')}'`;
        case 4: return `a IN (${rnd(50)}, ${rnd(50)})`;
        case 5: return `s IS ${rnd(2) ? 'NOT ' : ''}NULL`;
        case 6: return `a % ${2 + rnd(4)} = 0`;
        default: return `upper(s) = '${String.fromCharCode(65 + rnd(8))}'`;
      }
    };
    const pred = (depth: number): string => {
      if (depth === 0 || rnd(3) === 0) return leaf();
      const k = rnd(3);
      if (k === 0) return `NOT (${pred(depth - 1)})`;
      return `(${pred(depth - 1)} ${k === 1 ? 'AND' : 'OR'} ${pred(depth - 1)})`;
    };
    const scan = await t.scanSql();
    const withFile = `SELECT * FROM read_parquet([${snap.files.map((f) => `'${join(t.tablePath, f.path)}'`).join(', ')}], filename = true)`;
    let pruned = 0;
    for (let i = 0; i < 200; i++) {
      const p = pred(3);
      const hits = (await lake.conn.runAndReadAll(`SELECT DISTINCT filename AS f FROM (${withFile}) WHERE ${p}`)).getRowObjectsJson().map((r) => String(r.f));
      const kept = new Set((await candidateFiles(lake.conn, snap, p)).map((f) => join(t.tablePath, f.path)));
      for (const h of hits) expect(kept.has(h), `${p} pruned ${h}`).toBe(true);
      pruned += snap.files.length - kept.size;
    }
    expect(pruned).toBeGreaterThan(0); // the stats did prune something
    expect(scan).toContain('read_parquet');
  });
});
