import type { Kysely, Migration } from 'kysely';

/** Scheduler state: one row per fired tick (the idempotency key is the primary key) and per-trigger cursors. */
export const schedulesMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('schedule_ticks')
      .addColumn('tick_key', 'text', (c) => c.primaryKey())
      .addColumn('job_id', 'bigint', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('scheduled_time', 'bigint', (c) => c.notNull())
      .addColumn('created_time', 'bigint', (c) => c.notNull())
      .addColumn('run_id', 'bigint')
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('schedule_ticks_job').on('schedule_ticks').columns(['job_id', 'scheduled_time']).execute();
    await db.schema
      .createTable('backfills')
      .addColumn('backfill_id', 'bigint', (c) => c.primaryKey())
      .addColumn('job_id', 'bigint', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('backfills_state').on('backfills').columns(['state']).execute();
    await db.schema
      .createTable('trigger_state')
      .addColumn('job_id', 'bigint', (c) => c.primaryKey())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
  },
};
