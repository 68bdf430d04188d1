import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable } from '../src/lake/delta-table.js';
import { refreshState } from '../src/lake/commit/table-state.js';
import { loadSnapshot } from '../src/lake/load-snapshot.js';

let instance: DuckDBInstance;
let conn: DuckDBConnection;
let root: string;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  root = mkdtempSync(join(tmpdir(), 'weir-lake-crash-'));
});
afterAll(() => {
  conn.closeSync();
  instance.closeSync();
  rmSync(root, { recursive: true, force: true });
});

/** Deterministic PRNG (mulberry32), so a failing kill schedule can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Starts an endless writer, waits for it to be ready plus `delayMs`, then SIGKILLs it. Resolves with its commits. */
function killWriterAfter(path: string, writer: number, batch: number, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/delta-writer-child.ts', path, String(writer), '0', String(batch)], { cwd: join(import.meta.dirname, '..') });
    let out = '';
    let err = '';
    let armed = false;
    child.stdout.on('data', (d) => {
      out += d;
      if (!armed && out.includes('ready\n')) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code} before being killed: ${err}`));
      else resolve(out.split('\n').filter((l) => l.startsWith('committed ')).length);
    });
  });
}

describe('crash safety', () => {
  it('SIGKILL at 24 random points never leaves the table unreadable or partly written', async () => {
    const path = join(root, 'table');
    const batch = 2000;
    const t = DeltaTable.forPath(conn, path);
    await t.create(`SELECT 0::INTEGER AS w, 0::INTEGER AS b, 0::BIGINT AS r, 'x' AS s WHERE false`, { properties: { 'delta.checkpointInterval': '2' } });
    const rand = prng(20261129);
    let committed = 0;
    for (let k = 1; k <= 24; k++) {
      committed += await killWriterAfter(path, k, batch, Math.floor(rand() * 400));
      const state = await refreshState(path);
      expect(state, `after kill ${k}`).toBeDefined();
      const snap = await loadSnapshot(path, { conn }); // the reader, from the newest checkpoint
      expect(snap.version).toBe(state!.snapshot.version);
      expect(snap.files.map((f) => f.path).sort()).toEqual(state!.snapshot.files.map((f) => f.path).sort());
      const [total] = (await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM (${await t.scanSql()})`)).getRowObjectsJson();
      expect(Number(total.n) % batch, `after kill ${k}`).toBe(0);
      const partial = (await conn.runAndReadAll(`SELECT w, b, count(*) AS n FROM (${await t.scanSql()}) GROUP BY w, b HAVING count(*) <> ${batch}`)).getRowObjectsJson();
      expect(partial, `after kill ${k}`).toEqual([]);
      expect(Number(total.n) / batch).toBe(snap.version); // one batch per commit after the empty v0
    }
    expect(committed).toBeGreaterThan(0);
    // Every checkpoint that exists is complete: it lists exactly the live files of its version.
    const checkpoints = readdirSync(join(path, '_delta_log')).filter((f) => /^\d{20}\.checkpoint\.parquet$/.test(f));
    expect(checkpoints.length).toBeGreaterThan(3);
    for (const f of checkpoints) {
      const version = Number(f.slice(0, 20));
      const [c] = (await conn.runAndReadAll(`SELECT count(add)::INTEGER AS a FROM read_parquet('${join(path, '_delta_log', f)}')`)).getRowObjectsJson();
      expect(c.a, f).toBe((await t.snapshot({ version })).files.length);
    }
  }, 300_000);
});
