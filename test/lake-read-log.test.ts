/**
 * Log replay on hand-built tables: checkpoints (classic, multi-part, V2 with sidecars; damaged, incomplete, or
 * named by a dangling `_last_checkpoint`), cleaned-up history, reconciliation by (path, DV id), ignored files,
 * commit timestamps, and the errors for a missing table, a missing version and unsupported reader features.
 */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versionStem, type Action } from '../src/lake/actions.js';
import { loadSnapshot } from '../src/lake/load-snapshot.js';
import { listVersions } from '../src/lake/log/list-versions.js';
import { readCommit } from '../src/lake/log/read-commit.js';
import { readTable } from '../src/lake/scan/read-table.js';

let instance: DuckDBInstance;
let conn: DuckDBConnection;
let root: string;
let n = 0;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  root = mkdtempSync(join(tmpdir(), 'weir-lake-read-log-'));
});
afterAll(() => {
  conn?.closeSync();
  instance?.closeSync();
  rmSync(root, { recursive: true, force: true });
});

const SCHEMA = JSON.stringify({ type: 'struct', fields: [{ name: 'id', type: 'long', nullable: true, metadata: {} }] });
const protocol = (r = 1, w = 2, readerFeatures?: string[]): Action => ({ protocol: { minReaderVersion: r, minWriterVersion: w, ...(readerFeatures ? { readerFeatures, writerFeatures: readerFeatures } : {}) } });
const metaData: Action = { metaData: { id: 'tbl', format: { provider: 'parquet', options: {} }, schemaString: SCHEMA, partitionColumns: [], configuration: {}, createdTime: 0 } };
const add = (path: string, extra: Record<string, unknown> = {}): Action => ({ add: { path, partitionValues: {}, size: 1, modificationTime: 0, dataChange: true, ...extra } });
const remove = (path: string, extra: Record<string, unknown> = {}): Action => ({ remove: { path, deletionTimestamp: 0, dataChange: true, ...extra } });
const info = (timestamp: number): Action => ({ commitInfo: { timestamp, operation: 'WRITE' } });

function newTable(): string {
  const dir = join(root, `t${n++}`);
  mkdirSync(join(dir, '_delta_log'), { recursive: true });
  return dir;
}
function commit(dir: string, version: number, actions: Action[]): void {
  writeFileSync(join(dir, '_delta_log', `${versionStem(version)}.json`), actions.map((a) => JSON.stringify(a)).join('\n') + '\n');
}
async function dataFile(dir: string, name: string, ids: number[]): Promise<void> {
  await conn.run(`COPY (SELECT unnest([${ids.join(',')}]::BIGINT[]) AS id) TO '${join(dir, name)}' (FORMAT parquet)`);
}
/** Writes actions as a Parquet checkpoint (one struct column per action kind) via DuckDB's JSON reader. */
async function parquetActions(file: string, actions: Action[]): Promise<void> {
  const tmp = `${file}.ndjson`;
  writeFileSync(tmp, actions.map((a) => JSON.stringify(a)).join('\n') + '\n');
  await conn.run(`COPY (SELECT * FROM read_json('${tmp}', format = 'newline_delimited')) TO '${file}' (FORMAT parquet)`);
  unlinkSync(tmp);
}
const paths = (s: { files: Array<{ path: string }> }): string[] => s.files.map((f) => f.path).sort();

/** v0 a, v1 b, v2 remove a + c, v3 d; data files exist for all four. */
async function fourVersions(): Promise<string> {
  const dir = newTable();
  for (const [f, ids] of [['a', [1]], ['b', [2]], ['c', [3]], ['d', [4]]] as const) await dataFile(dir, `${f}.parquet`, [...ids]);
  commit(dir, 0, [info(1000), protocol(), metaData, add('a.parquet')]);
  commit(dir, 1, [info(2000), add('b.parquet')]);
  commit(dir, 2, [info(3000), remove('a.parquet'), add('c.parquet')]);
  commit(dir, 3, [info(4000), add('d.parquet')]);
  return dir;
}
const STATE_AT_2: Action[] = [protocol(), metaData, add('b.parquet'), add('c.parquet'), remove('a.parquet')];

