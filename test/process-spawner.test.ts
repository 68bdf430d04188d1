import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessSpawner } from '../src/executor/runners/process-spawner.js';
import { nativeSpawnerHelper, pythonSpawnerHelper, type SpawnerHelper } from '../src/executor/runners/spawner-helper.js';

const dir = mkdtempSync(join(tmpdir(), 'weir-spawner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const helpers: [string, SpawnerHelper | undefined][] = [
  ['native', nativeSpawnerHelper()],
  ['python', pythonSpawnerHelper()],
];

for (const [name, helper] of helpers) {
  // The native helper needs a C compiler (`cc`), the Python one python3: both are on CI's machine.
  describe.skipIf(!helper)(`${name} spawner helper`, () => {
    const spawner = new ProcessSpawner(helper);
    afterAll(() => spawner.close());
    let n = 0;
    const logs = () => {
      n++;
      return { stdout: join(dir, `${name}-${n}.out`), stderr: join(dir, `${name}-${n}.err`) };
    };

    it('runs argv in cwd with the request env on top of weir env, appending to log files it creates', async () => {
      const l = logs();
      writeFileSync(l.stdout, 'before\n');
      const p = await spawner.start({ argv: ['sh', '-c', 'pwd; echo "$WEIR_X $HOME"; echo oops >&2', 'sh'], cwd: dir, env: { WEIR_X: 'a b=c' }, ...l });
      expect(p.pid).toBeGreaterThan(0);
      expect(await p.exit).toEqual({ exitCode: 0, signal: null });
      expect(readFileSync(l.stdout, 'utf8')).toBe(`before\n${dir}\na b=c ${process.env.HOME}\n`);
      expect(readFileSync(l.stderr, 'utf8')).toBe('oops\n');
    });

    it('reports exit codes and signals, and kills what the process left in its group', async () => {
      const l = logs();
      const code = await spawner.start({ argv: ['sh', '-c', 'exit 7'], cwd: dir, env: {}, ...l });
      expect(await code.exit).toEqual({ exitCode: 7, signal: null });
      const killed = await spawner.start({ argv: ['sh', '-c', 'kill -TERM $$'], cwd: dir, env: {}, ...l });
      expect(await killed.exit).toEqual({ exitCode: null, signal: 'SIGTERM' });
      const pidFile = join(dir, `${name}-bg.pid`);
      const leaves = await spawner.start({ argv: ['sh', '-c', `sleep 30 & echo $! > ${pidFile}`], cwd: dir, env: {}, ...l });
      await leaves.exit;
      const bg = Number(readFileSync(pidFile, 'utf8'));
      await expect.poll(() => alive(bg), { timeout: 2000 }).toBe(false);
    });

    it('fails with the errno of a program that is not on PATH or a missing folder', async () => {
      await expect(spawner.start({ argv: ['weir-no-such-program'], cwd: dir, env: {}, ...logs() })).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(spawner.start({ argv: ['true'], cwd: join(dir, 'missing'), env: {}, ...logs() })).rejects.toMatchObject({ code: 'ENOENT' });
      // Searched on the child's PATH, not weir's.
      writeFileSync(join(dir, 'only-here'), '#!/bin/sh\necho found\n', { mode: 0o755 });
      const l = logs();
      const p = await spawner.start({ argv: ['only-here'], cwd: dir, env: { PATH: `${dir}:/usr/bin:/bin` }, ...l });
      expect(await p.exit).toEqual({ exitCode: 0, signal: null });
      expect(readFileSync(l.stdout, 'utf8')).toBe('found\n');
    });

    it('starts children with default signals, so a closed pipe ends a writer quietly', async () => {
      const l = logs();
      // With SIGPIPE ignored (as Node and Python have it), `yes` would write "Broken pipe" to stderr and exit 1.
      const p = await spawner.start({ argv: ['sh', '-c', 'yes | head -1'], cwd: dir, env: {}, ...l });
      expect(await p.exit).toEqual({ exitCode: 0, signal: null });
      expect(readFileSync(l.stderr, 'utf8')).toBe('');
    });

    it('runs many processes at once and matches each exit to its request', async () => {
      const runs = await Promise.all(Array.from({ length: 40 }, (_, i) => spawner.start({ argv: ['sh', '-c', `exit ${i % 5}`], cwd: dir, env: {}, ...logs() })));
      const exits = await Promise.all(runs.map((r) => r.exit));
      expect(exits.map((e) => e.exitCode)).toEqual(Array.from({ length: 40 }, (_, i) => i % 5));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').startsWith('Z');
  } catch {
    return false;
  }
}
