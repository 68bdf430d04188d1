import type { Kysely, Migration } from 'kysely';

/** Notification destinations, queued deliveries (with their next attempt time) and every delivery attempt. */
export const notificationsMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.insertInto('id_seq').values({ name: 'notification_delivery', next_id: 1 }).execute();
    await db.schema
      .createTable('notification_destinations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('created_time', 'bigint', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('notification_deliveries')
      .addColumn('delivery_id', 'bigint', (c) => c.primaryKey())
      .addColumn('run_id', 'bigint', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('next_attempt_time', 'bigint', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('notification_deliveries_due').on('notification_deliveries').columns(['state', 'next_attempt_time']).execute();
    await db.schema.createIndex('notification_deliveries_run').on('notification_deliveries').columns(['run_id', 'delivery_id']).execute();
    await db.schema
      .createTable('notification_attempts')
      .addColumn('delivery_id', 'bigint', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('run_id', 'bigint', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('notification_attempts_pk', ['delivery_id', 'attempt'])
      .execute();
    await db.schema.createIndex('notification_attempts_run').on('notification_attempts').columns(['run_id']).execute();
  },
};
