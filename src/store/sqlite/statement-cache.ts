import type Database from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** How many distinct SQL texts keep a prepared statement (weir issues a few dozen; the bound guards ad-hoc SQL). */
const MAX_STATEMENTS = 256;

/**
 * Wraps a better-sqlite3 database for Kysely so each distinct SQL text is prepared once. Kysely's SQLite driver
 * prepares every query it runs; preparing was ~25% of a task-run write (measured: 1,000 writes of a task run record
 * 43 ms → see docs/jobs.md "Performance"), and the executor issues three per task.
 */
export function withStatementCache(db: Database.Database): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare(sql: string): SqliteStatement {
      const hit = cache.get(sql);
      // A statement still iterating (Kysely's streamQuery) cannot run again: give that caller a fresh one.
      if (hit && !hit.busy) return hit as unknown as SqliteStatement;
      const stmt = db.prepare(sql);
      if (!hit) {
        if (cache.size >= MAX_STATEMENTS) cache.delete(cache.keys().next().value as string);
        cache.set(sql, stmt);
      }
      return stmt as unknown as SqliteStatement;
    },
  };
}
