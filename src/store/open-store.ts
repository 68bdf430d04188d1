import { lockPostgresExecutor, lockPostgresScaleOut } from './postgres/postgres-executor-lock.js';
import { PostgresClaimStore } from './postgres/postgres-claim-store.js';
import type { ClaimStore } from './ports/claim-store.js';
import { WeirError } from '../domain/weir-error.js';
import { openPostgresStore } from './postgres/open-postgres-store.js';
import type { SqlStore } from './sql/sql-store.js';
import { openSqliteStore } from './sqlite/open-sqlite-store.js';

const URL_SHAPED = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Opens the store a config value names: a URL selects PostgreSQL (any scheme but postgres:// is refused with
 * STORE.INVALID_URL rather than taken for a file name); anything else is a SQLite file path.
 */
export async function openStore(location: string): Promise<SqlStore> {
  return URL_SHAPED.test(location.trim()) ? openPostgresStore(location) : openSqliteStore(location);
}

/**
 * Makes this process the store's only executor and returns the release function. PostgreSQL: an advisory lock
 * (STORE.LOCKED when another server holds it). SQLite: nothing here; the data-folder lock already covers it.
 */
export async function lockStoreExecutor(location: string): Promise<() => Promise<void>> {
  return URL_SHAPED.test(location.trim()) ? lockPostgresExecutor(location) : async () => undefined;
}

/** True when the store location is a PostgreSQL URL (the only store scale-out roles run on). */
export function isSharedStore(location: string): boolean {
  return URL_SHAPED.test(location.trim());
}

/** Refuses a SQLite store for a scale-out role (one process owns an embedded store). */
export function requireSharedStore(location: string, role: string): void {
  if (isSharedStore(location)) return;
  throw new WeirError('STORE.INVALID_URL', `${role}: scale-out roles need a PostgreSQL store shared by every process, but --store is the SQLite file ${location}; pass --store postgres://user@host:5432/db (or WEIR_STORE), or run \`weir server\` alone`, {
    params: { field: 'store' },
  });
}

/** Takes the shared executor lock of a scale-out role (STORE.LOCKED beside a `weir server` with its own executor). */
export function lockStoreScaleOut(location: string): Promise<() => Promise<void>> {
  return lockPostgresScaleOut(location);
}

/** The claim store of a scale-out role on a PostgreSQL store. */
export function claimStoreOf(location: string, store: SqlStore): ClaimStore {
  return new PostgresClaimStore(store.kysely, location);
}
