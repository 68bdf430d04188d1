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
  const store = new SqlStore(new Kysely<any>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }));
  await store.migrate();
  return store;
}