describe('log replay', () => {
  it('replays JSON commits, time-travels by version and by timestamp', async () => {
    const dir = await fourVersions();
    expect(paths(await loadSnapshot(dir))).toEqual(['b.parquet', 'c.parquet', 'd.parquet']);
    expect(paths(await loadSnapshot(dir, { version: 1 }))).toEqual(['a.parquet', 'b.parquet']);
    const s2 = await loadSnapshot(dir, { timestamp: 3500 });
    expect([s2.version, s2.timestamp]).toEqual([2, 3000]);
    expect(s2.tombstones.map((r) => r.path)).toEqual(['a.parquet']);
    const { rows } = await readTable(conn, await loadSnapshot(dir));
    expect(rows.map((r) => Number(r.id)).sort()).toEqual([2, 3, 4]);
    expect((await readCommit(dir, 2)).map((a) => Object.keys(a)[0])).toEqual(['commitInfo', 'remove', 'add']);
    expect(await listVersions(dir)).toEqual([1000, 2000, 3000, 4000].map((timestamp, version) => ({ version, timestamp })));
  });

  it('starts from a classic checkpoint when early commits were cleaned up', async () => {
    const dir = await fourVersions();
    await parquetActions(join(dir, '_delta_log', `${versionStem(2)}.checkpoint.parquet`), STATE_AT_2);
    unlinkSync(join(dir, '_delta_log', `${versionStem(0)}.json`));
    unlinkSync(join(dir, '_delta_log', `${versionStem(1)}.json`));
    const s = await loadSnapshot(dir);
    expect([s.version, s.checkpointVersion]).toEqual([3, 2]);
    expect(paths(s)).toEqual(['b.parquet', 'c.parquet', 'd.parquet']);
    expect(s.protocol).toEqual({ minReaderVersion: 1, minWriterVersion: 2 });
    await expect(loadSnapshot(dir, { version: 1 })).rejects.toMatchObject({ code: 'DELTA.VERSION_NOT_FOUND' });
    await expect(loadSnapshot(dir, { version: 4 })).rejects.toMatchObject({ code: 'DELTA.VERSION_NOT_FOUND' });
  });

  it('falls back past a damaged checkpoint and a dangling _last_checkpoint', async () => {
    const dir = await fourVersions();
    writeFileSync(join(dir, '_delta_log', `${versionStem(2)}.checkpoint.parquet`), 'not parquet');
    await parquetActions(join(dir, '_delta_log', `${versionStem(3)}.checkpoint.parquet`), [add('b.parquet')]); // readable, but no protocol/metaData
    writeFileSync(join(dir, '_delta_log', '_last_checkpoint'), JSON.stringify({ version: 3, size: 4 }));
    const s = await loadSnapshot(dir);
    expect([s.version, s.checkpointVersion]).toEqual([3, -1]);
    expect(paths(s)).toEqual(['b.parquet', 'c.parquet', 'd.parquet']);
  });

  it('uses a complete multi-part checkpoint and ignores an incomplete one', async () => {
    const dir = await fourVersions();
    const part = (v: number, i: number, of: number): string => join(dir, '_delta_log', `${versionStem(v)}.checkpoint.${String(i).padStart(10, '0')}.${String(of).padStart(10, '0')}.parquet`);
    await parquetActions(part(2, 1, 2), STATE_AT_2.slice(0, 3));
    await parquetActions(part(2, 2, 2), STATE_AT_2.slice(3));
    await parquetActions(part(3, 1, 2), [...STATE_AT_2, add('d.parquet')]); // part 2 of 2 never written
    const s = await loadSnapshot(dir);
    expect([s.version, s.checkpointVersion]).toEqual([3, 2]);
    expect(paths(s)).toEqual(['b.parquet', 'c.parquet', 'd.parquet']);
  });

  for (const format of ['json', 'parquet'] as const) {
    it(`reads a V2 ${format} checkpoint whose files live in sidecars`, async () => {
      const dir = await fourVersions();
      mkdirSync(join(dir, '_delta_log', '_sidecars'));
      await parquetActions(join(dir, '_delta_log', '_sidecars', 'side-1.parquet'), [add('b.parquet'), remove('a.parquet')]);
      await parquetActions(join(dir, '_delta_log', '_sidecars', 'side-2.parquet'), [add('c.parquet')]);
      const v2: Action[] = [protocol(3, 7, ['v2Checkpoint']), metaData, { checkpointMetadata: { version: 2 } }, ...['side-1.parquet', 'side-2.parquet'].map((p): Action => ({ sidecar: { path: p, sizeInBytes: 1, modificationTime: 0 } }))];
      const file = join(dir, '_delta_log', `${versionStem(2)}.checkpoint.3a0d65cd-4056-49b8-937b-95f9e3ee90e5.${format}`);
      if (format === 'json') writeFileSync(file, v2.map((a) => JSON.stringify(a)).join('\n'));
      else await parquetActions(file, v2);
      for (const v of [0, 1]) unlinkSync(join(dir, '_delta_log', `${versionStem(v)}.json`));
      const s = await loadSnapshot(dir);
      expect([s.version, s.checkpointVersion]).toEqual([3, 2]);
      expect(paths(s)).toEqual(['b.parquet', 'c.parquet', 'd.parquet']);
      expect(s.tombstones.map((r) => r.path)).toEqual(['a.parquet']);
    });
  }

  it('reconciles by canonical path and deletion vector id; ignores unknown actions, fields and stray files', async () => {
    const dir = newTable();
    const dv = (id: string) => ({ storageType: 'i', pathOrInlineDv: id, sizeInBytes: 1, cardinality: 1 });
    commit(dir, 0, [protocol(3, 7, ['deletionVectors']), metaData, add('x.parquet'), add('y%20z.parquet'), { futureAction: { a: 1 } } as unknown as Action]);
    commit(dir, 1, [remove(pathToFileURL(join(dir, 'x.parquet')).href), add('w.parquet', { deletionVector: dv('aaaaa'), brandNewField: 7 })]);
    commit(dir, 2, [remove('w.parquet', { deletionVector: dv('aaaaa') }), add('w.parquet', { deletionVector: dv('bbbbb') })]);
    writeFileSync(join(dir, '_delta_log', `${versionStem(2)}.crc`), '{}');
    mkdirSync(join(dir, '_delta_log', '.tmp'));
    writeFileSync(join(dir, '_delta_log', '.tmp', `${versionStem(3)}.json`), JSON.stringify(add('ghost.parquet')));
    writeFileSync(join(dir, '_delta_log', `.${versionStem(3)}.json.crc`), 'x');
    const s = await loadSnapshot(dir);
    expect(s.version).toBe(2);
    expect(s.files.map((f) => [f.path, f.deletionVector?.pathOrInlineDv])).toEqual([['y%20z.parquet', undefined], ['w.parquet', 'bbbbb']]);
  });

  it('takes in-commit timestamps, then commitInfo.timestamp, then the file mtime', async () => {
    const dir = newTable();
    commit(dir, 0, [{ commitInfo: { timestamp: 5000, inCommitTimestamp: 4000 } }, protocol(), metaData]);
    commit(dir, 1, [info(6000)]);
    commit(dir, 2, [add('a.parquet')]);
    utimesSync(join(dir, '_delta_log', `${versionStem(2)}.json`), 1, 1); // a copied table: mtime older than the commits
    expect((await loadSnapshot(dir, { version: 0 })).timestamp).toBe(4000);
    expect((await loadSnapshot(dir, { version: 1 })).timestamp).toBe(6000);
    expect((await loadSnapshot(dir)).timestamp).toBe(1000);
    // Time travel sees timestamps made increasing: version 2 (mtime 1 s) counts as 6001 ms.
    expect(await listVersions(dir)).toEqual([{ version: 0, timestamp: 4000 }, { version: 1, timestamp: 6000 }, { version: 2, timestamp: 6001 }]);
    expect((await loadSnapshot(dir, { timestamp: 6001 })).version).toBe(2);
  });
});

