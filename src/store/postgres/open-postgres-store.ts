import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { WeirError } from '../../domain/weir-error.js';
import { SqlStore } from '../sql/sql-store.js';
import { parsePostgresUrl, type PostgresTarget } from './postgres-url.js';
import { preparedQueryOn, registerPreparedQuery } from './prepared-queries.js';

const INT8_OID = 20;

/**
 * `bigint` columns (ids, epoch-ms times, counts) as JS numbers, like SQLite gives them: every value weir stores
 * there is below 2^53 (ms times until year 287396), so nothing is lost, and no store has to remember Number().
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** Options of a PostgreSQL store connection pool. */
export interface PostgresStoreOptions {
  /** Connections in the pool (default 10). */
  maxConnections?: number;
}

/** Opens (and migrates, under Kysely's advisory lock) the shared store on PostgreSQL. */
export async function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Promise<SqlStore> {
  const target = parsePostgresUrl(url);
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: opts.maxConnections ?? 10,
    types,
    // The schema is validated as an identifier by parsePostgresUrl, so it can go into the startup options as is.
    ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}),
  });
  // A client whose server connection drops emits 'error'; without a listener that crashes the process. The pool
  // listens on idle clients only: one checked out (by Kysely, for a query or transaction) had none, so a connection
  // reset in the middle of a heartbeat killed a worker instead of letting it fence itself (seen in
  // test/scale-out-roles.test.ts under CPU load). The query itself still fails with the error.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  await checkReachable(pool, target);
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  try {
    if (target.schema) await createSchema(db, target.schema);
    // Ordered writes: the executor relies on its writes landing in call order, which a pool does not give by itself.
    const prepared = preparedQueryOn(pool);
    registerPreparedQuery(db, prepared);
    const store = new SqlStore(db, true, prepared);
    await store.migrate({ schema: target.schema });
    return store;
  } catch (e) {
    await db.destroy();
    throw e;
  }
}

async function checkReachable(pool: pg.Pool, target: PostgresTarget): Promise<void> {
  try {
    const client = await pool.connect();
    client.release();
  } catch (e) {
    await pool.end();
    throw new WeirError(
      'STORE.UNAVAILABLE',
      `cannot connect to the PostgreSQL store ${target.display}: ${(e as Error).message}; start PostgreSQL or fix --store / WEIR_STORE`,
      { params: { store: target.display }, cause: e, retryable: true },
    );
  }
}

async function createSchema(db: Kysely<any>, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (e) {
    // Two processes creating the schema at once: the loser sees a unique violation although the schema now exists.
    if ((e as { code?: string }).code !== '23505') throw e;
  }
}
