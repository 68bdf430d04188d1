import { randomUUID } from 'node:crypto';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { ClaimedRun, ClaimStore, RunRequest, WorkerRecord } from '../ports/claim-store.js';
import type { RunRecord, TaskRunRecord } from '../records.js';
import { parsePostgresUrl } from './postgres-url.js';
import { preparedQueryOf } from './prepared-queries.js';

/** The LISTEN/NOTIFY channel workers are woken on. */
const CHANNEL = 'weir_work';
/** Runs looked at per extra claim round (beyond twice the wanted count) when max_concurrent_runs held runs back, so they do not starve later ones. */
const LOOKAHEAD = 8;
const CLAIM_SQL = 'select * from weir_claim_runs_v2($1, $2, $3::int, $4::int)';
/** A row of weir_claim_runs_v2: the run and its task runs (a JSON array) as JSON text. */
type ClaimRow = { run_id: number; claim_epoch: number; admitted: boolean; data: string; task_runs: string };
const NOW_MS = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/**
 * The PostgreSQL claim store (ADR 0007): `FOR UPDATE SKIP LOCKED` claims in run id order with max_concurrent_runs
 * checked under a per-job advisory lock, in one call of the server-side function weir_claim_runs_v2 (migration 0011;
 * its semantics are described in migration 0009), heartbeats on the database's clock (so machines' clock skew does
 * not matter), and LISTEN/NOTIFY wake-ups on a dedicated connection.
 */
export class PostgresClaimStore implements ClaimStore {
  constructor(
    private readonly db: Kysely<any>,
    private readonly url: string,
  ) {}

  async registerWorker(w: Omit<WorkerRecord, 'started_at' | 'heartbeat_at'>): Promise<void> {
    await sql`insert into workers (worker_id, host, pid, pool, slots, started_at, heartbeat_at)
      values (${w.worker_id}, ${w.host}, ${w.pid}, ${w.pool}, ${w.slots}, ${NOW_MS}, ${NOW_MS})`.execute(this.db);
  }

  async heartbeat(workerId: string): Promise<boolean> {
    const r = await sql`update workers set heartbeat_at = ${NOW_MS} where worker_id = ${workerId}`.execute(this.db);
    return Number(r.numAffectedRows ?? 0) > 0;
  }

  async removeWorker(workerId: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await sql`update runs set claimed_by = null, claim_epoch = claim_epoch + 1 where claimed_by = ${workerId}`.execute(tx);
      await sql`delete from workers where worker_id = ${workerId}`.execute(tx);
      await sql`select pg_notify(${CHANNEL}, '')`.execute(tx);
    });
  }

  async listWorkers(): Promise<WorkerRecord[]> {
    const r = await sql<WorkerRecord>`select * from workers order by worker_id`.execute(this.db);
    return r.rows;
  }

  async claimRuns(workerId: string, pool: string, limit: number): Promise<ClaimedRun[]> {
    if (limit <= 0) return [];
    // One round trip: the whole claim (candidates, per-job max_concurrent_runs, update) is weir_claim_runs_v2 (migration
    // 0011), a prepared statement when the store has them (planned once per connection).
    const values = [workerId, pool, limit, 2 * limit + LOOKAHEAD];
    const prepared = preparedQueryOf(this.db);
    const r: { rows: ClaimRow[] } = prepared
      ? await prepared('weir_claim_runs_v2', CLAIM_SQL, values)
      : await this.db.executeQuery<ClaimRow>(CompiledQuery.raw(CLAIM_SQL, values));
    return r.rows.map((w) => ({
      run: JSON.parse(w.data) as RunRecord,
      taskRuns: JSON.parse(w.task_runs) as TaskRunRecord[],
      epoch: Number(w.claim_epoch),
      admitted: w.admitted,
    }));
  }

  async sweepLostWorkers(timeoutMs: number): Promise<string[]> {
    return this.db.transaction().execute(async (tx) => {
      const lost = (await sql<{ worker_id: string }>`select worker_id from workers where heartbeat_at < ${NOW_MS} - ${timeoutMs}
        for update skip locked`.execute(tx)).rows.map((r) => r.worker_id);
      // Claims of workers that are gone (lost now, or removed half-way) become claimable; the epoch bump fences them.
      const freed = await sql`update runs set claimed_by = null, claim_epoch = claim_epoch + 1
        where claimed_by is not null and (claimed_by = any(${lost}::text[]) or not exists (select 1 from workers w where w.worker_id = runs.claimed_by))`.execute(tx);
      if (lost.length) await sql`delete from workers where worker_id = any(${lost}::text[])`.execute(tx);
      // From the (few) requests to their runs by primary key: runs_state holds only active runs (migration 0011).
      await sql`delete from run_requests q using runs r
        where r.run_id = q.run_id and r.life_cycle_state in ('TERMINATED', 'SKIPPED', 'INTERNAL_ERROR')`.execute(tx);
      if (Number(freed.numAffectedRows ?? 0) > 0) await sql`select pg_notify(${CHANNEL}, '')`.execute(tx);
      return lost;
    });
  }

  async requestRunAction(r: Omit<RunRequest, 'request_id'>): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await sql`insert into run_requests (request_id, run_id, task_run_id, kind, created_time)
        values (${randomUUID()}, ${r.run_id}, ${r.task_run_id}, ${r.kind}, ${NOW_MS})`.execute(tx);
      await sql`select pg_notify(${CHANNEL}, '')`.execute(tx);
    });
  }

  async takeRequests(workerId: string): Promise<RunRequest[]> {
    const r = await sql<RunRequest>`delete from run_requests where run_id in (select run_id from runs where claimed_by = ${workerId})
      returning request_id, run_id, task_run_id, kind`.execute(this.db);
    return r.rows.map((q) => ({ ...q, run_id: Number(q.run_id), task_run_id: q.task_run_id === null ? null : Number(q.task_run_id) }));
  }

  async notifyWork(): Promise<void> {
    await sql`select pg_notify(${CHANNEL}, '')`.execute(this.db);
  }

  async listen(onWake: () => void): Promise<() => Promise<void>> {
    const target = parsePostgresUrl(this.url);
    let closed = false;
    let client: pg.Client | undefined;
    const connect = async (): Promise<void> => {
      const c = new pg.Client({ connectionString: target.connectionString, application_name: `weir listener pid ${process.pid}` });
      c.on('notification', () => onWake());
      c.on('error', () => undefined);
      // A dropped connection is re-made; a wake-up missed meanwhile is covered by the workers' polling.
      c.on('end', () => {
        if (!closed) setTimeout(() => void connect().catch(() => undefined), 1000).unref();
      });
      try {
        await c.connect();
        await c.query(`listen ${CHANNEL}`);
        client = c;
        onWake();
      } catch (e) {
        await c.end().catch(() => undefined);
        throw e;
      }
    };
    await connect();
    return async () => {
      closed = true;
      await client?.end().catch(() => undefined);
    };
  }
}
