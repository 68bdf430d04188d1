import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * The run claim as one server-side function on PostgreSQL (ADR 0007), so a claim is one round trip instead of
 * seven (BEGIN, candidates, per-job lock, per-job count, update, task runs, COMMIT): measured 54 claims/s with
 * 2 workers before, see bench/claims-vs-graphile.ts for after. It has to be a function, not one statement: each
 * statement of a volatile PL/pgSQL function reads a fresh snapshot, so the count of a job's admitted runs taken
 * after its advisory lock sees the claims other workers committed while this one waited for the lock (one
 * statement keeps the snapshot it started with). SQLite has no scale-out roles, so nothing changes there.
 *
 * weir_claim_runs(worker, pool, limit, scan): locks the first `limit` unclaimed active runs of the pool in run id
 * order (FOR UPDATE SKIP LOCKED); for the jobs of queued top-level runs without a pending request, in job id order
 * (so two claimers never wait for each other's locks in a cycle), takes pg_advisory_xact_lock(770007, job) and
 * counts the job's admitted runs (non-queued active, or queued and claimed); admits runs in run id order up to
 * `limit` (a queued run over max_concurrent_runs stays unclaimed when its job queues, else it is claimed to end
 * SKIPPED). When runs were held back, up to 3 more rounds lock the next `scan` runs (job locks only tried there,
 * a busy job's runs skipped), so queued-but-blocked runs at the head do not starve later ones. Then it claims the
 * admitted runs (claimed_by, claim_epoch + 1) and returns each with its task runs.
 */
export const claimFunctionMigration: Migration = {
  async up(db: Kysely<any>) {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    // Only claimable runs: with runs_claim (pool, claimed_by, run_id) every claim walked past all the ended runs
    // (unclaimed too) in run id order, so claims slowed down as history grew (106 claims/s after 2,000 runs).
    await sql`create index runs_claimable on runs (pool, run_id)
      where claimed_by is null and life_cycle_state in ('QUEUED', 'PENDING', 'RUNNING', 'TERMINATING', 'BLOCKED')`.execute(db);
    // Replaced by runs_claimable; one index less to write on every claim and release.
    await db.schema.dropIndex('runs_claim').execute();
    // Partial: an UPDATE that changes an indexed column writes every index the new row is in, and a claim and the
    // write that ends the run are two such updates per run; ended runs (claimed_by null) stay out of these two.
    await db.schema.dropIndex('runs_claimed_by').execute();
    await sql`create index runs_claimed_by on runs (claimed_by) where claimed_by is not null`.execute(db);
    await db.schema.dropIndex('runs_job_state').execute();
    await sql`create index runs_job_active on runs (job_id) where life_cycle_state in ('QUEUED', 'PENDING', 'RUNNING', 'TERMINATING', 'BLOCKED')`.execute(db);
    await sql`create or replace function weir_claim_runs(p_worker text, p_pool text, p_limit int, p_scan int)
returns table (run_id bigint, claim_epoch bigint, admitted boolean, data text, task_runs text[])
language plpgsql volatile as $fn$
declare
  c_ids bigint[];
  c_jobs bigint[];
  c_gated boolean[];
  c_caps int[];
  c_queues boolean[];
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
  loop
    -- Round 0 locks just the runs wanted; later rounds look further only while runs were held back.
    select array_agg(x.run_id order by x.run_id), array_agg(x.job_id order by x.run_id), array_agg(x.gated order by x.run_id),
        array_agg(x.cap order by x.run_id), array_agg(x.queues order by x.run_id)
      into c_ids, c_jobs, c_gated, c_caps, c_queues from (
      select r.run_id, r.job_id,
        (r.life_cycle_state = 'QUEUED' and r.job_id is not null and (j.d -> 'parent_task_run_id') = 'null'::jsonb
          and not exists (select 1 from run_requests q where q.run_id = r.run_id)) as gated,
        coalesce((j.d #>> '{settings,max_concurrent_runs}')::int, 1) as cap,
        coalesce((j.d #>> '{settings,queue,enabled}')::boolean, false) as queues
      from runs r cross join lateral (select r.data::jsonb as d) j
      where r.pool = p_pool and r.claimed_by is null and r.run_id > after
        and r.life_cycle_state in ('QUEUED', 'PENDING', 'RUNNING', 'TERMINATING', 'BLOCKED')
      order by r.run_id limit (case when round = 0 then p_limit - cardinality(ids) else p_scan end)
      for update of r skip locked) x;
    exit when c_ids is null;
    after := c_ids[cardinality(c_ids)];
    for job in select distinct u.j from unnest(c_jobs, c_gated) as u(j, g) where u.g order by 1 loop
      continue when job = any(h_jobs) or job = any(busy);
      -- Round 0 waits for job locks in job id order; later rounds only try, so no two claimers wait in a cycle.
      if round = 0 then
        perform pg_advisory_xact_lock(770007, job::int);
      elsif not pg_try_advisory_xact_lock(770007, job::int) then
        busy := busy || job;
        continue;
      end if;
      select count(*) into n from runs r where r.job_id = job
        and (r.life_cycle_state in ('PENDING', 'RUNNING', 'TERMINATING', 'BLOCKED') or (r.life_cycle_state = 'QUEUED' and r.claimed_by is not null));
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
      (select coalesce(array_agg(t.data order by t.task_run_id), '{}') from task_runs t where t.run_id = w.run_id)
    from won w order by w.run_id;
end
$fn$`.execute(db);
  },
};
