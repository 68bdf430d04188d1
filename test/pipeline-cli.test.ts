import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const MAIN = resolve(import.meta.dirname, '../src/cli/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'weir-pipe-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function weir(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), MAIN, ...args], { cwd: dir });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => ok({ code, out, err }));
  });
}

it('weir pipelines run / validate / graph work on a folder of SQL files without a server', { timeout: 120_000 }, async () => {
  const folder = join(dir, 'shop');
  mkdirSync(join(dir, 'landing'), { recursive: true });
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(dir, 'landing', 'a.json'), '{"id":1,"v":5}\n{"id":2,"v":-1}\n');
  writeFileSync(join(folder, 'raw.sql'), `CREATE OR REFRESH STREAMING TABLE raw AS SELECT * FROM STREAM read_files('${join(dir, 'landing')}', format => 'json');\n`);
  writeFileSync(join(folder, 'clean.sql'), 'CREATE OR REFRESH MATERIALIZED VIEW clean (CONSTRAINT positive EXPECT (v > 0) ON VIOLATION DROP ROW) AS SELECT * FROM LIVE.raw;\n');

  const graph = await weir(['pipelines', 'graph', 'shop', '--data-dir', 'data']);
  expect(graph.code, graph.err).toBe(0);
  expect(graph.out).toBe('main.default.raw  [streaming_table]\nmain.default.clean  [materialized_view]  ← main.default.raw\n');

  const run = await weir(['pipelines', 'run', 'shop', '--data-dir', 'data']);
  expect(run.code, run.out + run.err).toBe(0);
  expect(run.out).toMatch(/✓ main\.default\.raw COMPLETED, 2 row\(s\)/);
  expect(run.out).toMatch(/✓ main\.default\.clean COMPLETED, 1 row\(s\), 1 dropped by expectations/);
  expect(run.out).toMatch(/update COMPLETED\n$/);

  writeFileSync(join(folder, 'broken.sql'), 'CREATE OR REFRESH MATERIALIZED VIEW broken AS SELECT * FROM LIVE.claen;\n');
  const bad = await weir(['pipelines', 'validate', 'shop', '--data-dir', 'data']);
  expect(bad.code).toBe(1);
  expect(bad.out).toMatch(/broken\.sql:1:\d+: .*claen.*did you mean/i);
  expect(bad.out).toMatch(/update FAILED/);
});
