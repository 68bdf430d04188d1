import { lockPostgresExecutor } from './postgres/postgres-executor-lock.js';
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
