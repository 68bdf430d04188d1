import { hostname } from 'node:os';
import pg from 'pg';
import type { LeaderLock } from '../ports/leader-lock.js';
import { parsePostgresUrl } from './postgres-url.js';

/**
 * A LeaderLock on PostgreSQL: a session advisory lock on a dedicated connection. PostgreSQL frees it when the
 * connection ends (the holder died or lost the network), and this side stops claiming it the moment its
 * connection reports an error or end, so two processes never both believe they hold it for longer than the server
 * takes to notice a dead connection.
 */
export class PostgresLeaderLock implements LeaderLock {
  private client: pg.Client | undefined;
  private held = false;

  constructor(
    private readonly url: string,
    private readonly name: string,
  ) {}

  async tryAcquire(): Promise<boolean> {
    if (this.held && this.client) return true;
    const target = parsePostgresUrl(this.url);
    if (!this.client) {
      const c = new pg.Client({ connectionString: target.connectionString, application_name: `weir ${this.name} pid ${process.pid} on ${hostname()}`.slice(0, 63) });
      const lost = () => {
        if (this.client === c) [this.client, this.held] = [undefined, false];
      };
      c.on('error', lost);
      c.on('end', lost);
      await c.connect();
      this.client = c;
    }
    const r = await this.client.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtext($1)) as ok', [`weir.${this.name}.${target.schema ?? ''}`]);
    this.held = r.rows[0]?.ok === true;
    return this.held;
  }

  async release(): Promise<void> {
    const c = this.client;
    [this.client, this.held] = [undefined, false];
    await c?.end().catch(() => undefined);
  }
}
