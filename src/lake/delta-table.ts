/**
 * The entry point for writing Delta tables: create, append, overwrite (whole table or replaceWhere), with
 * mergeSchema/overwriteSchema and idempotent txn writes; DELETE, UPDATE and MERGE (src/lake/dml); OPTIMIZE, VACUUM
 * and RESTORE (src/lake/maintenance); plus history, time travel and a SQL scan of any version.
 * Each write is one atomic commit; concurrent writers (threads or processes) are serialised by put-if-absent commits.
 */
import { unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { systemClock, type Clock } from '../domain/clock.js';
import { isWeirError, WeirError } from '../domain/weir-error.js';
import type { CommitInfo } from './actions.js';
import { commitTransaction, type Checkpointer } from './commit/commit-transaction.js';
import { readCommitActions, refreshState, type TableState } from './commit/table-state.js';
import { loadSnapshot } from './load-snapshot.js';
import type { Snapshot } from './snapshot.js';
import { buildWrite, type WriteOptions } from './write/build-write.js';
import { dataFilePath } from './scan/data-file-path.js';
import { tableScanSql } from './write/table-scan-sql.js';
import type { PendingCommit } from './commit/commit-transaction.js';
import { buildDelete } from './dml/delete-rows.js';
import { buildMerge, type MergeSpec } from './dml/merge-into.js';
import { buildUpdate, type UpdateSpec } from './dml/update-rows.js';
import { buildOptimize, type OptimizeOptions } from './maintenance/optimize.js';
import { buildRestore } from './maintenance/restore.js';
import { deleteVacuumFiles, planVacuum, vacuumCommit, vacuumResult, type VacuumOptions, type VacuumResult } from './maintenance/vacuum.js';

/** Options of a DeltaTable handle. */
export interface DeltaTableOptions {
  clock?: Clock;
  checkpointer?: Checkpointer;
  onCheckpointError?: (e: unknown) => void;
  maxCommitAttempts?: number;
}

/** The outcome of a write. */
export interface WriteResult {
  /** The committed version (or, for a skipped txn write, the current version). */
  version: number;
  /** True when a txn write was skipped because the table already has that txn version. */
  skipped: boolean;
  numFiles: number;
  numOutputRows: number;
}

/** The outcome of a DML or maintenance commit. */
export interface OperationResult {
  /** The committed version (the current one when OPTIMIZE found nothing to do). */
  version: number;
  /** commitInfo.operationMetrics of the commit (strings, as Spark writes them). */
  operationMetrics: Record<string, string>;
}

/** One history entry (newest first), as `DESCRIBE HISTORY` shows it. */
export type HistoryEntry = CommitInfo & { version: number };

/** Selects a table version for reads: by version number or by commit timestamp (ms). */
export interface VersionSelector {
  version?: number;
  timestamp?: number;
}

/** A Delta table at a path, written through one DuckDB connection. */
export class DeltaTable {
  private state: TableState | undefined;
  private readonly clock: Clock;

  private constructor(readonly tablePath: string, private readonly conn: DuckDBConnection, private readonly opts: DeltaTableOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  /** A handle on the table at `tablePath` (which may not exist yet; relative paths resolve against the cwd). */
  static forPath(conn: DuckDBConnection, tablePath: string, opts: DeltaTableOptions = {}): DeltaTable {
    return new DeltaTable(resolve(tablePath), conn, opts);
  }

  /**
   * Re-reads the log up to its newest commit; undefined when the table has no commits. The first load goes
   * through the reader (newest checkpoint, reader-feature checks); later ones apply only the new JSON commits.
   */
  async refresh(): Promise<TableState | undefined> {
    if (this.state) {
      this.state = await refreshState(this.tablePath, this.state);
      return this.state;
    }
    try {
      const loaded = await loadSnapshot(this.tablePath, { conn: this.conn });
      this.state = { snapshot: loaded, tombstones: new Map(loaded.tombstones.map((r) => [r.path, r])) };
    } catch (e) {
      if (isWeirError(e, 'DELTA.NOT_A_TABLE')) return undefined;
      throw e;
    }
    return this.state;
  }

  /** True when the table has at least commit 0. */
  async exists(): Promise<boolean> {
    return (await this.refresh()) !== undefined;
  }

  /** Creates the table from a query; fails with DELTA.TABLE_EXISTS when it exists. */
  create(source: string, opts: Omit<WriteOptions, 'mode'> = {}): Promise<WriteResult> {
    return this.write(source, { ...opts, mode: 'create' });
  }

  /** Appends a query's rows (creating the table when needed). */
  append(source: string, opts: Omit<WriteOptions, 'mode' | 'replaceWhere' | 'overwriteSchema'> = {}): Promise<WriteResult> {
    return this.write(source, { ...opts, mode: 'append' });
  }

  /** Replaces the table's rows (or, with replaceWhere, the matching rows) with a query's rows. */
  overwrite(source: string, opts: Omit<WriteOptions, 'mode'> = {}): Promise<WriteResult> {
    return this.write(source, { ...opts, mode: 'overwrite' });
  }

  /** Writes a query's rows as one commit. */
  async write(source: string, opts: WriteOptions): Promise<WriteResult> {
    const state = await this.refresh();
    const done = this.txnDone(state, opts);
    if (done) return done;
    const pending = await buildWrite(this.conn, this.tablePath, state, source, opts, this.clock);
    let result;
    try {
      result = await commitTransaction(pending, {
        conn: this.conn,
        clock: this.clock,
        checkpointer: this.opts.checkpointer,
        onCheckpointError: this.opts.onCheckpointError,
        maxAttempts: this.opts.maxCommitAttempts,
      });
    } catch (e) {
      if (!isWeirError(e, 'DELTA.CONCURRENT_MODIFICATION')) throw e;
      // A lost race means no version references the new files: remove them rather than leave them to VACUUM.
      for (const a of pending.actions) if ('add' in a) await unlink(dataFilePath(this.tablePath, a.add.path)).catch(() => undefined);
      // Another writer committed the same txn first: that is the exactly-once outcome, not an error.
      const raced = this.txnDone(await this.refresh(), opts);
      if (raced) return raced;
      throw e;
    }
    this.state = result.state;
    return { version: result.version, skipped: false, numFiles: Number(pending.operationMetrics.numFiles), numOutputRows: Number(pending.operationMetrics.numOutputRows) };
  }

  /** The existing table's state, or DELTA.TABLE_NOT_FOUND for `operation`. */
  private async requireState(operation: string): Promise<TableState> {
    const state = await this.refresh();
    if (!state) throw new WeirError('DELTA.TABLE_NOT_FOUND', `${operation}: no Delta table at ${this.tablePath} (no _delta_log/00000000000000000000.json); create it first`, { params: { tablePath: this.tablePath } });
    return state;
  }

  /** Commits a built transaction; on a lost race deletes its new data files before rethrowing. */
  private async commitPending(pending: PendingCommit): Promise<OperationResult> {
    try {
      const result = await commitTransaction(pending, { conn: this.conn, clock: this.clock, checkpointer: this.opts.checkpointer, onCheckpointError: this.opts.onCheckpointError, maxAttempts: this.opts.maxCommitAttempts });
      this.state = result.state;
      return { version: result.version, operationMetrics: pending.operationMetrics };
    } catch (e) {
      // RESTORE re-adds files older versions still reference: never delete those.
      if (pending.operation !== 'RESTORE') for (const a of pending.actions) if ('add' in a) await unlink(dataFilePath(this.tablePath, a.add.path)).catch(() => undefined);
      throw e;
    }
  }

  /** DELETE FROM the table WHERE `predicate` (DuckDB SQL over the columns; undefined deletes every row). */
  async delete(predicate?: string): Promise<OperationResult> {
    return this.commitPending(await buildDelete(this.conn, await this.requireState('DELETE'), predicate, this.clock));
  }

  /** UPDATE the table SET columns WHERE a predicate. */
  async update(spec: UpdateSpec): Promise<OperationResult> {
    return this.commitPending(await buildUpdate(this.conn, await this.requireState('UPDATE'), spec, this.clock));
  }

  /** MERGE INTO the table USING a source query ON a condition with WHEN [NOT] MATCHED clauses. */
  async merge(spec: MergeSpec): Promise<OperationResult> {
    return this.commitPending(await buildMerge(this.conn, await this.requireState('MERGE'), spec, this.clock));
  }

  /** OPTIMIZE: bin-pack small files, or rewrite in Z-order with `zOrderBy` (dataChange=false). */
  async optimize(opts: OptimizeOptions = {}): Promise<OperationResult> {
    const pending = await buildOptimize(this.conn, await this.requireState('OPTIMIZE'), opts, this.clock);
    if (pending.actions.length === 0) return { version: pending.readState?.snapshot.version ?? -1, operationMetrics: pending.operationMetrics };
    return this.commitPending(pending);
  }

  /** VACUUM: deletes data files no version within the retention period needs (or lists them with dryRun). */
  async vacuum(opts: VacuumOptions = {}): Promise<VacuumResult> {
    const state = await this.requireState('VACUUM');
    const plan = await planVacuum(state, opts, this.clock);
    if (opts.dryRun) return vacuumResult(plan, true);
    await this.commitPending(vacuumCommit(state, plan));
    const deleted = await deleteVacuumFiles(plan);
    await this.commitPending(vacuumCommit(await this.requireState('VACUUM'), plan, deleted));
    return vacuumResult(plan, false, deleted);
  }

  /** RESTORE the table TO a version or timestamp: one commit that makes the live files those of that version. */
  async restore(to: VersionSelector): Promise<OperationResult> {
    const state = await this.requireState('RESTORE');
    const target = await loadSnapshot(this.tablePath, { ...to, conn: this.conn });
    return this.commitPending(await buildRestore(state, target, to, this.clock));
  }

  /** The skipped-write result when the table already has the request's txn version (or a newer one). */
  private txnDone(state: TableState | undefined, opts: WriteOptions): WriteResult | undefined {
    if (!opts.txn || !state) return undefined;
    const seen = state.snapshot.txns.get(opts.txn.appId);
    return seen !== undefined && seen >= opts.txn.version ? { version: state.snapshot.version, skipped: true, numFiles: 0, numOutputRows: 0 } : undefined;
  }

  /** The snapshot at the newest version, or at a version / timestamp (time travel, through the reader). */
  async snapshot(at: VersionSelector = {}): Promise<Snapshot> {
    if (at.version !== undefined || at.timestamp !== undefined) return loadSnapshot(this.tablePath, { ...at, conn: this.conn });
    const latest = await this.refresh();
    if (!latest) throw new WeirError('DELTA.TABLE_NOT_FOUND', `no Delta table at ${this.tablePath} (no _delta_log/00000000000000000000.json); create it first`, { params: { tablePath: this.tablePath } });
    return latest.snapshot;
  }

  /** The commit history, newest first (at most `limit` entries). */
  async history(limit = Number.MAX_SAFE_INTEGER): Promise<HistoryEntry[]> {
    const latest = await this.refresh();
    const out: HistoryEntry[] = [];
    for (let v = latest?.snapshot.version ?? -1; v >= 0 && out.length < limit; v--) {
      const actions = (await readCommitActions(this.tablePath, v)) ?? [];
      const info = actions.find((a) => 'commitInfo' in a);
      out.push({ ...(info && 'commitInfo' in info ? info.commitInfo : {}), version: v });
    }
    return out;
  }

  /** A DuckDB SELECT over the rows of the newest (or the selected) version. */
  async scanSql(at: VersionSelector = {}): Promise<string> {
    return tableScanSql(this.conn, await this.snapshot(at));
  }
}
