import { existsSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { InitScript } from '../../domain/cluster-spec.js';
import { WeirError } from '../../domain/weir-error.js';
import { workspaceFile } from '../../workspace/workspace-path.js';
import { runClusterStep } from './cluster-step.js';

/** Where init script destinations resolve: the workspace folder and the folder of Unity Catalog volumes. */
export interface InitScriptRoots {
  workspaceDir: string;
  /** `/Volumes/<catalog>/<schema>/<volume>/…` maps to `<volumesDir>/<catalog>/<schema>/<volume>/…`. */
  volumesDir: string;
}

/** The local file an init script entry names, or an error saying which entry and why. */
export function initScriptFile(script: InitScript, roots: InitScriptRoots, field: string): string {
  if (script.workspace) return workspaceFile(roots.workspaceDir, script.workspace.destination, `${field}.workspace.destination`).file;
  if (script.volumes) {
    const dest = script.volumes.destination;
    if (!dest.startsWith('/Volumes/')) {
      throw new WeirError('VALIDATION.INVALID', `${field}.volumes.destination: "${dest}" is not a volume path; use /Volumes/<catalog>/<schema>/<volume>/<file>.sh`);
    }
    return workspaceFile(roots.volumesDir, dest.slice('/Volumes'.length), `${field}.volumes.destination`).file;
  }
  if (script.file) {
    const dest = script.file.destination.replace(/^file:/, '');
    if (!isAbsolute(dest)) throw new WeirError('VALIDATION.INVALID', `${field}.file.destination: "${dest}" must be an absolute path on this machine`);
    return resolve(dest);
  }
  const kinds = Object.keys(script).join(', ') || 'none';
  throw new WeirError('VALIDATION.INVALID', `${field}: weir runs init scripts from workspace, volumes or file destinations (this one has: ${kinds}); copy the script into the workspace and use {"workspace": {"destination": "/path/script.sh"}}`);
}

let starts = 0;

/** A fresh log folder under `base` for one cluster start (`<time>-<n>`), so the logs of every start are kept apart. */
export function startLogDir(base: string, now: number): string {
  return join(base, `${now}-${++starts}`);
}

/** What a cluster start needs to run its init scripts. */
export interface InitScriptRun {
  scripts: InitScript[];
  roots: InitScriptRoots;
  /** Folder of the logs: `<logDir>/<n>_<script>.stdout.log` / `.stderr.log`, kept after the run. */
  logDir: string;
  /** Environment of the scripts (spark_env_vars and DB_CLUSTER_ID …). */
  env: Record<string, string>;
  /** Field path of the scripts in error messages, e.g. `new_cluster.init_scripts`. */
  field: string;
  signal?: AbortSignal;
}

/**
 * Runs a cluster's init scripts one after another with bash (as Databricks does), in the script's own folder;
 * the first one that fails stops the start with an error naming the script, its exit code, its last stderr
 * lines and its log file. Returns the log files.
 */
export async function runInitScripts(r: InitScriptRun): Promise<{ script: string; stdout: string; stderr: string }[]> {
  const files = r.scripts.map((s, i) => initScriptFile(s, r.roots, `${r.field}[${i}]`));
  const logs: { script: string; stdout: string; stderr: string }[] = [];
  for (const [i, file] of files.entries()) {
    const field = `${r.field}[${i}]`;
    if (!existsSync(file)) {
      throw new WeirError('TASK.FAILED', `Init script ${field} not found: ${file}; upload it there or fix the destination`, { params: { cluster_error: true } });
    }
    const base = join(r.logDir, `${i}_${basename(file)}`);
    const log = { script: file, stdout: `${base}.stdout.log`, stderr: `${base}.stderr.log` };
    logs.push(log);
    await runClusterStep({
      label: `Init script ${field} (${file})`,
      command: 'bash',
      args: [file],
      cwd: resolve(file, '..'),
      env: r.env,
      stdoutPath: log.stdout,
      stderrPath: log.stderr,
      signal: r.signal,
    });
  }
  return logs;
}
