/** A fresh PostgreSQL database per benchmark side (WEIR_BENCH_PG_URL, default the local server), dropped after. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the PostgreSQL benchmarks create their databases on. */
export const PG_ADMIN_URL = process.env.WEIR_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Creates a database and returns its URL and the drop function. */
export async function freshDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `weir_bench_${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = async (q: string) => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}
