import type { Kysely, Migration } from 'kysely';

/** Pipelines, their updates and their event log (rows keep the full record as JSON in `data`). */
export const pipelinesMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.insertInto('id_seq').values({ name: 'pipeline_event', next_id: 1 }).execute();
    await db.schema
      .createTable('pipelines')
      .addColumn('pipeline_id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text')
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('pipelines_name').on('pipelines').column('name').execute();
    await db.schema
      .createTable('pipeline_updates')
      .addColumn('update_id', 'text', (c) => c.primaryKey())
      .addColumn('pipeline_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('creation_time', 'bigint', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('pipeline_updates_pipeline').on('pipeline_updates').columns(['pipeline_id', 'creation_time']).execute();
    await db.schema.createIndex('pipeline_updates_state').on('pipeline_updates').column('state').execute();
    await db.schema
      .createTable('pipeline_events')
      .addColumn('seq', 'bigint', (c) => c.primaryKey())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('pipeline_id', 'text', (c) => c.notNull())
      .addColumn('update_id', 'text')
      .addColumn('timestamp', 'bigint', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('pipeline_events_pipeline').on('pipeline_events').columns(['pipeline_id', 'seq']).execute();
    await db.schema.createIndex('pipeline_events_update').on('pipeline_events').columns(['update_id', 'seq']).execute();
  },
};
