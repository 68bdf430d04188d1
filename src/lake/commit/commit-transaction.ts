/**
 * The optimistic commit: write `<readVersion+1>.json` put-if-absent; when another writer got that version
 * first, read its commit, and either retry at the next version (no conflict, e.g. two blind appends) or fail with
 * DELTA.CONCURRENT_MODIFICATION. After a commit, writes a checkpoint every `delta.checkpointInterval` versions
 * (default 10); a failed checkpoint never fails the commit.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DELTA_LOG_DIR, versionStem, type Action, type CommitInfo } from '../actions.js';
import type { Clock } from '../../domain/clock.js';
import { WeirError } from '../../domain/weir-error.js';
import { writeCheckpoint } from '../checkpoint-writer.js';
import { ENGINE_INFO } from './engine-info.js';
import { concurrentModification, conflictReason, type TransactionFootprint } from './conflict-checker.js';
import { putIfAbsent } from './put-if-absent.js';
import { applyCommit, readCommitActions, type TableState } from './table-state.js';

/** Spark's default checkpoint interval. */
export const DEFAULT_CHECKPOINT_INTERVAL = 10;

/** Writes a checkpoint for a state; injectable so callers (and tests) can observe or replace it. */
export type Checkpointer = (conn: DuckDBConnection, state: TableState, now: number) => Promise<void>;

/** A transaction ready to commit. */
export interface PendingCommit {
  tablePath: string;
  /** The state the transaction read; undefined when it creates the table. */
  readState: TableState | undefined;
  /** Every action but commitInfo. */
  actions: Action[];
  operation: string;
  operationParameters: Record<string, string>;
  operationMetrics: Record<string, string>;
  footprint: Omit<TransactionFootprint, 'readVersion' | 'operation'>;
}

/** Where and how to commit. */
export interface CommitContext {
  conn: DuckDBConnection;
  clock: Clock;
  /** Attempts before giving up on a contended table (default 200). */
  maxAttempts?: number;
  checkpointer?: Checkpointer;
  /** Called when a checkpoint fails (the commit still succeeds). */
  onCheckpointError?: (e: unknown) => void;
}

/** The committed version and the table state right after it. */
export interface CommitResult {
  version: number;
  state: TableState;
}

function buildCommitInfo(p: PendingCommit, readVersion: number, now: number): CommitInfo {
  const info: CommitInfo = {
    timestamp: now,
    operation: p.operation,
    operationParameters: p.operationParameters,
    isolationLevel: 'WriteSerializable', // blind appends commute; anything that read the table conflicts
    isBlindAppend: p.footprint.isBlindAppend,
    operationMetrics: p.operationMetrics,
    engineInfo: ENGINE_INFO,
    txnId: randomUUID(),
  };
  if (readVersion >= 0) info.readVersion = readVersion;
  return info;
}

/** Commits the transaction, retrying over non-conflicting concurrent commits. */
export async function commitTransaction(p: PendingCommit, ctx: CommitContext): Promise<CommitResult> {
  const logDir = join(p.tablePath, DELTA_LOG_DIR);
  await mkdir(logDir, { recursive: true });
  const readVersion = p.readState?.snapshot.version ?? -1;
  const footprint: TransactionFootprint = { ...p.footprint, readVersion, operation: p.operation };
  let current = p.readState;
  let version = readVersion + 1;
  const maxAttempts = ctx.maxAttempts ?? 200;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const commitInfo = buildCommitInfo(p, readVersion, ctx.clock.now());
    const all: Action[] = [{ commitInfo }, ...p.actions];
    const text = all.map((a) => JSON.stringify(a)).join('\n') + '\n';
    if (await putIfAbsent(join(logDir, `${versionStem(version)}.json`), text)) {
      const state = applyCommit(current, all, version, p.tablePath);
      await maybeCheckpoint(state, ctx);
      return { version, state };
    }
    const winner = await readCommitActions(p.tablePath, version);
    if (!winner) continue; // cannot happen after EEXIST unless someone deletes commits; just try again
    const reason = conflictReason(winner, footprint);
    if (reason) throw concurrentModification(p.tablePath, footprint, version, reason);
    current = applyCommit(current, winner, version, p.tablePath);
    version++;
  }
  throw new WeirError(
    'DELTA.CONCURRENT_MODIFICATION',
    `${p.operation} on ${p.tablePath} gave up after ${maxAttempts} attempts: other writers kept committing first (last tried version ${version}); retry later or reduce concurrent writers`,
    { params: { tablePath: p.tablePath, attempts: maxAttempts }, retryable: true },
  );
}

/** The table's checkpoint interval (`delta.checkpointInterval`, default 10). */
export function checkpointInterval(state: TableState): number {
  const n = Number(state.snapshot.metadata.configuration['delta.checkpointInterval']);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_CHECKPOINT_INTERVAL;
}

async function maybeCheckpoint(state: TableState, ctx: CommitContext): Promise<void> {
  const v = state.snapshot.version;
  if (v === 0 || v % checkpointInterval(state) !== 0) return;
  try {
    await (ctx.checkpointer ?? writeCheckpoint)(ctx.conn, state, ctx.clock.now());
  } catch (e) {
    ctx.onCheckpointError?.(e);
  }
}
