import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';
import type { ChannelType, DeliveryState } from '../ports/notification-store.js';
import type {
  DeliveryCount,
  FailedDelivery,
  FailedRun,
  JobRunStats,
  OperationsQuery,
  OperationsStore,
  OperationsSummary,
  RunStats,
} from '../ports/operations-store.js';

const TERMINAL = sql`('TERMINATED', 'SKIPPED', 'INTERNAL_ERROR')`;
const SUCCEEDED = sql`('SUCCESS', 'SUCCESS_WITH_FAILURES')`;
const FAILED = sql`('FAILED', 'TIMEDOUT', 'UPSTREAM_FAILED', 'MAXIMUM_CONCURRENT_RUNS_REACHED')`;
const CANCELED = sql`('CANCELED', 'UPSTREAM_CANCELED')`;
/** Listed rather than `not in TERMINAL`, so the runs_state index finds the few active runs among many finished ones. */
const ACTIVE = sql`('QUEUED', 'PENDING', 'RUNNING', 'TERMINATING', 'BLOCKED', 'WAITING_FOR_RETRY')`;
/** One-time runs (runs/submit) have no job; they are grouped under this key, which no job id takes. */
const NO_JOB = -1;

interface StatsRow {
  job_key: number;
  runs: number;
  succeeded: number;
  failed: number;
  canceled: number;
  p50: number | null;
  p95: number | null;
  max_dur: number | null;
  job_name: string | null;
  run_name: string | null;
}

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * The operations summary in SQL over the store's tables, for SQLite and PostgreSQL alike. Run and delivery fields
 * that have no column of their own (result_state, end_time, channel…) are read from the JSON `data` of the row;
 * the only dialect difference is how (json_extract vs `::jsonb #>>`). Percentiles are nearest-rank: the smallest
 * duration whose cume_dist() reaches p (SQLite has no percentile function; this works in both).
 */
export class OperationsSqlStore implements OperationsStore {
  private readonly postgres: boolean;
  constructor(private readonly db: Kysely<any>) {
    this.postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  }

  /** A JSON `data` column as a JSON value: parsed once into jsonb on PostgreSQL; SQLite's json functions take the text. */
  private json(column: string): RawBuilder<unknown> {
    return this.postgres ? sql`${sql.ref(column)}::jsonb` : sql`${sql.ref(column)}`;
  }

  /** A text field of a JSON value at `path` (e.g. ['target', 'channel']). */
  private text(json: RawBuilder<unknown>, path: string[]): RawBuilder<string | null> {
    if (this.postgres) return sql<string | null>`(${json} #>> ${sql.lit(`{${path.join(',')}}`)})`;
    return sql<string | null>`json_extract(${json}, ${sql.lit(`$.${path.join('.')}`)})`;
  }

  /** A number field of a JSON value. */
  private int(json: RawBuilder<unknown>, path: string[]): RawBuilder<number | null> {
    return sql<number | null>`cast(${this.text(json, path)} as bigint)`;
  }

  async operationsSummary(q: OperationsQuery): Promise<OperationsSummary> {
    const [totals, jobs, jobCount, active, failures, deliveries, failedDeliveries] = await Promise.all([
      this.stats(q.since, false, 1),
      this.stats(q.since, true, q.jobLimit),
      this.jobCount(q.since),
      this.active(),
      this.failures(q.since, q.failureLimit),
      this.deliveries(q.since),
      this.failedDeliveries(q.since, q.deliveryLimit),
    ]);
    const zero: RunStats = { runs: 0, succeeded: 0, failed: 0, canceled: 0, successRate: null, p50DurationMs: null, p95DurationMs: null, maxDurationMs: null };
    return { totals: totals[0] ?? zero, jobs, jobCount, active, failures, deliveries, failedDeliveries };
  }

  /** Completed runs of the window grouped by job (or all in one group), with nearest-rank p50/p95 durations. */
  private async stats(since: number, byJob: boolean, limit: number): Promise<JobRunStats[]> {
    const key = byJob ? sql`coalesce(src.job_id, ${sql.lit(NO_JOB)})` : sql`0`;
    const j = sql`src.j`;
    // Materialized, so PostgreSQL parses each row's JSON once rather than once per field read below.
    const rows = await sql<StatsRow>`
      with src as materialized (
        select r.job_id, r.life_cycle_state, r.start_time, ${this.json('r.data')} as j
        from runs r
        where coalesce(r.start_time, r.created_time) >= ${since} and r.life_cycle_state in ${TERMINAL}
      ),
      w as (
        select ${key} as job_key, src.life_cycle_state as life, ${this.text(j, ['result_state'])} as result_state,
               ${this.int(j, ['end_time'])} - src.start_time as dur, ${this.text(j, ['run_name'])} as run_name
        from src
      ),
      ranked as (
        select job_key, dur, cume_dist() over (partition by job_key order by dur) as c from w where dur is not null
      ),
      pct as (
        select job_key, min(case when c >= 0.5 then dur end) as p50, min(case when c >= 0.95 then dur end) as p95, max(dur) as max_dur
        from ranked group by job_key
      ),
      agg as (
        select job_key, count(*) as runs, max(run_name) as run_name,
               sum(case when life <> 'INTERNAL_ERROR' and result_state in ${SUCCEEDED} then 1 else 0 end) as succeeded,
               sum(case when life = 'INTERNAL_ERROR' or result_state in ${FAILED} then 1 else 0 end) as failed,
               sum(case when life <> 'INTERNAL_ERROR' and result_state in ${CANCELED} then 1 else 0 end) as canceled
        from w group by job_key
      )
      select a.job_key, a.runs, a.succeeded, a.failed, a.canceled, a.run_name, p.p50, p.p95, p.max_dur, j.name as job_name
      from agg a left join pct p on p.job_key = a.job_key left join jobs j on j.job_id = a.job_key
      order by a.failed desc, a.runs desc, a.job_key
      limit ${limit}`.execute(this.db);
    return rows.rows.map((r) => statsOf(r));
  }

