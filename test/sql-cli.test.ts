import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const MAIN = join(ROOT, 'src/cli/main.ts');
let dir: string;
let server: ChildProcess;
let env: Record<string, string>;

function weir(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-sqlcli-'));
  server = spawn(process.execPath, ['--import', 'tsx', MAIN, 'server', '--data-dir', join(dir, 'srv'), '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    server.stdout!.on('data', (b) => {
      out += b;
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) ok(m[1]);
    });
    server.once('exit', () => fail(new Error(out)));
  });
  env = { WEIR_URL: url, WEIR_DATA_DIR: join(dir, 'srv') };
}, 60_000);
afterAll(() => {
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('weir sql', () => {
  it('runs -e scripts against the server and prints table, json and csv', () => {
    const created = weir(['sql', '-e', `CREATE TABLE main.default.people AS SELECT * FROM (VALUES (1, 'Ada, Countess', NULL), (2, 'Bob "B"', 3.5)) AS t(id, name, score)`]);
    expect(created.err).toBe('');
    expect(created.out).toContain('num_inserted_rows');
    const query = 'SELECT id, name, score FROM people ORDER BY id';
    const table = weir(['sql', '-e', query]);
    expect(table.out).toBe(['id | name          | score', '---+---------------+------', '1  | Ada, Countess | NULL', '2  | Bob "B"       | 3.5', '(2 rows)', ''].join('\n'));
    const json = weir(['sql', '-e', query, '--format', 'json']);
    expect(json.out.trim().split('\n').map((l) => JSON.parse(l))).toEqual([{ id: 1, name: 'Ada, Countess', score: null }, { id: 2, name: 'Bob "B"', score: 3.5 }]);
    const csv = weir(['sql', '-e', query, '--format', 'csv']);
    expect(csv.out).toBe('id,name,score\n1,"Ada, Countess",\n2,"Bob ""B""",3.5\n');
  });

  it('exits 1 with the server error for a failing statement', () => {
    const r = weir(['sql', '-e', 'SELECT * FROM main.default.missing']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/NOT_FOUND: table main\.default\.missing does not exist/);
  });

  it('reads statements from the prompt, keeping USE between them', () => {
    const r = weir(['sql', '--format', 'csv'], 'CREATE SCHEMA s2;\nUSE SCHEMA s2;\nCREATE TABLE t AS\n  SELECT 42 AS answer;\nSELECT * FROM main.s2.t;\nSELECT count(*) AS n FROM t;\nexit\n');
    expect(r.err).toBe('');
    expect(r.out).toContain('answer\n42\n');
    expect(r.out).toContain('n\n1\n');
  });
});
