import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * A cheaper run claim on PostgreSQL (ADR 0007): weir_claim_runs_v2 has the semantics of weir_claim_runs
 * (migration 0009, whose header describes them) at a lower cost per call and a shorter hold of the job's advisory
 * lock, which every claimer of that job waits for. Measured with bench/claims-vs-graphile.ts (2 workers × 4 slots):
 *
 * - `plan_cache_mode = force_generic_plan` for the function's statements (set_config, local to the claim's
 *   transaction): PL/pgSQL re-planned them on every call (custom plans), ≈ 0.4 of ≈ 0.9 ms CPU per call.
 * - `synchronous_commit = off` for the claim's transaction only: its commit no longer waits for the WAL flush, and
 *   that wait was inside the advisory lock, so every claimer of the job waited for it too. Safe because a claim is
 *   re-derivable: if PostgreSQL crashes before the claim reaches disk, the run is unclaimed again (old epoch) and
 *   is claimed anew; the worker that got it cannot have acted on it durably, since every write it makes to the
 *   run is fenced on the claim, runs with synchronous_commit on, and so flushes the WAL up to and including the
 *   claim first (WAL is flushed in order). A process is started only after such a write (RUNNING with its host).
 * - The admitted-runs count reads only the admitted runs' entries of runs_job_active (now keyed by job and "admitted"),
 *   not every queued run of the job (2,000 queued runs: each checked in the heap, ≈ 0.4 ms per claim); runs_state
 *   keeps only active runs, so the write that ends a run writes one index entry less.
 * - The run JSON is parsed (jsonb) only for queued runs; task runs come back as one JSON array text (one
 *   JSON.parse in the worker instead of PostgreSQL's text[] literal, ≈ 3 % of the worker's CPU).
 *
 * A new function, not a replacement: a worker of the previous version keeps calling weir_claim_runs during a rolling
 * upgrade, and both take the same job lock and count admitted runs alike, so mixing them keeps max_concurrent_runs.
 * SQLite has no scale-out roles, so nothing changes there.
 */
