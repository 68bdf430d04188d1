/**
 * VACUUM: deletes the files under a table that no version within the retention period needs: not a live file,
 * not a tombstone younger than the retention, and (for files no log action names, e.g. left by a crashed writer)
 * last modified before the retention cutoff. Like Spark it never looks into hidden paths (names starting with `_`
 * or `.`, so `_delta_log` is never touched) except partition directories (`_col=value`), and it refuses a
 * retention shorter than the table's `delta.deletedFileRetentionDuration` (default 168 hours) unless forced.
 * A real run is logged like Delta's: a `VACUUM START` commit, the deletes, a `VACUUM END` commit.
 */
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../domain/clock.js';
import { WeirError } from '../../domain/weir-error.js';
import type { AddFile, RemoveFile } from '../actions.js';
import { parseIntervalMs } from '../checkpoint-writer.js';
import type { PendingCommit } from '../commit/commit-transaction.js';
import type { TableState } from '../commit/table-state.js';
import { deletionVectorFile } from '../deletion-vectors/read-deletion-vector.js';
import { dataFilePath } from '../scan/data-file-path.js';

/** VACUUM options. */
export interface VacuumOptions {
  /** RETAIN n HOURS; default the table's delta.deletedFileRetentionDuration (7 days). */
  retentionHours?: number;
  /** DRY RUN: list the files without deleting them. */
  dryRun?: boolean;
  /** Allow a retention below the table's (Spark's retentionDurationCheck.enabled = false). */
  force?: boolean;
}

/** What VACUUM deleted (or, on a dry run, would delete). */
export interface VacuumResult {
  dryRun: boolean;
  /** Absolute paths, sorted. */
  files: string[];
  /** Files deleted (on a dry run: the number that would be). */
  numDeletedFiles: number;
  bytes: number;
}

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;

function retentionCheck(tablePath: string, retentionMs: number, configuredMs: number, force: boolean | undefined): void {
  if (retentionMs < 0 || !Number.isFinite(retentionMs)) {
    throw new WeirError('VALIDATION.INVALID', `VACUUM ${tablePath}: retentionHours must be a number ≥ 0 (got ${retentionMs / HOUR_MS})`, { params: { tablePath } });
  }
  if (force || retentionMs >= configuredMs) return;
  throw new WeirError(
    'DELTA.RETENTION_TOO_SHORT',
    `VACUUM ${tablePath} RETAIN ${retentionMs / HOUR_MS} HOURS: requirement failed: Are you sure you would like to vacuum files with such a low retention period? ` +
      'If you have writers that are currently writing to this table, there is a risk that you may corrupt the state of your Delta table. ' +
      'If you are certain that there are no operations being performed on this table, such as insert/upsert/delete/optimize, then you may turn off this check ' +
      `(spark.databricks.delta.retentionDurationCheck.enabled = false; in weir: force: true). If you are not sure, please use a value not less than "${configuredMs / HOUR_MS} hours".`,
    { params: { tablePath, retentionHours: retentionMs / HOUR_MS, minimumHours: configuredMs / HOUR_MS } },
  );
}

/** Spark's hidden-path rule: `_x` and `.x` are skipped, except partition directories like `_col=value`. */
function hidden(name: string, isDir: boolean): boolean {
  if (!name.startsWith('_') && !name.startsWith('.')) return false;
  return !(isDir && name.startsWith('_') && name.includes('='));
}

async function listFiles(dir: string, out: string[]): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (hidden(e.name, e.isDirectory())) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) await listFiles(path, out);
    else if (e.isFile()) out.push(path);
  }
}

/** Absolute paths of the files the table still needs: live files, fresh tombstones, and their deletion vectors. */
function validFiles(state: TableState, cutoff: number): Set<string> {
  const tablePath = state.snapshot.tablePath;
  const keep = new Set<string>();
  const add = (f: AddFile | RemoveFile) => {
    keep.add(dataFilePath(tablePath, f.path));
    if (f.deletionVector && f.deletionVector.storageType !== 'i') keep.add(deletionVectorFile(tablePath, f.deletionVector));
  };
  for (const f of state.snapshot.files) add(f);
  for (const r of state.tombstones.values()) if ((r.deletionTimestamp ?? 0) > cutoff) add(r);
  return keep;
}

/** The files VACUUM would delete, decided from the table state (the newest version) and the clock. */
export interface VacuumPlan {
  files: { path: string; size: number }[];
  retentionMs: number;
  configuredMs: number;
  retentionCheckEnabled: boolean;
}

/** Lists the files VACUUM deletes; refuses a too-short retention unless forced. */
export async function planVacuum(state: TableState, opts: VacuumOptions, clock: Clock): Promise<VacuumPlan> {
  const { tablePath, metadata } = state.snapshot;
  const configuredMs = parseIntervalMs(metadata.configuration['delta.deletedFileRetentionDuration'], WEEK_MS);
  const retentionMs = opts.retentionHours !== undefined ? opts.retentionHours * HOUR_MS : configuredMs;
  retentionCheck(tablePath, retentionMs, configuredMs, opts.force);
  const cutoff = clock.now() - retentionMs;
  const keep = validFiles(state, cutoff);
  const all: string[] = [];
  await listFiles(tablePath, all);
  const files: { path: string; size: number }[] = [];
  for (const path of all) {
    if (keep.has(path)) continue;
    const s = await stat(path).catch(() => undefined);
    if (s && s.mtimeMs <= cutoff) files.push({ path, size: s.size }); // younger files may belong to a writer still running
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  return { files, retentionMs, configuredMs, retentionCheckEnabled: !opts.force };
}

/** Deletes the planned files; returns how many were deleted (a file already gone does not count). */
export async function deleteVacuumFiles(plan: VacuumPlan): Promise<number> {
  let deleted = 0;
  for (const f of plan.files) {
    await unlink(f.path).then(
      () => deleted++,
      () => undefined,
    );
  }
  return deleted;
}

/**
 * The commitInfo-only commits Delta writes around a VACUUM (`VACUUM START` with the plan, `VACUUM END` with the
 * outcome), so DESCRIBE HISTORY shows it. They change no file, so they conflict with nothing but metadata changes.
 */
export function vacuumCommit(state: TableState, plan: VacuumPlan, deleted?: number): PendingCommit {
  const start = deleted === undefined;
  return {
    tablePath: state.snapshot.tablePath,
    readState: state,
    actions: [],
    operation: start ? 'VACUUM START' : 'VACUUM END',
    operationParameters: start
      ? { retentionCheckEnabled: String(plan.retentionCheckEnabled), defaultRetentionMillis: String(plan.configuredMs), specifiedRetentionMillis: String(plan.retentionMs) }
      : { status: 'COMPLETED' },
    operationMetrics: start
      ? { numFilesToDelete: String(plan.files.length), sizeOfDataToDelete: String(plan.files.reduce((n, f) => n + f.size, 0)) }
      : { numDeletedFiles: String(deleted), numVacuumedDirectories: '0' },
    footprint: { isBlindAppend: false, removedPaths: new Set(), appIds: new Set(), changesMetadata: false, readPaths: new Set(), readsNewData: false },
  };
}

/** The result a plan gives. */
export function vacuumResult(plan: VacuumPlan, dryRun: boolean, deleted?: number): VacuumResult {
  return { dryRun, files: plan.files.map((f) => f.path), numDeletedFiles: deleted ?? plan.files.length, bytes: plan.files.reduce((n, f) => n + f.size, 0) };
}
