import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../src/executor/runners/child-process.js';
import { nodeRunner } from '../src/executor/runners/node-runner.js';
import { pythonScriptRunner, pythonScriptTaskRunner } from '../src/executor/runners/python-script-runner.js';
import { pythonWheelRunner } from '../src/executor/runners/python-wheel-runner.js';
import { shellRunner } from '../src/executor/runners/shell-runner.js';
import { sparkJarRunner } from '../src/executor/runners/spark-jar-runner.js';
import { VENV_MARKER } from '../src/executor/runners/wheel-venv.js';
import { makeAttemptContext, type TestAttempt, type TestAttemptOptions } from './support/attempt-context.js';

const attempts: TestAttempt[] = [];
async function attempt(task: Record<string, unknown>, opts: TestAttemptOptions = {}): Promise<TestAttempt> {
  const a = await makeAttemptContext(task, opts);
  attempts.push(a);
  return a;
}
afterEach(async () => {
  await Promise.all(attempts.splice(0).map((a) => a.cleanup()));
});

function write(dir: string, rel: string, text: string): string {
  const path = join(dir, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** Gone or a zombie waiting for a reaper (PID 1 in a container may never reap). */
function gone(pid: number): boolean {
  if (!processAlive(pid)) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
  } catch {
    return true;
  }
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

describe('python script runner', () => {
  it('runs the file in its folder with parameters as argv', async () => {
    const a = await attempt({ spark_python_task: { python_file: 'jobs/hello.py', parameters: ['one', 'two words'] } });
    write(a.ctx.sourceDir, 'jobs/hello.py', 'import sys, os, json\nprint(json.dumps(sys.argv[1:]))\nprint("cwd=" + os.getcwd())\n');
    const res = await pythonScriptRunner.run(a.ctx);
    expect(res).toMatchObject({ result: 'SUCCESS', exitCode: 0 });
    const out = await a.stdout();
    expect(out).toContain('["one", "two words"]');
    expect(out).toContain(`cwd=${join(a.ctx.sourceDir, 'jobs')}`);
    expect(a.pids).toHaveLength(1);
  });

  it('python_script_task runs the same way', async () => {
    const a = await attempt({ python_script_task: { python_file: 'p.py', parameters: ['x'] } });
    write(a.ctx.sourceDir, 'p.py', 'import sys\nprint("got", sys.argv[1])\n');
    expect(pythonScriptTaskRunner.kind).toBe('python_script_task');
    expect((await pythonScriptTaskRunner.run(a.ctx)).result).toBe('SUCCESS');
    expect(await a.stdout()).toContain('got x');
  });

  it('turns a traceback into error and errorTrace', async () => {
    const a = await attempt({ spark_python_task: { python_file: 'fail.py' } });
    const noise = Array.from({ length: 80 }, (_, i) => `print("noise ${i}", file=sys.stderr)`).join('\n');
    write(a.ctx.sourceDir, 'fail.py', `import sys\n${noise}\ndef inner():\n    raise ValueError("boom at step 3")\ninner()\n`);
    const res = await pythonScriptRunner.run(a.ctx);
    expect(res.result).toBe('FAILED');
    expect(res.exitCode).toBe(1);
    expect(res.error).toBe('ValueError: boom at step 3');
    expect(res.errorTrace?.startsWith('Traceback (most recent call last):')).toBe(true);
    expect(res.errorTrace).toContain('in inner');
    expect(res.errorTrace).not.toContain('noise');
  });

  it('reports the exit code and the stderr tail without a traceback', async () => {
    const a = await attempt({ spark_python_task: { python_file: 'exit.py' } });
    const lines = Array.from({ length: 70 }, (_, i) => `print("line ${i}", file=sys.stderr)`).join('\n');
    write(a.ctx.sourceDir, 'exit.py', `import sys\n${lines}\nsys.exit(3)\n`);
    const res = await pythonScriptRunner.run(a.ctx);
    expect(res).toMatchObject({ result: 'FAILED', exitCode: 3, error: 'Python script exited with code 3' });
    const trace = res.errorTrace!.split('\n');
    expect(trace).toHaveLength(50);
    expect(trace.at(-1)).toBe('line 69');
  });

  it('fails clearly when the file is missing', async () => {
    const a = await attempt({ spark_python_task: { python_file: 'nope.py' } });
    const res = await pythonScriptRunner.run(a.ctx);
    expect(res.result).toBe('FAILED');
    expect(res.error).toContain('Python file not found');
    expect(res.error).toContain('nope.py');
  });
});

/** Builds a real wheel (a zip with a dist-info) with Python's zipfile; returns its path. */
function buildWheel(dir: string, opts: { version?: string; body?: string } = {}): string {
  const version = opts.version ?? '0.1';
  const script = String.raw`
import base64, hashlib, sys, zipfile
out, version, body = sys.argv[1], sys.argv[2], sys.argv[3]
di = f"weirdemo-{version}.dist-info"
files = {
  "weirdemo/__init__.py": "def hello():\n    print('hello from package function')\n",
  "weirdemo/cli.py": body,
  f"{di}/METADATA": f"Metadata-Version: 2.1\nName: weirdemo\nVersion: {version}\n",
  f"{di}/WHEEL": "Wheel-Version: 1.0\nGenerator: weir-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
  f"{di}/entry_points.txt": "[console_scripts]\nweirdemo-main = weirdemo.cli:main\n\n[weir.tasks]\nother = weirdemo.cli:Tasks.other\n",
}
record = []
with zipfile.ZipFile(out, "w") as z:
  for name, text in files.items():
    data = text.encode()
    z.writestr(name, data)
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append(f"{name},sha256={digest},{len(data)}")
  record.append(f"{di}/RECORD,,")
  z.writestr(f"{di}/RECORD", "\n".join(record) + "\n")
`;
  const body =
    opts.body ??
    [
      'import json, sys',
      'def main():',
      '    print("argv=" + json.dumps(sys.argv))',
      '    if "--fail" in sys.argv:',
      '        raise RuntimeError("wheel task failed on purpose")',
      '    return 0',
      'class Tasks:',
      '    @staticmethod',
      '    def other():',
      '        print("other entry point")',
      '',
    ].join('\n');
  const out = join(dir, `weirdemo-${version}-py3-none-any.whl`);
  execFileSync('python3', ['-c', script, out, version, body]);
  return out;
}

describe('python wheel runner', () => {
  let shared: string;
  beforeAll(() => {
    shared = mkdtempSync(join(tmpdir(), 'weir-wheel-'));
    mkdirSync(join(shared, 'src', 'dist'), { recursive: true });
    buildWheel(join(shared, 'src', 'dist'));
  });
  afterAll(() => rmSync(shared, { recursive: true, force: true }));
  const wheelTask = (extra: Record<string, unknown>) => ({
    libraries: [{ whl: 'dist/weirdemo-0.1-py3-none-any.whl' }],
    python_wheel_task: { package_name: 'weirdemo', entry_point: 'weirdemo-main', ...extra },
  });
  const opts = () => ({ sourceDir: join(shared, 'src'), cacheDir: join(shared, 'cache') });

  it('installs the wheels once into a cached venv and reuses it', async () => {
    const first = await attempt(wheelTask({ parameters: ['a', 'b c'] }), opts());
    const res1 = await pythonWheelRunner.run(first.ctx);
    expect(res1, await first.stderr()).toMatchObject({ result: 'SUCCESS', exitCode: 0 });
    expect(await first.stdout()).toContain('argv=["weirdemo", "a", "b c"]');
    expect(await first.stdout()).toContain('Successfully installed weirdemo-0.1');
    const venvs = join(shared, 'cache', 'venvs');
    const dirs = readdirSync(venvs);
    expect(dirs).toHaveLength(1); // no temp folder left behind
    expect(dirs[0]).toMatch(/^[0-9a-f]{64}$/);
    const marker = join(venvs, dirs[0], VENV_MARKER);
    const installedAt = statSync(marker).mtimeMs;

    const second = await attempt(wheelTask({ named_parameters: { date: '2024-01-01', mode: 'full run' } }), opts());
    const res2 = await pythonWheelRunner.run(second.ctx);
    expect(res2, await second.stderr()).toMatchObject({ result: 'SUCCESS' });
    expect(await second.stdout()).toContain('argv=["weirdemo", "--date=2024-01-01", "--mode=full run"]');
    expect(await second.stdout()).not.toContain('Successfully installed');
    expect(second.pids).toHaveLength(1); // only the entry point ran: no venv, no pip
    expect(statSync(marker).mtimeMs).toBe(installedAt);
    expect(readdirSync(venvs)).toEqual(dirs);
  });

  it('finds entry points in other groups and falls back to package functions', async () => {
    const other = await attempt(wheelTask({ entry_point: 'other' }), opts());
    expect((await pythonWheelRunner.run(other.ctx)).result).toBe('SUCCESS');
    expect(await other.stdout()).toContain('other entry point');
    const fallback = await attempt(wheelTask({ entry_point: 'hello' }), opts());
    expect((await pythonWheelRunner.run(fallback.ctx)).result).toBe('SUCCESS');
    expect(await fallback.stdout()).toContain('hello from package function');
  });

  it('reports a Python exception of the entry point', async () => {
    const a = await attempt(wheelTask({ parameters: ['--fail'] }), opts());
    const res = await pythonWheelRunner.run(a.ctx);
    expect(res).toMatchObject({ result: 'FAILED', exitCode: 1, error: 'RuntimeError: wheel task failed on purpose' });
    expect(res.errorTrace).toContain('Traceback');
  });

  it('fails clearly on a missing entry point, package or wheel', async () => {
    const ep = await attempt(wheelTask({ entry_point: 'nope' }), opts());
    const r1 = await pythonWheelRunner.run(ep.ctx);
    expect(r1.result).toBe('FAILED');
    expect(r1.error).toContain("Entry point 'nope' not found in package 'weirdemo'");
    expect(r1.error).toContain('weirdemo-main');

    const pkg = await attempt(wheelTask({ package_name: 'other_pkg' }), opts());
    const r2 = await pythonWheelRunner.run(pkg.ctx);
    expect(r2.error).toContain("No wheel of the task provides package 'other_pkg'");

    const whl = await attempt(
      { libraries: [{ whl: 'dist/missing-1.0-py3-none-any.whl' }], python_wheel_task: { package_name: 'x', entry_point: 'y' } },
      opts(),
    );
    const r3 = await pythonWheelRunner.run(whl.ctx);
    expect(r3).toMatchObject({ result: 'FAILED' });
    expect(r3.error).toContain('Wheel not found');
    expect(r3.error).toContain('libraries[0].whl');
  });

  it('reports a failed install and leaves no environment behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-badwheel-'));
    try {
      writeFileSync(join(dir, 'broken-0.1-py3-none-any.whl'), 'not a zip');
      const a = await attempt(
        { libraries: [{ whl: 'broken-0.1-py3-none-any.whl' }], python_wheel_task: { package_name: 'broken', entry_point: 'main' } },
        { sourceDir: dir },
      );
      const res = await pythonWheelRunner.run(a.ctx);
      expect(res.result).toBe('FAILED');
      expect(res.error).toContain('Installing the wheels');
      expect(res.error).toContain('exited with code');
      expect(readdirSync(join(a.ctx.services.cacheDir, 'venvs'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('spark jar runner', () => {
  let jarDir: string;
  beforeAll(() => {
    jarDir = mkdtempSync(join(tmpdir(), 'weir-jar-'));
    write(
      jarDir,
      'build/demo/Hello.java',
      [
        'package demo;',
        'public class Hello {',
        '  public static void main(String[] args) {',
        '    System.out.println("hello " + String.join(",", args));',
        '    if (args.length > 0 && args[0].equals("fail")) throw new IllegalStateException("bad input");',
        '  }',
        '}',
      ].join('\n'),
    );
    execFileSync('javac', ['-d', join(jarDir, 'classes'), join(jarDir, 'build/demo/Hello.java')]);
    execFileSync('jar', ['cf', join(jarDir, 'hello.jar'), '-C', join(jarDir, 'classes'), '.']);
  });
  afterAll(() => rmSync(jarDir, { recursive: true, force: true }));
  const jarTask = (main: string, parameters: string[] = []) => ({
    libraries: [{ jar: 'hello.jar' }],
    spark_jar_task: { main_class_name: main, parameters },
  });

  it('runs the main class with parameters', async () => {
    const a = await attempt(jarTask('demo.Hello', ['x', 'y']), { sourceDir: jarDir });
    const res = await sparkJarRunner.run(a.ctx);
    expect(res, await a.stderr()).toMatchObject({ result: 'SUCCESS', exitCode: 0 });
    expect(await a.stdout()).toContain('hello x,y');
  });

  it('names the class when it is not in the jars', async () => {
    const a = await attempt(jarTask('demo.Missing'), { sourceDir: jarDir });
    const res = await sparkJarRunner.run(a.ctx);
    expect(res.result).toBe('FAILED');
    expect(res.error).toContain('Main class demo.Missing was not found');
    expect(res.error).toContain('hello.jar');
    expect(res.errorTrace).toContain('ClassNotFoundException');
  });

  it('reports an uncaught exception', async () => {
    const a = await attempt(jarTask('demo.Hello', ['fail']), { sourceDir: jarDir });
    const res = await sparkJarRunner.run(a.ctx);
    expect(res.result).toBe('FAILED');
    expect(res.error).toContain('Java program exited with code 1');
    expect(res.error).toContain('IllegalStateException: bad input');
  });

  it('fails clearly on a missing jar or a missing java', async () => {
    const a = await attempt({ ...jarTask('demo.Hello'), libraries: [{ jar: 'nope.jar' }] }, { sourceDir: jarDir });
    const r1 = await sparkJarRunner.run(a.ctx);
    expect(r1.result).toBe('FAILED');
    expect(r1.error).toContain('Jar not found');
    expect(r1.error).toContain('nope.jar');

    const b = await attempt(jarTask('demo.Hello'), { sourceDir: jarDir, env: { PATH: join(jarDir, 'no-bin') } });
    const r2 = await sparkJarRunner.run(b.ctx);
    expect(r2.result).toBe('FAILED');
    expect(r2.error).toContain("'java' was not found on PATH");
  });
});

describe('shell runner', () => {
  it('passes parameters as $1.. and merges env; cwd is the source folder', async () => {
    const a = await attempt(
      { shell_task: { command: 'echo "args=$1|$2 foo=$FOO run=$WEIR_RUN_ID"; pwd', parameters: ['a b', 'c'], env: { FOO: 'bar' } } },
      { env: { WEIR_RUN_ID: '42' } },
    );
    const res = await shellRunner.run(a.ctx);
    expect(res).toMatchObject({ result: 'SUCCESS', exitCode: 0 });
    const out = await a.stdout();
    expect(out).toContain('args=a b|c foo=bar run=42');
    expect(out).toContain(a.ctx.sourceDir);
  });

  it('fails with the exit code and the stderr tail', async () => {
    const a = await attempt({ shell_task: { command: 'echo oops >&2; exit 7' } });
    const res = await shellRunner.run(a.ctx);
    expect(res).toMatchObject({ result: 'FAILED', exitCode: 7, error: 'Shell command exited with code 7' });
    expect(res.errorTrace).toBe('oops');
  });

  it('kills the whole process tree promptly on abort', async () => {
    const a = await attempt({
      shell_task: { command: "sh -c 'sleep 30 & echo $! > grand.pid; wait' & echo $! > child.pid; wait" },
    });
    const started = Date.now();
    const running = shellRunner.run(a.ctx);
    const pidFile = (name: string) => join(a.ctx.sourceDir, name);
    const ready = () => ['child.pid', 'grand.pid'].every((n) => existsSync(pidFile(n)) && readFileSync(pidFile(n), 'utf8').trim() !== '');
    expect(await waitFor(ready, 5000)).toBe(true);
    const pids = [a.pids[0], ...['child.pid', 'grand.pid'].map((n) => Number(readFileSync(pidFile(n), 'utf8')))];
    expect(pids.every((p) => p > 0 && !gone(p))).toBe(true);
    a.controller.abort();
    const res = await running;
    expect(res.result).toBe('FAILED');
    expect(res.error).toContain('cancelled or timed out');
    expect(await waitFor(() => pids.every(gone), 1000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('node runner', () => {
  it('runs an .mjs script with parameters', async () => {
    const a = await attempt({ node_task: { script: 'scripts/hello.mjs', parameters: ['p1', 'p 2'], env: { GREETING: 'hi' } } });
    write(a.ctx.sourceDir, 'scripts/hello.mjs', 'console.log(process.env.GREETING, JSON.stringify(process.argv.slice(2)));\n');
    const res = await nodeRunner.run(a.ctx);
    expect(res, await a.stderr()).toMatchObject({ result: 'SUCCESS', exitCode: 0 });
    expect(await a.stdout()).toContain('hi ["p1","p 2"]');
  });

  it('runs a .ts script through tsx', async () => {
    const a = await attempt({ node_task: { script: 'job.ts', parameters: ['21'] } });
    write(a.ctx.sourceDir, 'job.ts', 'const n: number = Number(process.argv[2]);\ninterface R { doubled: number }\nconst r: R = { doubled: n * 2 };\nconsole.log(`doubled=${r.doubled}`);\n');
    const res = await nodeRunner.run(a.ctx);
    expect(res, await a.stderr()).toMatchObject({ result: 'SUCCESS', exitCode: 0 });
    expect(await a.stdout()).toContain('doubled=42');
  });

  it('fails with the exit code; a missing script fails clearly', async () => {
    const a = await attempt({ node_task: { script: 'bad.mjs' } });
    write(a.ctx.sourceDir, 'bad.mjs', 'console.error("bad thing"); process.exit(5);\n');
    const res = await nodeRunner.run(a.ctx);
    expect(res).toMatchObject({ result: 'FAILED', exitCode: 5, error: 'Node script exited with code 5', errorTrace: 'bad thing' });
    const b = await attempt({ node_task: { script: 'missing.js' } });
    const r2 = await nodeRunner.run(b.ctx);
    expect(r2.result).toBe('FAILED');
    expect(r2.error).toContain('Node script not found');
  });
});
