import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { PreparedQuery } from '../sql/run-fence.js';

/** The prepared-statement runner of each PostgreSQL store's Kysely instance (set by openPostgresStore). */
const byDb = new WeakMap<Kysely<any>, PreparedQuery>();

/**
 * Runs a statement as a named prepared statement on the pool: PostgreSQL parses and plans it once per connection
 * instead of on every call. For the hot statements of a worker only (claim, fenced run and task run writes), each
 * with a fixed name per SQL text: planning took ≈ 0.3–0.5 ms of a ≈ 0.1 ms claim-path statement on the 2-core
 * bench machine. The pool is the one Kysely uses, so these statements share its connections.
 */
export function preparedQueryOn(pool: pg.Pool): PreparedQuery {
  return async (name, text, values) => {
    const r = await pool.query({ name, text, values });
    return { rows: r.rows, rowCount: r.rowCount ?? 0 };
  };
}

/** Makes `run` the prepared-statement runner of the store whose Kysely instance is `db`. */
export function registerPreparedQuery(db: Kysely<any>, run: PreparedQuery): void {
  byDb.set(db, run);
}

/** The prepared-statement runner of the PostgreSQL store whose Kysely instance is `db`, if it has one. */
export function preparedQueryOf(db: Kysely<any>): PreparedQuery | undefined {
  return byDb.get(db);
}
