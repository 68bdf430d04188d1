import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { runProcessAttempt } from './process-attempt.js';
import type { AttemptContext, AttemptResult } from './task-runner.js';

/** Written into a virtual environment once its wheels are installed; a folder without it is never used. */
export const VENV_MARKER = '.weir-installed';

/** A ready virtual environment, or the FAILED result of building it. */
export type VenvOutcome = { ok: true; venvDir: string; reused: boolean } | { ok: false; result: AttemptResult };

/** The cache key of a set of wheels: sha256 over each wheel's file name and contents, in task order. */
export async function wheelSetHash(wheels: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const wheel of wheels) {
    hash.update(basename(wheel)).update('\0').update(await readFile(wheel)).update('\0');
  }
  return hash.digest('hex');
}

/**
 * The virtual environment under `cacheDir/venvs/<hash>` holding exactly these wheels, built on first use. It is
 * built in a temporary folder and renamed into place after the marker is written, so a crash mid-install never
 * leaves an environment that looks usable.
 */
export async function ensureWheelVenv(ctx: AttemptContext, wheels: string[]): Promise<VenvOutcome> {
  const venvsDir = join(ctx.services.cacheDir, 'venvs');
  const venvDir = join(venvsDir, await wheelSetHash(wheels));
  if (existsSync(join(venvDir, VENV_MARKER))) return { ok: true, venvDir, reused: true };
  await mkdir(venvsDir, { recursive: true });
  const tmp = `${venvDir}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
  try {
    const failed = await build(ctx, tmp, venvsDir, wheels);
    if (failed) return { ok: false, result: failed };
    await writeFile(join(tmp, VENV_MARKER), JSON.stringify({ wheels: wheels.map((w) => basename(w)) }) + '\n');
    try {
      await rename(tmp, venvDir);
    } catch (e) {
      // Another attempt finished the same environment first: use theirs.
      if (existsSync(join(venvDir, VENV_MARKER))) return { ok: true, venvDir, reused: true };
      // A folder without the marker is not ours to trust (a manual copy, an old layout): replace it.
      await rm(venvDir, { recursive: true, force: true });
      await rename(tmp, venvDir).catch(() => Promise.reject(e));
    }
    return { ok: true, venvDir, reused: false };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function build(ctx: AttemptContext, tmp: string, cwd: string, wheels: string[]): Promise<AttemptResult | null> {
  const created = await runProcessAttempt(ctx, {
    label: 'Creating the virtual environment (python3 -m venv)',
    command: 'python3',
    args: ['-m', 'venv', tmp],
    cwd,
  });
  if (created.result === 'FAILED') return created;
  const installed = await runProcessAttempt(ctx, {
    label: 'Installing the wheels (pip install --no-index --no-deps)',
    command: join(tmp, 'bin', 'python'),
    args: ['-m', 'pip', 'install', '--no-index', '--no-deps', '--disable-pip-version-check', '--no-input', ...wheels],
    cwd,
  });
  if (installed.result === 'FAILED') {
    return { ...installed, error: `${installed.error}; wheels: ${wheels.join(', ')}` };
  }
  return null;
}
