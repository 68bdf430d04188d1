import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { SqlStore } from '../sql/sql-store.js';
import { withStatementCache } from './statement-cache.js';

/** Opens (and migrates) the embedded store: one SQLite file in WAL mode. */
export async function openSqliteStore(file: string): Promise<SqlStore> {
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a process crash (SIGKILL); only an OS crash can lose the last commits.
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  // Ordered writes here too: Kysely's SQLite connection mutex lets a newcomer take the lock before a woken waiter, so
  // a fire-and-forget write (the pid of a started attempt) could land after the attempt's end and leave it RUNNING.
  const store = new SqlStore(new Kysely<any>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }), true);
  await store.migrate();
  return store;
}