  private async jobCount(since: number): Promise<number> {
    const row = await sql<{ n: number }>`
      select count(distinct coalesce(job_id, ${sql.lit(NO_JOB)})) as n from runs
      where coalesce(start_time, created_time) >= ${since} and life_cycle_state in ${TERMINAL}`.execute(this.db);
    return num(row.rows[0]?.n ?? 0);
  }

  private async active(): Promise<Record<string, number>> {
    const rows = await sql<{ life_cycle_state: string; n: number }>`
      select life_cycle_state, count(*) as n from runs where life_cycle_state in ${ACTIVE} group by life_cycle_state`.execute(this.db);
    return Object.fromEntries(rows.rows.map((r) => [r.life_cycle_state, num(r.n)]));
  }

  private async failures(since: number, limit: number): Promise<FailedRun[]> {
    const j = sql`src.j`;
    const result = this.text(j, ['result_state']);
    const rows = await sql<Record<string, unknown>>`
      with src as materialized (
        select run_id, job_id, life_cycle_state, start_time, ${this.json('data')} as j from runs
        where coalesce(start_time, created_time) >= ${since} and life_cycle_state in ${TERMINAL}
      )
      select run_id, job_id, life_cycle_state, start_time, ${result} as result_state, ${this.text(j, ['run_name'])} as run_name,
             ${this.text(j, ['state_message'])} as state_message, ${this.int(j, ['end_time'])} as end_time
      from src
      where life_cycle_state = 'INTERNAL_ERROR' or ${result} in ${FAILED}
      order by run_id desc limit ${limit}`.execute(this.db);
    return rows.rows.map((r) => ({
      runId: num(r.run_id),
      jobId: numOrNull(r.job_id),
      runName: String(r.run_name ?? ''),
      lifeCycleState: String(r.life_cycle_state),
      resultState: (r.result_state as string | null) ?? null,
      stateMessage: String(r.state_message ?? ''),
      startTime: numOrNull(r.start_time),
      endTime: numOrNull(r.end_time),
    }));
  }

  private async deliveries(since: number): Promise<DeliveryCount[]> {
    const channel = this.text(this.json('data'), ['target', 'channel']);
    const rows = await sql<{ channel: string; state: string; n: number }>`
      select ${channel} as channel, state, count(*) as n from notification_deliveries
      where ${this.int(this.json('data'), ['created_time'])} >= ${since}
      group by ${channel}, state order by 1, 2`.execute(this.db);
    return rows.rows.map((r) => ({ channel: r.channel as ChannelType, state: r.state as DeliveryState, deliveries: num(r.n) }));
  }

  private async failedDeliveries(since: number, limit: number): Promise<FailedDelivery[]> {
    const rows = await sql<{ data: string }>`
      select data from notification_deliveries
      where state = 'FAILED' and ${this.int(this.json('data'), ['created_time'])} >= ${since}
      order by delivery_id desc limit ${limit}`.execute(this.db);
    return rows.rows.map((r) => {
      const d = JSON.parse(r.data) as { delivery_id: number; run_id: number; event: string; attempts: number; last_error: string | null; created_time: number; target: { channel: ChannelType; destination: string } };
      return { deliveryId: d.delivery_id, runId: d.run_id, channel: d.target.channel, destination: d.target.destination, event: d.event, attempts: d.attempts, lastError: d.last_error, createdTime: d.created_time };
    });
  }
}

function statsOf(r: StatsRow): JobRunStats {
  const [succeeded, failed] = [num(r.succeeded), num(r.failed)];
  const jobId = num(r.job_key) === NO_JOB ? null : num(r.job_key);
  return {
    jobId,
    jobName: r.job_name ?? (jobId === null ? 'one-time runs (runs/submit)' : (r.run_name ?? `job ${jobId}`)),
    runs: num(r.runs),
    succeeded,
    failed,
    canceled: num(r.canceled),
    successRate: succeeded + failed > 0 ? succeeded / (succeeded + failed) : null,
    p50DurationMs: numOrNull(r.p50),
    p95DurationMs: numOrNull(r.p95),
    maxDurationMs: numOrNull(r.max_dur),
  };
}
