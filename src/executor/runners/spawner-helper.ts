import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Which helper starts task processes (ADR 0010): the native one when it could be built here, else the Python one. */
export type SpawnerHelper = { kind: 'native'; command: string; args: string[] } | { kind: 'python'; command: string; args: string[] };

const here = dirname(fileURLToPath(import.meta.url));
/** The helpers' sources: next to this module when run from src/, under src/ when run from dist/. */
const source = (...parts: string[]) => [resolve(here, ...parts), resolve(here, '..', '..', '..', 'src', 'executor', 'runners', ...parts)].find((p) => existsSync(p));
const PYTHON_SCRIPT = source('python', 'weir_spawner.py');
const C_SOURCE = source('native', 'weir_spawner.c');

let chosen: SpawnerHelper | null | undefined;

/**
 * The helper to use, decided once per process. WEIR_SPAWNER=python forces the Python helper (tests of both), and
 * WEIR_SPAWNER=node forces Node's own spawn (undefined here). Undefined when neither helper can run.
 */
export function spawnerHelper(): SpawnerHelper | undefined {
  if (chosen !== undefined) return chosen ?? undefined;
  const want = process.env.WEIR_SPAWNER;
  chosen = want === 'node' ? null : ((want === 'python' ? undefined : nativeSpawnerHelper()) ?? pythonSpawnerHelper() ?? null);
  return chosen ?? undefined;
}

/** The native helper, built on first use; undefined when it cannot be built here. */
export function nativeSpawnerHelper(): SpawnerHelper | undefined {
  const binary = buildNative();
  return binary ? { kind: 'native', command: binary, args: [] } : undefined;
}

/** The Python helper; undefined without python3 on PATH. */
export function pythonSpawnerHelper(): SpawnerHelper | undefined {
  return PYTHON_SCRIPT && onPath('python3') ? { kind: 'python', command: 'python3', args: ['-u', PYTHON_SCRIPT] } : undefined;
}

/**
 * Compiles native/weir_spawner.c with the machine's C compiler (`cc`) the first time it is needed, into the
 * package's `build/` folder (or the temp folder when that is not writable), named by the source's hash so an
 * edited source is rebuilt. Undefined when there is no compiler or the build fails: the Python helper is used.
 */
function buildNative(): string | undefined {
  if (!C_SOURCE || !onPath('cc')) return undefined;
  const text = readFileSync(C_SOURCE);
  const name = `weir-spawner-${process.platform}-${process.arch}-${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
  for (const dir of [resolve(dirname(C_SOURCE), '..', '..', '..', '..', 'build'), join(tmpdir(), `weir-build-${process.getuid?.() ?? 'user'}`)]) {
    const binary = join(dir, name);
    if (existsSync(binary)) return binary;
    // Built under a temporary name and renamed, so processes building at the same time never run a partial file.
    const partial = `${binary}.${process.pid}.tmp`;
    try {
      mkdirSync(dir, { recursive: true });
      execFileSync('cc', ['-O2', '-o', partial, C_SOURCE], { stdio: 'ignore', timeout: 60_000 });
      renameSync(partial, binary);
      return binary;
    } catch {
      rmSync(partial, { force: true });
    }
  }
  return undefined;
}

/** True when `program` is an executable file in one of PATH's folders. */
function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
