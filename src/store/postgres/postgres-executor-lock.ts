import { hostname } from 'node:os';
import pg from 'pg';
import { WeirError } from '../../domain/weir-error.js';
import { parsePostgresUrl } from './postgres-url.js';

/**
 * Takes the one-executor lock of a PostgreSQL store (a session advisory lock on its own connection, so it goes
 * when the process dies). Until workers claim work with SKIP LOCKED, two servers on one store would both run its
 * queued runs; the second is refused instead. Returns the release function.
 */
export async function lockPostgresExecutor(url: string): Promise<() => Promise<void>> {
  const target = parsePostgresUrl(url);
  const me = `weir executor pid ${process.pid} on ${hostname()}`;
  const client = new pg.Client({ connectionString: target.connectionString, application_name: me.slice(0, 63) });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    throw new WeirError('STORE.UNAVAILABLE', `cannot connect to the PostgreSQL store ${target.display}: ${(e as Error).message}; start PostgreSQL or fix --store / WEIR_STORE`, { cause: e, retryable: true });
  }
  const key = `weir.executor.${target.schema ?? ''}`;
  const got = await client.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtext($1)) as ok', [key]);
  if (got.rows[0]?.ok) return () => client.end().catch(() => undefined);
  const holder = await client.query<{ application_name: string; client_addr: string | null }>(
    `select a.application_name, a.client_addr::text as client_addr from pg_locks l join pg_stat_activity a on a.pid = l.pid
     where l.locktype = 'advisory' and l.granted and l.objid::text::bigint = (hashtext($1)::bigint & 4294967295) and l.database = (select oid from pg_database where datname = current_database())`,
    [key],
  );
  await client.end().catch(() => undefined);
  const who = holder.rows[0] ? `${holder.rows[0].application_name || 'a weir server'}${holder.rows[0].client_addr ? ` (${holder.rows[0].client_addr})` : ''}` : 'another weir server';
  throw new WeirError(
    'STORE.LOCKED',
    `the store ${target.display} is in use by ${who}; stop it, or give this server its own database or ?schema= (to share one store, run weir server --roles api,scheduler with weir worker processes)`,
    { params: { store: target.display } },
  );
}

/**
 * Takes the shared side of the executor lock for a scale-out role (API without executor, scheduler, worker):
 * any number of those run together, but not beside a `weir server` that runs its own in-process executor on the
 * same store (which holds the exclusive side), since that executor would not respect their claims.
 */
export async function lockPostgresScaleOut(url: string): Promise<() => Promise<void>> {
  const target = parsePostgresUrl(url);
  const client = new pg.Client({ connectionString: target.connectionString, application_name: `weir role pid ${process.pid} on ${hostname()}`.slice(0, 63) });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    throw new WeirError('STORE.UNAVAILABLE', `cannot connect to the PostgreSQL store ${target.display}: ${(e as Error).message}; start PostgreSQL or fix --store / WEIR_STORE`, { cause: e, retryable: true });
  }
  const got = await client.query<{ ok: boolean }>('select pg_try_advisory_lock_shared(hashtext($1)) as ok', [`weir.executor.${target.schema ?? ''}`]);
  if (got.rows[0]?.ok) return () => client.end().catch(() => undefined);
  await client.end().catch(() => undefined);
  throw new WeirError(
    'STORE.LOCKED',
    `the store ${target.display} is in use by a \`weir server\` that runs its own executor; stop it and restart it with --roles api,scheduler to run it beside workers`,
    { params: { store: target.display } },
  );
}
