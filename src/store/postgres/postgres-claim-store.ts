import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { ClaimedRun, ClaimStore, RunRequest, WorkerRecord } from '../ports/claim-store.js';
import type { RunRecord, TaskRunRecord } from '../records.js';
import { parsePostgresUrl } from './postgres-url.js';

/** The LISTEN/NOTIFY channel workers are woken on. */
const CHANNEL = 'weir_work';
/** First key of the per-job advisory locks that serialise max_concurrent_runs checks (the second is the job id). */
const JOB_LOCK = 770007;
/** Candidates read (and locked) per claim beyond twice the wanted count: runs held back by max_concurrent_runs must not starve later ones. */
const LOOKAHEAD = 8;
const ACTIVE = ['QUEUED', 'PENDING', 'RUNNING', 'TERMINATING', 'BLOCKED'];
const NOW_MS = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

interface Candidate {
  run_id: number;
  job_id: number | null;
  life_cycle_state: string;
  data: string;
  requested: boolean;
}

/**
 * The PostgreSQL claim store (ADR 0007): `FOR UPDATE SKIP LOCKED` claims in run id order with max_concurrent_runs
 * checked under a per-job advisory lock in the same transaction, heartbeats on the database's clock (so machines'
 * clock skew does not matter), and LISTEN/NOTIFY wake-ups on a dedicated connection.
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
    return this.db.transaction().execute(async (tx) => {
      const found = await sql<Candidate>`select run_id, job_id, life_cycle_state, data,
          exists (select 1 from run_requests q where q.run_id = runs.run_id) as requested
        from runs where pool = ${pool} and claimed_by is null and life_cycle_state in (${sql.join(ACTIVE)})
        order by run_id limit ${2 * limit + LOOKAHEAD} for update of runs skip locked`.execute(tx);
      const picked = await admit(tx, found.rows, limit);
      if (picked.length === 0) return [];
      const ids = picked.map((p) => p.run.run_id);
      const won = await sql<{ run_id: number; claim_epoch: number }>`update runs set claimed_by = ${workerId}, claim_epoch = claim_epoch + 1
        where run_id = any(${ids}::bigint[]) returning run_id, claim_epoch`.execute(tx);
      const epochs = new Map(won.rows.map((r) => [Number(r.run_id), Number(r.claim_epoch)]));
      const trs = await sql<{ run_id: number; data: string }>`select run_id, data from task_runs where run_id = any(${ids}::bigint[]) order by task_run_id`.execute(tx);
      const byRun = new Map<number, TaskRunRecord[]>();
      for (const t of trs.rows) byRun.set(Number(t.run_id), [...(byRun.get(Number(t.run_id)) ?? []), JSON.parse(t.data) as TaskRunRecord]);
      return picked.map((p) => ({ ...p, epoch: epochs.get(p.run.run_id) ?? 0, taskRuns: byRun.get(p.run.run_id) ?? [] }));
    });
  }

  async releaseRun(runId: number, workerId: string, epoch: number): Promise<void> {
    await sql`update runs set claimed_by = null where run_id = ${runId} and claimed_by = ${workerId} and claim_epoch = ${epoch}`.execute(this.db);
  }

  async sweepLostWorkers(timeoutMs: number): Promise<string[]> {
    return this.db.transaction().execute(async (tx) => {
      const lost = (await sql<{ worker_id: string }>`select worker_id from workers where heartbeat_at < ${NOW_MS} - ${timeoutMs}
        for update skip locked`.execute(tx)).rows.map((r) => r.worker_id);
      // Claims of workers that are gone (lost now, or removed half-way) become claimable; the epoch bump fences them.
      const freed = await sql`update runs set claimed_by = null, claim_epoch = claim_epoch + 1
        where claimed_by is not null and (claimed_by = any(${lost}::text[]) or not exists (select 1 from workers w where w.worker_id = runs.claimed_by))`.execute(tx);
      if (lost.length) await sql`delete from workers where worker_id = any(${lost}::text[])`.execute(tx);
      await sql`delete from run_requests where run_id in (select run_id from runs where life_cycle_state in ('TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'))`.execute(tx);
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

/** Picks the runs to claim, in run id order: queued runs of a job are admitted up to its max_concurrent_runs. */
async function admit(tx: Kysely<any>, found: Candidate[], limit: number): Promise<Omit<ClaimedRun, 'epoch' | 'taskRuns'>[]> {
  const runs = found.map((c) => ({ c, run: JSON.parse(c.data) as RunRecord }));
  const gated = (x: (typeof runs)[number]) => x.c.life_cycle_state === 'QUEUED' && x.c.job_id !== null && x.run.parent_task_run_id === null && !x.c.requested;
  // Advisory locks in job id order, so two claimers never wait for each other's locks in a cycle.
  const jobs = [...new Set(runs.filter(gated).map((x) => Number(x.c.job_id)))].sort((a, b) => a - b);
  const holding = new Map<number, number>();
  for (const job of jobs) {
    await sql`select pg_advisory_xact_lock(${JOB_LOCK}, ${job}::int)`.execute(tx);
    const n = await sql<{ n: number }>`select count(*)::int as n from runs where job_id = ${job}
      and (life_cycle_state in ('PENDING', 'RUNNING', 'TERMINATING', 'BLOCKED') or (life_cycle_state = 'QUEUED' and claimed_by is not null))`.execute(tx);
    holding.set(job, Number(n.rows[0]?.n ?? 0));
  }
  const out: Omit<ClaimedRun, 'epoch' | 'taskRuns'>[] = [];
  for (const x of runs) {
    if (out.length >= limit) break;
    if (!gated(x)) {
      out.push({ run: x.run, admitted: true });
      continue;
    }
    const job = Number(x.c.job_id);
    const held = holding.get(job) ?? 0;
    if (held < (x.run.settings.max_concurrent_runs ?? 1)) {
      holding.set(job, held + 1);
      out.push({ run: x.run, admitted: true });
    } else if (!x.run.settings.queue?.enabled) {
      out.push({ run: x.run, admitted: false });
    }
  }
  return out;
}
