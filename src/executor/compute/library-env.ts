import { createHash, randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Library } from '../../domain/task.js';
import { WeirError } from '../../domain/weir-error.js';
import { VENV_MARKER, wheelSetHash } from '../runners/wheel-venv.js';
import { runClusterStep } from './cluster-step.js';

/** The libraries of a task weir installs into a cluster environment, split by language; paths made absolute. */
export interface LibrarySet {
  wheels: string[];
  requirements: string[];
  pypi: string[];
  /** npm package specs (weir extension `{npm: {package: "name@1.2.3" | "./local.tgz" | "./folder"}}`). */
  npm: string[];
}

/** Splits task libraries by language; relative paths resolve against `sourceDir`. jar/maven/cran are left to their runners. */
export function librarySet(libraries: Library[] | undefined, sourceDir: string): LibrarySet {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(sourceDir, p));
  const out: LibrarySet = { wheels: [], requirements: [], pypi: [], npm: [] };
  for (const lib of libraries ?? []) {
    if (lib.whl) out.wheels.push(abs(lib.whl));
    if (lib.requirements) out.requirements.push(abs(lib.requirements));
    if (lib.pypi) out.pypi.push(lib.pypi.package);
    const npm = (lib as { npm?: { package?: unknown } }).npm;
    if (npm && typeof npm.package === 'string') out.npm.push(/^\.{0,2}\//.test(npm.package) ? `file:${abs(npm.package)}` : npm.package);
  }
  return out;
}

/** A library environment ready for a task: its folders and the environment variables that select it. */
export interface LibraryEnv {
  env: Record<string, string>;
  pythonEnv?: string;
  nodeModules?: string;
  /** True for each part found in the cache (nothing installed). */
  reused: { python: boolean; npm: boolean };
}

/** Where environments are cached and where install logs go. */
export interface LibraryEnvOptions {
  /** `<dataDir>/cache`: environments live in `cluster-envs/python/<hash>` and `cluster-envs/npm/<hash>`. */
  cacheDir: string;
  /** Folder of the install logs of this cluster start. */
  logDir: string;
  signal?: AbortSignal;
}

/** Written into an npm environment once its packages are installed; a folder without it is never used. */
export const NPM_MARKER = '.weir-installed';

/**
 * The Python and npm environments holding exactly this library set, each installed once and cached by content
 * (wheel and requirements file contents, package specs and local package contents), so a second cluster start
 * with the same libraries installs nothing.
 */
export async function ensureLibraryEnv(set: LibrarySet, o: LibraryEnvOptions): Promise<LibraryEnv> {
  const out: LibraryEnv = { env: {}, reused: { python: true, npm: true } };
  if (set.wheels.length || set.requirements.length || set.pypi.length) {
    const dir = join(o.cacheDir, 'cluster-envs', 'python', await pythonKey(set));
    out.reused.python = await cached(dir, VENV_MARKER, (tmp) => buildVenv(tmp, set, o));
    out.pythonEnv = dir;
    out.env.VIRTUAL_ENV = dir;
    out.env.PATH = `${join(dir, 'bin')}:${process.env.PATH ?? ''}`;
  }
  if (set.npm.length) {
    const dir = join(o.cacheDir, 'cluster-envs', 'npm', await npmKey(set.npm));
    out.reused.npm = await cached(dir, NPM_MARKER, (tmp) => buildNodeModules(tmp, set.npm, o));
    out.nodeModules = join(dir, 'node_modules');
    out.env.NODE_PATH = out.nodeModules;
  }
  return out;
}

/** Hash over the Python libraries; wheels hashed the way wheel-venv.ts does, requirements by file content. */
async function pythonKey(set: LibrarySet): Promise<string> {
  const h = createHash('sha256').update('wheels\0').update(await wheelSetHash(set.wheels));
  for (const r of set.requirements) h.update('\0req\0').update(await readLibraryFile(r, 'requirements'));
  for (const p of set.pypi) h.update('\0pypi\0').update(p);
  return h.digest('hex').slice(0, 32);
}

/** Hash over the npm specs; a local tarball counts by its content, a local folder by its package.json. */
async function npmKey(specs: string[]): Promise<string> {
  const h = createHash('sha256');
  for (const spec of specs) {
    h.update(spec).update('\0');
    if (!spec.startsWith('file:')) continue;
    const path = spec.slice('file:'.length);
    const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'package.json') : path;
    h.update(await readLibraryFile(file, 'npm package')).update('\0');
  }
  return h.digest('hex').slice(0, 32);
}

async function readLibraryFile(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new WeirError('TASK.FAILED', `The ${what} library ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); fix the path in the task's libraries (relative paths resolve against the job's folder)`, { cause: e });
  }
}

/**
 * Returns true when `dir` holds a finished environment; otherwise builds it in a temporary folder and renames it
 * into place after `marker` is written, so a crash mid-install never leaves a folder that looks usable.
 */
async function cached(dir: string, marker: string, build: (tmp: string) => Promise<void>): Promise<boolean> {
  if (existsSync(join(dir, marker))) return true;
  await mkdir(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
  try {
    await build(tmp);
    await writeFile(join(tmp, marker), `${new Date().toISOString()}\n`);
    try {
      await rename(tmp, dir);
    } catch (e) {
      // Another cluster start finished the same environment first: use theirs.
      if (existsSync(join(dir, marker))) return true;
      await rm(dir, { recursive: true, force: true });
      await rename(tmp, dir).catch(() => Promise.reject(e));
    }
    return false;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function buildVenv(tmp: string, set: LibrarySet, o: LibraryEnvOptions): Promise<void> {
  const log = (name: string) => ({ stdoutPath: join(o.logDir, `${name}.stdout.log`), stderrPath: join(o.logDir, `${name}.stderr.log`) });
  const env = {};
  await runClusterStep({ label: 'Creating the Python environment (python3 -m venv)', command: 'python3', args: ['-m', 'venv', tmp], cwd: dirname(tmp), env, ...log('venv'), signal: o.signal });
  // Wheels install from their own folders only; requirements and pypi packages may need the configured index.
  const local = !set.requirements.length && !set.pypi.length;
  const links = [...new Set(set.wheels.map((w) => dirname(w)))].flatMap((d) => ['--find-links', d]);
  const args = ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', ...(local ? ['--no-index'] : []), ...links, ...set.wheels];
  for (const r of set.requirements) args.push('-r', r);
  args.push(...set.pypi);
  const what = [...set.wheels, ...set.requirements.map((r) => `-r ${r}`), ...set.pypi].join(', ');
  await runClusterStep({ label: `Installing Python libraries (${what})`, command: join(tmp, 'bin', 'python'), args, cwd: dirname(tmp), env, ...log('pip-install'), signal: o.signal });
}

async function buildNodeModules(tmp: string, specs: string[], o: LibraryEnvOptions): Promise<void> {
  await mkdir(tmp, { recursive: true });
  await writeFile(join(tmp, 'package.json'), JSON.stringify({ name: 'weir-cluster-env', private: true }) + '\n');
  await runClusterStep({
    label: `Installing npm packages (${specs.join(', ')})`,
    command: 'npm',
    args: ['install', '--no-audit', '--no-fund', '--no-package-lock', '--install-links', '--prefer-offline', ...specs],
    cwd: tmp,
    env: { npm_config_update_notifier: 'false' },
    stdoutPath: join(o.logDir, 'npm-install.stdout.log'),
    stderrPath: join(o.logDir, 'npm-install.stderr.log'),
    signal: o.signal,
  });
}
