import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useLakeFixture } from './support/lake-fixture.js';
import { isWeirError } from '../src/domain/weir-error.js';
import { DeltaTable } from '../src/lake/delta-table.js';
import { commitTransaction } from '../src/lake/commit/commit-transaction.js';
import { refreshState } from '../src/lake/commit/table-state.js';
import { buildWrite } from '../src/lake/write/build-write.js';

const lake = useLakeFixture('weir-lake-conc-');
const clock = lake.clock;

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await lake.conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

/** Starts writers, releases them together once all are ready, and collects their exit codes and output. */
async function runChildren(argsList: string[][]): Promise<{ code: number | null; out: string; err: string }[]> {
  const children = argsList.map((args) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/delta-writer-child.ts', ...args], { cwd: join(import.meta.dirname, '..'), env: { ...process.env, WEIR_WAIT_GO: '1' } });
    const r = { code: null as number | null, out: '', err: '' };
    const ready = new Promise<void>((resolve) => child.stdout.on('data', (d) => ((r.out += d), r.out.includes('ready\n') && resolve())));
    child.stderr.on('data', (d) => (r.err += d));
    const exited = new Promise<typeof r>((resolve) => child.on('exit', (code) => resolve({ ...r, code })));
    return { child, ready, exited };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.stdin.write('go\n');
  return Promise.all(children.map((c) => c.exited));
}

describe('concurrent writers', () => {
  it('4 processes × 10 appends: every row arrives, versions contiguous, no commit lost', async () => {
    const path = join(lake.root, 'appends');
    const t = DeltaTable.forPath(lake.conn, path, { clock });
    await t.create(`SELECT 0::INTEGER AS w, 0::INTEGER AS b, 0::BIGINT AS r, 'x' AS s WHERE false`);
    const results = await runChildren([1, 2, 3, 4].map((w) => [path, String(w), '10', '50']));
    for (const r of results) expect(r, r.err).toMatchObject({ code: 0 });
    const versions = results.flatMap((r) => r.out.split('\n').filter((l) => l.startsWith('committed ')).map((l) => Number(l.slice(10))));
    expect(versions.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const logFiles = readdirSync(join(path, '_delta_log')).filter((f) => f.endsWith('.json'));
    expect(logFiles).toHaveLength(41);
    const snap = await t.snapshot();
    expect(snap.version).toBe(40);
    expect(snap.files).toHaveLength(40);
    const got = await rows(`SELECT w, count(DISTINCT b) AS batches, count(*) AS n FROM (${await t.scanSql()}) GROUP BY w ORDER BY w`);
    expect(got).toEqual([1, 2, 3, 4].map((w) => ({ w, batches: '10', n: '500' })));
    expect(readdirSync(join(path, '_delta_log')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(snap.files.filter((f, i, all) => all.findIndex((g) => g.path === f.path) !== i)).toEqual([]);
  }, 120_000);

  it('4 processes replaying one stream with txn: every batch lands exactly once, none fails', async () => {
    const path = join(lake.root, 'exactly-once');
    const t = DeltaTable.forPath(lake.conn, path, { clock });
    await t.create(`SELECT 0::INTEGER AS w, 0::INTEGER AS b, 0::BIGINT AS r, 'x' AS s WHERE false`);
    const results = await runChildren([1, 2, 3, 4].map((w) => [path, String(w), '10', '20', 'stream-a']));
    for (const r of results) expect(r, r.err).toMatchObject({ code: 0 });
    const committed = results.flatMap((r) => r.out.split('\n').filter((l) => l.startsWith('committed ')));
    expect(committed).toHaveLength(10);
    const got = await rows(`SELECT b, count(*) AS n FROM (${await t.scanSql()}) GROUP BY b ORDER BY b`);
    expect(got).toEqual(Array.from({ length: 10 }, (_, b) => ({ b, n: '20' })));
    expect((await t.snapshot()).txns.get('stream-a')).toBe(9);
    const parquet = readdirSync(path).filter((f) => f.endsWith('.parquet'));
    expect(parquet).toHaveLength(10); // losers removed the files they wrote
  }, 120_000);

  it('two overwrites from the same read version: one wins, the other fails with DELTA.CONCURRENT_MODIFICATION', async () => {
    const path = join(lake.root, 'overwrites');
    const t = DeltaTable.forPath(lake.conn, path, { clock });
    await t.create(`SELECT 1 AS id`);
    const read = await refreshState(path);
    const a = await buildWrite(lake.conn, path, read, `SELECT 2 AS id`, { mode: 'overwrite' }, clock);
    const b = await buildWrite(lake.conn, path, read, `SELECT 3 AS id`, { mode: 'overwrite' }, clock);
    expect((await commitTransaction(a, { conn: lake.conn, clock })).version).toBe(1);
    const err = await commitTransaction(b, { conn: lake.conn, clock }).catch((e: unknown) => e);
    expect(isWeirError(err, 'DELTA.CONCURRENT_MODIFICATION')).toBe(true);
    expect((err as Error).message).toMatch(/read at version 0\) lost to version 1: both transactions removed the file part-00000-.*\.parquet/);
    expect(await rows(`SELECT id FROM (${await t.scanSql()})`)).toEqual([{ id: 2 }]);
    expect((await t.snapshot()).version).toBe(1);
  });

  it('a blind append retries over a concurrent append; an overwrite fails over a concurrent append; same txn appId conflicts', async () => {
    const path = join(lake.root, 'mixed');
    const t = DeltaTable.forPath(lake.conn, path, { clock });
    await t.create(`SELECT 1 AS id`);
    const read = await refreshState(path);
    const app1 = await buildWrite(lake.conn, path, read, `SELECT 2 AS id`, { mode: 'append' }, clock);
    const app2 = await buildWrite(lake.conn, path, read, `SELECT 3 AS id`, { mode: 'append' }, clock);
    const over = await buildWrite(lake.conn, path, read, `SELECT 4 AS id`, { mode: 'overwrite' }, clock);
    const txn = await buildWrite(lake.conn, path, read, `SELECT 5 AS id`, { mode: 'append', txn: { appId: 's', version: 1 } }, clock);
    const txn2 = await buildWrite(lake.conn, path, read, `SELECT 6 AS id`, { mode: 'append', txn: { appId: 's', version: 2 } }, clock);
    expect((await commitTransaction(app1, { conn: lake.conn, clock })).version).toBe(1);
    expect((await commitTransaction(app2, { conn: lake.conn, clock })).version).toBe(2);
    await expect(commitTransaction(over, { conn: lake.conn, clock })).rejects.toSatisfy((e) => isWeirError(e, 'DELTA.CONCURRENT_MODIFICATION') && /lost to version 1: it added .* in data this WRITE read/.test((e as Error).message));
    expect((await commitTransaction(txn, { conn: lake.conn, clock })).version).toBe(3);
    await expect(commitTransaction(txn2, { conn: lake.conn, clock })).rejects.toSatisfy((e) => isWeirError(e, 'DELTA.CONCURRENT_MODIFICATION') && /txn for the same appId "s"/.test((e as Error).message));
    expect(await rows(`SELECT id FROM (${await t.scanSql()}) ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }, { id: 5 }]);
  });

  it('two creators racing: one creates, the other fails', async () => {
    const path = join(lake.root, 'create-race');
    const a = await buildWrite(lake.conn, path, undefined, `SELECT 1 AS id`, { mode: 'create' }, clock);
    const b = await buildWrite(lake.conn, path, undefined, `SELECT 'x' AS other`, { mode: 'create' }, clock);
    await commitTransaction(a, { conn: lake.conn, clock });
    await expect(commitTransaction(b, { conn: lake.conn, clock })).rejects.toSatisfy((e) => isWeirError(e, 'DELTA.CONCURRENT_MODIFICATION') && /changed the table protocol/.test((e as Error).message));
    expect(await rows(`SELECT * FROM (${await DeltaTable.forPath(lake.conn, path).scanSql()})`)).toEqual([{ id: 1 }]);
  });
});
