import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useLakeFixture } from './support/lake-fixture.js';
import { isWeirError } from '../src/domain/weir-error.js';
import type { Action, AddFile, RemoveFile } from '../src/lake/actions.js';
import { commitTransaction } from '../src/lake/commit/commit-transaction.js';
import { DeltaTable } from '../src/lake/delta-table.js';
import { buildMerge } from '../src/lake/dml/merge-into.js';

const lake = useLakeFixture('weir-lake-merge-');
const clock = lake.clock;
const table = lake.table;


async function rows(t: DeltaTable): Promise<Record<string, unknown>[]> {
  return (await lake.conn.runAndReadAll(`SELECT * FROM (${await t.scanSql()}) ORDER BY id`)).getRowObjectsJson() as Record<string, unknown>[];
}

function commit(t: DeltaTable, v: number): Action[] {
  return readFileSync(join(t.tablePath, '_delta_log', `${String(v).padStart(20, '0')}.json`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Action);
}
const adds = (a: Action[]): AddFile[] => a.flatMap((x) => ('add' in x ? [x.add] : []));
const removes = (a: Action[]): RemoveFile[] => a.flatMap((x) => ('remove' in x ? [x.remove] : []));
const info = (a: Action[]) => a.flatMap((x) => ('commitInfo' in x ? [x.commitInfo] : []))[0];

/** Three files: ids 0–9, 10–19, 20–29 with name 'n<id>'. */
async function threeFiles(t: DeltaTable): Promise<string[]> {
  for (let f = 0; f < 3; f++) await t.append(`SELECT (i + ${f * 10})::INTEGER AS id, 'n' || (i + ${f * 10}) AS name FROM range(10) r(i)`);
  return (await t.snapshot()).files.map((f) => f.path);
}

const src = (values: string) => `SELECT * FROM (VALUES ${values}) v(id, name)`;

describe('MERGE INTO', () => {
  it('upserts: rewrites only files with matched rows, inserts unmatched source rows, with Spark metrics', async () => {
    const t = table();
    const [f0, f1, f2] = await threeFiles(t);
    const r = await t.merge({
      source: src(`(5, 'five'), (25, 'twenty-five'), (100, 'hundred')`),
      on: 't.id = s.id',
      whenMatched: [{ action: 'update', set: { name: 's.name' } }],
      whenNotMatched: [{ action: 'insertAll' }],
    });
    const c = commit(t, r.version);
    expect(removes(c).map((x) => x.path).sort()).toEqual([f0, f2].sort());
    expect((await t.snapshot()).files.map((f) => f.path)).toContain(f1);
    expect(info(c).operation).toBe('MERGE');
    expect(info(c).operationParameters?.predicate).toBe('"t.id = s.id"');
    expect(info(c).operationMetrics).toMatchObject({
      numSourceRows: '3',
      numTargetRowsInserted: '1',
      numTargetRowsUpdated: '2',
      numTargetRowsDeleted: '0',
      numTargetRowsCopied: '18',
      numTargetFilesRemoved: '2',
      numTargetFilesAdded: String(adds(c).length),
    });
    const all = await rows(t);
    expect(all).toHaveLength(31);
    expect(all.find((x) => x.id === 5)).toEqual({ id: 5, name: 'five' });
    expect(all.find((x) => x.id === 25)).toEqual({ id: 25, name: 'twenty-five' });
    expect(all.find((x) => x.id === 100)).toEqual({ id: 100, name: 'hundred' });
    expect(all.find((x) => x.id === 6)).toEqual({ id: 6, name: 'n6' });
  });

  it('applies the first clause whose condition holds: conditional delete, update, conditional insert', async () => {
    const t = table();
    await threeFiles(t);
    await t.merge({
      source: src(`(1, 'drop'), (2, 'keep'), (3, 'drop'), (50, 'x'), (51, 'skip')`),
      on: 't.id = s.id',
      whenMatched: [
        { condition: `s.name = 'drop'`, action: 'delete' },
        { action: 'update', set: { name: `upper(s.name) || '-' || t.name` } },
      ],
      whenNotMatched: [{ condition: `s.name <> 'skip'`, action: 'insert', values: { id: 's.id * 2', name: `'new'` } }],
    });
    const all = await rows(t);
    expect(all.map((x) => x.id)).not.toContain(1);
    expect(all.map((x) => x.id)).not.toContain(3);
    expect(all.find((x) => x.id === 2)).toEqual({ id: 2, name: 'KEEP-n2' });
    expect(all.find((x) => x.id === 100)).toEqual({ id: 100, name: 'new' });
    expect(all.map((x) => x.id)).not.toContain(51);
    expect(all).toHaveLength(29);
    const m = (await t.history(1))[0].operationMetrics;
    expect(m).toMatchObject({ numTargetRowsDeleted: '2', numTargetRowsUpdated: '1', numTargetRowsInserted: '1', numTargetFilesRemoved: '1' });
  });

  it('skips target files outside the source key range (dynamic file pruning) and keeps results exact', async () => {
    const t = table();
    await threeFiles(t);
    const r = await t.merge({ source: src(`(12, 'a'), (15, 'b')`), on: 's.id = t.id', whenMatched: [{ action: 'updateAll' }] });
    expect(r.operationMetrics).toMatchObject({ numTargetFilesBeforeSkipping: '3', numTargetFilesAfterSkipping: '1', numTargetRowsUpdated: '2' });
    const none = await t.merge({ source: `SELECT CAST(NULL AS INTEGER) AS id, 'z' AS name`, on: 't.id = s.id', whenMatched: [{ action: 'delete' }], whenNotMatched: [{ action: 'insertAll' }] });
    expect(none.operationMetrics).toMatchObject({ numTargetFilesAfterSkipping: '0', numTargetRowsInserted: '1', numTargetRowsDeleted: '0' });
    const strings = await t.merge({ source: src(`(99, 'n21')`), on: 't.name = s.name', whenMatched: [{ action: 'update', set: { id: '-21' } }] });
    expect(strings.operationMetrics.numTargetRowsUpdated).toBe('1');
    const all = await rows(t);
    expect(all.filter((x) => ['a', 'b', 'z'].includes(String(x.name)) || x.id === -21)).toEqual([
      { id: -21, name: 'n21' },
      { id: 12, name: 'a' },
      { id: 15, name: 'b' },
      { id: null, name: 'z' },
    ]);
    expect(all).toHaveLength(31);
  });

  it('refuses several source rows matching one target row, and commits nothing', async () => {
    const t = table();
    await threeFiles(t);
    const e = await t.merge({ source: src(`(4, 'a'), (4, 'b')`), on: 't.id = s.id', whenMatched: [{ action: 'updateAll' }] }).catch((x: unknown) => x);
    expect(isWeirError(e, 'DELTA.MERGE_MULTIPLE_MATCHES')).toBe(true);
    expect((e as Error).message).toContain('multiple source rows matched');
    expect((await t.snapshot()).version).toBe(2);
    // An unconditional DELETE is unambiguous, as in Delta.
    await t.merge({ source: src(`(4, 'a'), (4, 'b')`), on: 't.id = s.id', whenMatched: [{ action: 'delete' }] });
    expect((await rows(t)).map((x) => x.id)).not.toContain(4);
  });

  it('WHEN NOT MATCHED BY SOURCE deletes or updates target rows the source lacks', async () => {
    const t = table();
    await t.create(`SELECT i::INTEGER AS id, 'n' || i AS name FROM range(6) r(i)`);
    await t.merge({
      source: src(`(0, 'zero'), (1, 'one')`),
      on: 't.id = s.id',
      whenMatched: [{ action: 'updateAll' }],
      whenNotMatchedBySource: [
        { condition: 't.id >= 4', action: 'delete' },
        { action: 'update', set: { name: `t.name || '-stale'` } },
      ],
    });
    expect(await rows(t)).toEqual([
      { id: 0, name: 'zero' },
      { id: 1, name: 'one' },
      { id: 2, name: 'n2-stale' },
      { id: 3, name: 'n3-stale' },
    ]);
    expect((await t.history(1))[0].operationMetrics).toMatchObject({ numTargetRowsDeleted: '2', numTargetRowsUpdated: '4' });
  });

  it('insert-only MERGE removes no file', async () => {
    const t = table();
    await threeFiles(t);
    const r = await t.merge({ source: src(`(3, 'dup'), (77, 'new')`), on: 't.id = s.id', whenNotMatched: [{ action: 'insertAll' }] });
    const c = commit(t, r.version);
    expect(removes(c)).toEqual([]);
    expect(adds(c)).toHaveLength(1);
    expect((await rows(t)).filter((x) => x.id === 3 || x.id === 77)).toEqual([
      { id: 3, name: 'n3' },
      { id: 77, name: 'new' },
    ]);
  });

  it('on a partitioned table rewrites only the partition with matches and inserts into new partitions', async () => {
    const t = table();
    await t.create(`SELECT i::INTEGER AS id, CASE WHEN i < 3 THEN 'a' ELSE 'b' END AS p, 0 AS v FROM range(6) r(i)`, { partitionBy: ['p'] });
    await t.merge({
      source: `SELECT * FROM (VALUES (1, 'a', 9), (9, 'c', 9)) v(id, p, v)`,
      on: `t.id = s.id AND t.p = 'a'`,
      whenMatched: [{ action: 'update', set: { v: 's.v' } }],
      whenNotMatched: [{ action: 'insertAll' }],
    });
    const c = commit(t, 1);
    expect(removes(c).map((x) => x.partitionValues)).toEqual([{ p: 'a' }]);
    expect(adds(c).map((x) => x.partitionValues.p).sort()).toEqual(['a', 'c']);
    expect(await rows(t)).toEqual([
      { id: 0, p: 'a', v: 0 },
      { id: 1, p: 'a', v: 9 },
      { id: 2, p: 'a', v: 0 },
      { id: 3, p: 'b', v: 0 },
      { id: 4, p: 'b', v: 0 },
      { id: 5, p: 'b', v: 0 },
      { id: 9, p: 'c', v: 9 },
    ]);
  });

  it('two MERGEs rewriting the same file conflict; a MERGE and a blind append do not', async () => {
    const t = table();
    await threeFiles(t);
    const state = (await t.refresh())!;
    const spec = (id: number) => ({ source: src(`(${id}, 'x')`), on: 't.id = s.id', whenMatched: [{ action: 'updateAll' as const }] });
    const first = await buildMerge(lake.conn, state, spec(1), clock);
    const second = await buildMerge(lake.conn, state, spec(2), clock);
    await DeltaTable.forPath(lake.conn, t.tablePath, { clock }).append(`SELECT 1000::INTEGER AS id, 'appended' AS name`);
    await commitTransaction(first, { conn: lake.conn, clock });
    const e = await commitTransaction(second, { conn: lake.conn, clock }).catch((x: unknown) => x);
    expect(isWeirError(e, 'DELTA.CONCURRENT_MODIFICATION')).toBe(true);
    const all = await rows(DeltaTable.forPath(lake.conn, t.tablePath, { clock }));
    expect(all.find((x) => x.id === 1)).toEqual({ id: 1, name: 'x' });
    expect(all.find((x) => x.id === 1000)).toEqual({ id: 1000, name: 'appended' });
  });
});

describe('MERGE against a reference', () => {
  it('equals the same upsert computed in plain DuckDB for 12 random sources (with NULL keys and key pruning)', async () => {
    let seed = 7;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor(seed / 65536) % k;
    };
    for (let round = 0; round < 12; round++) {
      const t = table();
      for (let f = 0; f < 4; f++) await t.append(`SELECT CASE WHEN i = 3 THEN NULL ELSE ${f * 25} + i END::INTEGER AS id, 'n' || i AS name FROM range(25) r(i)`);
      const target = `SELECT * FROM (${await t.scanSql()})`;
      const before = (await lake.conn.runAndReadAll(target)).getRowObjectsJson();
      const keys = [...new Set(Array.from({ length: 1 + rnd(8) }, () => rnd(130) - 10))];
      const values = keys.map((k) => `(${rnd(6) === 0 ? 'NULL' : k}, 's${k}', ${rnd(2) === 0})`).join(', ');
      const source = `SELECT * FROM (VALUES ${values}) v(id, name, keep)`;
      await lake.conn.run(`CREATE OR REPLACE TEMP TABLE ref_target AS SELECT * FROM (VALUES ${before.map((r) => `(${r.id ?? 'NULL'}, '${r.name}')`).join(', ')}) v(id, name)`);
      await lake.conn.run(`CREATE OR REPLACE TEMP TABLE ref_source AS ${source}`);
      const expected = (await lake.conn.runAndReadAll(`
        SELECT t.id, t.name FROM ref_target t WHERE NOT EXISTS (SELECT 1 FROM ref_source s WHERE s.id = t.id)
        UNION ALL SELECT t.id, s.name FROM ref_target t JOIN ref_source s ON s.id = t.id WHERE s.keep
        UNION ALL SELECT s.id, s.name FROM ref_source s WHERE NOT EXISTS (SELECT 1 FROM ref_target t WHERE s.id = t.id)
        ORDER BY ALL`)).getRowObjectsJson();
      await t.merge({
        source,
        on: 't.id = s.id',
        whenMatched: [{ condition: 's.keep', action: 'update', set: { name: 's.name' } }, { action: 'delete' }],
        whenNotMatched: [{ action: 'insert', values: { id: 's.id', name: 's.name' } }],
      });
      const actual = (await lake.conn.runAndReadAll(`SELECT * FROM (${await t.scanSql()}) ORDER BY ALL`)).getRowObjectsJson();
      expect(actual, `round ${round}: source ${values}`).toEqual(expected);
    }
  });
});
