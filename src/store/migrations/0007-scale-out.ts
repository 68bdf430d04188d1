import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Scale-out (ADR 0007): runs get a pool and a claim (claimed_by, claim_epoch) so several workers share the queue;
 * workers heartbeat in `workers`; cancel requests for runs another process owns go through `run_requests`. The
 * idempotency token becomes unique per job, so two schedulers firing one tick (or two API calls with one token)
 * cannot both create a run.
 */
export const scaleOutMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('runs').addColumn('pool', 'text', (c) => c.notNull().defaultTo('default')).execute();
    await db.schema.alterTable('runs').addColumn('claimed_by', 'text').execute();
    await db.schema.alterTable('runs').addColumn('claim_epoch', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.createIndex('runs_claim').on('runs').columns(['pool', 'claimed_by', 'run_id']).execute();
    await db.schema.createIndex('runs_claimed_by').on('runs').columns(['claimed_by']).execute();
    // The claim's max_concurrent_runs count reads only this index (a job with thousands of queued runs stays cheap).
    await db.schema.createIndex('runs_job_state').on('runs').columns(['job_id', 'life_cycle_state', 'claimed_by']).execute();
    await db.schema.dropIndex('runs_token').execute();
    await sql`create unique index runs_token on runs (job_id, idempotency_token) where idempotency_token is not null`.execute(db);
    await db.schema
      .createTable('workers')
      .addColumn('worker_id', 'text', (c) => c.primaryKey())
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('pid', 'bigint', (c) => c.notNull())
      .addColumn('pool', 'text', (c) => c.notNull())
      .addColumn('slots', 'bigint', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('run_requests')
      .addColumn('request_id', 'text', (c) => c.primaryKey())
      .addColumn('run_id', 'bigint', (c) => c.notNull())
      .addColumn('task_run_id', 'bigint')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('created_time', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('run_requests_run').on('run_requests').columns(['run_id']).execute();
  },
};