describe('reader errors', () => {
  it('DELTA.NOT_A_TABLE for a missing folder or an empty log', async () => {
    await expect(loadSnapshot(join(root, 'nope'))).rejects.toMatchObject({ code: 'DELTA.NOT_A_TABLE', message: expect.stringContaining('_delta_log') });
    await expect(loadSnapshot(newTable())).rejects.toMatchObject({ code: 'DELTA.NOT_A_TABLE' });
    const headless = newTable();
    commit(headless, 5, [info(1), add('a.parquet')]);
    await expect(loadSnapshot(headless)).rejects.toMatchObject({ code: 'DELTA.NOT_A_TABLE', message: expect.stringContaining('neither commit 0 nor a checkpoint') });
  });

  it('DELTA.VERSION_NOT_FOUND for a version past the latest, before the first, or a missing commit', async () => {
    const dir = await fourVersions();
    await expect(loadSnapshot(dir, { version: 9 })).rejects.toMatchObject({ code: 'DELTA.VERSION_NOT_FOUND', message: expect.stringContaining('latest version is 3') });
    await expect(loadSnapshot(dir, { timestamp: 999 })).rejects.toMatchObject({ code: 'DELTA.VERSION_NOT_FOUND' });
    await expect(loadSnapshot(dir, { timestamp: 2000, version: 1 })).rejects.toMatchObject({ code: 'VALIDATION.INVALID' });
    await expect(readCommit(dir, 9)).rejects.toMatchObject({ code: 'DELTA.VERSION_NOT_FOUND' });
    unlinkSync(join(dir, '_delta_log', `${versionStem(1)}.json`));
    await expect(loadSnapshot(dir)).rejects.toMatchObject({ code: 'DELTA.VERSION_NOT_FOUND', message: expect.stringContaining('missing commit 1') });
  });

  it('DELTA.UNSUPPORTED_FEATURE names the reader feature or version weir lacks', async () => {
    const dir = newTable();
    commit(dir, 0, [protocol(3, 7, ['deletionVectors', 'variantType']), metaData]);
    await expect(loadSnapshot(dir)).rejects.toMatchObject({ code: 'DELTA.UNSUPPORTED_FEATURE', params: { feature: 'variantType' }, message: expect.stringContaining('variantType') });
    const v4 = newTable();
    commit(v4, 0, [protocol(4, 7), metaData]);
    await expect(loadSnapshot(v4)).rejects.toMatchObject({ code: 'DELTA.UNSUPPORTED_FEATURE', message: expect.stringContaining('reader version 4') });
  });

  it('DELTA.LOG_CORRUPT with file:line for a damaged commit', async () => {
    const dir = newTable();
    writeFileSync(join(dir, '_delta_log', `${versionStem(0)}.json`), `${JSON.stringify(protocol())}\n{"metaData": oops\n`);
    await expect(loadSnapshot(dir)).rejects.toMatchObject({ code: 'DELTA.LOG_CORRUPT', message: expect.stringContaining(`${versionStem(0)}.json:2`) });
  });
});
