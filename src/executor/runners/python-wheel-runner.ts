import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pythonFailure } from './python-error.js';
import { isOutOfMemory, resolveTaskPath, runProcessAttempt } from './process-attempt.js';
import type { AttemptContext, AttemptResult, TaskRunner } from './task-runner.js';
import { ensureWheelVenv } from './wheel-venv.js';

/** A callable in an installed package: `module` and the attribute path inside it. */
interface EntryTarget {
  module: string;
  attrs: string[];
}

/** Normalises a distribution name the way wheel file and dist-info names do (PEP 503, with underscores). */
function normaliseName(name: string): string {
  return name.replace(/[-_.]+/g, '_').toLowerCase();
}

/** The site-packages folder of a virtual environment. */
async function sitePackages(venvDir: string): Promise<string | undefined> {
  const lib = join(venvDir, 'lib');
  const pythons = existsSync(lib) ? (await readdir(lib)).filter((d) => d.startsWith('python')) : [];
  return pythons.map((p) => join(lib, p, 'site-packages')).find((p) => existsSync(p));
}

/** Entry points of an entry_points.txt, console_scripts first: name → "module:attr". */
function parseEntryPoints(text: string): Map<string, string> {
  const groups: { group: string; name: string; value: string }[] = [];
  let group = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) group = section[1].trim();
    else if (line.includes('=')) {
      const at = line.indexOf('=');
      groups.push({ group, name: line.slice(0, at).trim(), value: line.slice(at + 1).trim() });
    }
  }
  groups.sort((a, b) => Number(b.group === 'console_scripts') - Number(a.group === 'console_scripts'));
  const out = new Map<string, string>();
  for (const g of groups) if (!out.has(g.name)) out.set(g.name, g.value);
  return out;
}

/**
 * Finds `entry_point` of `package_name` in the installed dist's entry_points.txt; failing that, as Databricks
 * does, a function `entry_point` defined at the top of the module `package_name`.
 */
async function findEntryPoint(
  site: string,
  packageName: string,
  entryPoint: string,
): Promise<EntryTarget | { error: string }> {
  const distInfos = (await readdir(site)).filter((d) => d.endsWith('.dist-info'));
  const dists = distInfos.map((d) => ({ dir: d, name: normaliseName(d.slice(0, d.indexOf('-'))) }));
  const dist = dists.find((d) => d.name === normaliseName(packageName));
  if (!dist) {
    return {
      error: `No wheel of the task provides package '${packageName}' (installed: ${dists.map((d) => d.name).join(', ') || 'none'}); check python_wheel_task.package_name and the task's whl libraries`,
    };
  }
  const file = join(site, dist.dir, 'entry_points.txt');
  const points = existsSync(file) ? parseEntryPoints(await readFile(file, 'utf8')) : new Map<string, string>();
  const value = points.get(entryPoint);
  if (value) {
    const [module, attr = ''] = value.replace(/\[.*\]\s*$/, '').trim().split(':');
    return { module: module.trim(), attrs: attr.trim() ? attr.trim().split('.') : [] };
  }
  const module = normaliseName(packageName);
  for (const source of [join(site, module, '__init__.py'), join(site, `${module}.py`)]) {
    if (existsSync(source) && new RegExp(`^def ${entryPoint}\\(`, 'm').test(await readFile(source, 'utf8'))) {
      return { module, attrs: [entryPoint] };
    }
  }
  return {
    error: `Entry point '${entryPoint}' not found in package '${packageName}' (entry_points.txt has: ${[...points.keys()].join(', ') || 'none'}; no function ${module}.${entryPoint}); check python_wheel_task.entry_point`,
  };
}

/** Python code that imports the target and calls it with sys.argv[0] set to the package name. */
function bootstrap(packageName: string, target: EntryTarget): string {
  return [
    'import sys, importlib',
    `sys.argv[0] = ${JSON.stringify(packageName)}`,
    `_f = importlib.import_module(${JSON.stringify(target.module)})`,
    `for _a in ${JSON.stringify(target.attrs)}: _f = getattr(_f, _a)`,
    'sys.exit(_f())',
  ].join('\n');
}

/** The argv of the entry point: named_parameters as --key=value, else parameters. */
function entryArgv(ctx: AttemptContext): string[] {
  const spec = ctx.task.python_wheel_task!;
  if (spec.named_parameters && Object.keys(spec.named_parameters).length > 0) {
    return Object.entries(spec.named_parameters).map(([k, v]) => `--${k}=${v}`);
  }
  return spec.parameters ?? [];
}

async function runWheel(ctx: AttemptContext): Promise<AttemptResult> {
  const spec = ctx.task.python_wheel_task;
  if (!spec) return { result: 'FAILED', error: `task ${ctx.taskKey} has no python_wheel_task` };
  const wheels = (ctx.task.libraries ?? []).flatMap((lib, i) =>
    lib.whl ? [{ field: `libraries[${i}].whl`, path: resolveTaskPath(ctx, lib.whl) }] : [],
  );
  if (wheels.length === 0) {
    return {
      result: 'FAILED',
      error: `python_wheel_task ${ctx.taskKey} has no wheel; add {"whl": "dist/pkg-0.1-py3-none-any.whl"} to the task's libraries`,
    };
  }
  const missing = wheels.find((w) => !existsSync(w.path));
  if (missing) return { result: 'FAILED', error: `Wheel not found: ${missing.path} (${missing.field})` };
  const venv = await ensureWheelVenv(ctx, wheels.map((w) => w.path));
  if (!venv.ok) return venv.result;
  const site = await sitePackages(venv.venvDir);
  if (!site) return { result: 'FAILED', error: `The virtual environment ${venv.venvDir} has no site-packages folder` };
  const target = await findEntryPoint(site, spec.package_name, spec.entry_point);
  if ('error' in target) return { result: 'FAILED', error: target.error };
  const label = `Python wheel entry point ${spec.package_name}:${spec.entry_point}`;
  const res = await runProcessAttempt(ctx, {
    label,
    command: join(venv.venvDir, 'bin', 'python'),
    args: ['-u', '-c', bootstrap(spec.package_name, target), ...entryArgv(ctx)],
    cwd: ctx.sourceDir,
    env: { PYTHONUNBUFFERED: '1' },
  });
  if (res.result === 'SUCCESS' || res.exitCode === undefined || ctx.signal.aborted || isOutOfMemory(res)) return res;
  return { ...res, ...(await pythonFailure(ctx.stderrPath, res.error ?? `${label} failed`)) };
}

/** Runner of python_wheel_task: installs the task's wheels into a cached venv and calls the entry point. */
export const pythonWheelRunner: TaskRunner = { kind: 'python_wheel_task', run: runWheel };