export const cheaperClaimsMigration: Migration = {
  async up(db: Kysely<any>) {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    // The admitted-runs count under the job lock read runs_job_active (job_id): every active run of the job, queued
    // ones included, each checked in the heap (2,000 queued runs: ≈ 0.4 ms per claim). Its second key column now
    // says whether the run is admitted, so the count reads only the admitted runs' entries; queries by job and active
    // states still use the first column. One index, not a second one: every claim writes every index of the run.
    await db.schema.dropIndex('runs_job_active').execute();
    await sql`create index runs_job_active on runs (job_id, (life_cycle_state <> 'QUEUED' or claimed_by is not null))
      where life_cycle_state in ('QUEUED', 'PENDING', 'RUNNING', 'TERMINATING', 'BLOCKED')`.execute(db);
    // Only active runs: the write that ends a run no longer adds an entry here, one index write less per run. The
    // queries that looked runs up by state ask for active ones (runsInStates, the operations counts); those on ended
    // runs are over most of the table (a time window of all ended runs) and were no index lookups to begin with.
    await db.schema.dropIndex('runs_state').execute();
    await sql`create index runs_state on runs (life_cycle_state)
      where life_cycle_state in ('QUEUED', 'PENDING', 'RUNNING', 'TERMINATING', 'BLOCKED')`.execute(db);
    await sql`create function weir_claim_runs_v2(p_worker text, p_pool text, p_limit int, p_scan int)
returns table (run_id bigint, claim_epoch bigint, admitted boolean, data text, task_runs text)
language plpgsql volatile as $fn$
declare
  rec record;
  d jsonb;
  c_ids bigint[];
  c_jobs bigint[];
  c_gated boolean[];
  c_caps int[];
  c_queues boolean[];
  jobs bigint[];
  h_jobs bigint[] := '{}';
  h_counts int[] := '{}';
  busy bigint[] := '{}';
  job bigint;
  n int;
  i int;
  k int;
  ids bigint[] := '{}';
  rejected bigint[] := '{}';
  after bigint := 0;
  round int := 0;
begin
  perform set_config('synchronous_commit', 'off', true), set_config('plan_cache_mode', 'force_generic_plan', true);
  loop
    c_ids := '{}'; c_jobs := '{}'; c_gated := '{}'; c_caps := '{}'; c_queues := '{}'; jobs := '{}';
    for rec in select r.run_id, r.job_id, r.life_cycle_state, r.data, exists (select 1 from run_requests q where q.run_id = r.run_id) as requested
      from runs r
      where r.pool = p_pool and r.claimed_by is null and r.run_id > after
        and r.life_cycle_state in ('QUEUED', 'PENDING', 'RUNNING', 'TERMINATING', 'BLOCKED')
      order by r.run_id limit (case when round = 0 then p_limit - cardinality(ids) else p_scan end)
      for update of r skip locked
    loop
      c_ids := c_ids || rec.run_id;
      c_jobs := c_jobs || rec.job_id;
      if rec.life_cycle_state = 'QUEUED' and rec.job_id is not null and not rec.requested then
        d := rec.data::jsonb;
        if (d -> 'parent_task_run_id') = 'null'::jsonb then
          c_gated := c_gated || true;
          c_caps := c_caps || coalesce((d #>> '{settings,max_concurrent_runs}')::int, 1);
          c_queues := c_queues || coalesce((d #>> '{settings,queue,enabled}')::boolean, false);
          if not rec.job_id = any(jobs) then jobs := jobs || rec.job_id; end if;
          continue;
        end if;
      end if;
      c_gated := c_gated || false;
      c_caps := c_caps || 0;
      c_queues := c_queues || false;
    end loop;
    exit when cardinality(c_ids) = 0;
    after := c_ids[cardinality(c_ids)];
    if cardinality(jobs) > 1 then
      select array_agg(u order by u) into jobs from unnest(jobs) u;
    end if;
    foreach job in array jobs loop
      continue when job = any(h_jobs) or job = any(busy);
      -- Round 0 waits for job locks in job id order; later rounds only try, so no two claimers wait in a cycle.
      if round = 0 then
        perform pg_advisory_xact_lock(770007, job::int);
      elsif not pg_try_advisory_xact_lock(770007, job::int) then
        busy := busy || job;
        continue;
      end if;
      -- Admitted: active and not (queued and unclaimed); written as runs_job_active's key so it is an index condition.
      select count(*) into n from runs r where r.job_id = job
        and r.life_cycle_state in ('QUEUED', 'PENDING', 'RUNNING', 'TERMINATING', 'BLOCKED')
        and (r.life_cycle_state <> 'QUEUED' or r.claimed_by is not null);
      h_jobs := h_jobs || job;
      h_counts := h_counts || n;
    end loop;
    for i in 1 .. cardinality(c_ids) loop
      exit when cardinality(ids) >= p_limit;
      k := array_position(h_jobs, c_jobs[i]);
      if not c_gated[i] then
        ids := ids || c_ids[i];
      elsif k is null then
        null; -- its job's lock was busy: another claimer is admitting that job's runs
      elsif h_counts[k] < c_caps[i] then
        h_counts[k] := h_counts[k] + 1;
        ids := ids || c_ids[i];
      elsif not c_queues[i] then
        ids := ids || c_ids[i];
        rejected := rejected || c_ids[i];
      end if;
    end loop;
    round := round + 1;
    exit when cardinality(ids) >= p_limit or round > 3;
  end loop;
  return query
    with won as (
      update runs r set claimed_by = p_worker, claim_epoch = r.claim_epoch + 1
      where r.run_id = any(ids) returning r.run_id, r.claim_epoch, r.data)
    select w.run_id, w.claim_epoch, not (w.run_id = any(rejected)), w.data,
      (select coalesce('[' || string_agg(t.data, ',' order by t.task_run_id) || ']', '[]') from task_runs t where t.run_id = w.run_id)
    from won w order by w.run_id;
end
$fn$`.execute(db);
  },
};
