import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { simpleCommandArgv } from '../src/executor/runners/simple-command.js';
import { sh, stdoutOf, useHarness } from './support/weir-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'weir-simple-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PATH = `${dir}:/usr/bin:/bin`;

describe('simpleCommandArgv: which shell_task commands run without /bin/sh', () => {
  it('splits a plain command into words and finds its program on PATH', () => {
    expect(simpleCommandArgv('true', PATH)).toEqual(['/usr/bin/true']);
    expect(simpleCommandArgv('  ls  -la /tmp\t--color=never ', PATH)).toEqual(['/usr/bin/ls', '-la', '/tmp', '--color=never']);
  });

  it('leaves everything the shell would interpret to the shell', () => {
    for (const c of ['echo "a b"', "echo 'a'", 'ls *.txt', 'ls ~', 'X=1 env', 'a && b', 'a | b', 'a > f', 'a; b', 'cat $HOME', 'echo `x`', 'ls a\\ b', 'ls # c', 'ls\nls', 'ls (a)', 'ls {a,b}', 'ls a?']) {
      expect(simpleCommandArgv(c, PATH), c).toBeUndefined();
    }
  });

  it('leaves builtins, keywords and utilities whose builtin differs to the shell', () => {
    for (const c of ['cd /tmp', 'exit 3', 'export A', 'echo hi', 'printf x', 'test -f x', '[ -f x ]', 'kill 1', 'pwd', 'set -e', 'if', 'exec true', '. ./env', 'source x', 'umask 022']) {
      expect(simpleCommandArgv(c, PATH), c).toBeUndefined();
    }
  });

  it('leaves paths, programs not on PATH and scripts without #! to the shell', () => {
    writeFileSync(join(dir, 'no-shebang'), 'echo hi\n');
    chmodSync(join(dir, 'no-shebang'), 0o755);
    writeFileSync(join(dir, 'with-shebang'), '#!/bin/sh\necho hi\n');
    chmodSync(join(dir, 'with-shebang'), 0o755);
    expect(simpleCommandArgv('./with-shebang', PATH)).toBeUndefined();
    expect(simpleCommandArgv('weir-no-such-program x', PATH)).toBeUndefined();
    expect(simpleCommandArgv('no-shebang', PATH)).toBeUndefined();
    expect(simpleCommandArgv('with-shebang a', PATH)).toEqual([join(dir, 'with-shebang'), 'a']);
  });
});

describe('shell_task runs the same with or without the shell', () => {
  const ctx = useHarness();

  it('runs plain commands, keeps the shell for the rest, and reports a missing program as the shell does', async () => {
    const job = await ctx.h.createJob({
      name: 'simple',
      tasks: [
        sh('plain', 'uname -s'),
        sh('params', 'uname -s', { shell_task: { command: 'uname -s', parameters: ['ignored'] } }),
        sh('shell', 'echo "$1-$2"', { shell_task: { command: 'echo "$1-$2"', parameters: ['a', 'b'] } }),
        sh('missing', 'weir-no-such-program --x'),
      ],
    });
    const { tasks } = await ctx.h.runJob(job);
    expect(stdoutOf(tasks.plain)).toBe('Linux\n');
    expect(stdoutOf(tasks.params)).toBe('Linux\n');
    expect(stdoutOf(tasks.shell)).toBe('a-b\n');
    expect(tasks.missing.result_state).toBe('FAILED');
    expect(tasks.missing.error).toBe('Shell command exited with code 127');
  });
});
