import type { Kysely, Migration } from 'kysely';

/** All-purpose clusters, their events and cluster policies (rows keep the full record as JSON in `data`). */
export const clustersMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('clusters')
      .addColumn('cluster_id', 'text', (c) => c.primaryKey())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('created_time', 'bigint', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('cluster_events')
      .addColumn('event_id', 'bigint', (c) => c.primaryKey())
      .addColumn('cluster_id', 'text', (c) => c.notNull())
      .addColumn('timestamp', 'bigint', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('cluster_events_cluster').on('cluster_events').columns(['cluster_id', 'timestamp', 'event_id']).execute();
    await db.insertInto('id_seq').values({ name: 'cluster_event', next_id: 1 }).execute();
    await db.schema
      .createTable('cluster_policies')
      .addColumn('policy_id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
  },
};
