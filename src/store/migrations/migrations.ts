import { sql, type Kysely, type Migration } from 'kysely';
import { secretsAndTokensMigration } from './0002-secrets-and-tokens.js';
import { notificationsMigration } from './0003-notifications.js';
import { schedulesMigration } from './0004-schedules.js';
import { pipelinesMigration } from './0005-pipelines.js';
import { catalogMigration } from './0006-catalog.js';
import { scaleOutMigration } from './0007-scale-out.js';
import { clustersMigration } from './0008-clusters.js';
import { claimFunctionMigration } from './0009-claim-function.js';
import { permissionsMigration } from './0010-permissions.js';
import { cheaperClaimsMigration } from './0011-cheaper-claims.js';

/**
 * The one ordered migration list for SQLite and PostgreSQL. Rows keep their full record as JSON in `data`
 * beside the columns that are filtered or ordered on, so a new record field needs no migration.
 */
export const migrations: Record<string, Migration> = {
  '0001_jobs_and_runs': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('id_seq')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('next_id', 'bigint', (c) => c.notNull())
        .execute();
      await db.insertInto('id_seq').values({ name: 'run', next_id: 1 }).execute();
      await db.insertInto('id_seq').values({ name: 'job', next_id: 1 }).execute();
      await db.schema
        .createTable('jobs')
        .addColumn('job_id', 'bigint', (c) => c.primaryKey())
        .addColumn('name', 'text')
        .addColumn('created_time', 'bigint', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('jobs_name').on('jobs').column('name').execute();
      await db.schema
        .createTable('runs')
        .addColumn('run_id', 'bigint', (c) => c.primaryKey())
        .addColumn('job_id', 'bigint')
        .addColumn('run_type', 'text', (c) => c.notNull())
        .addColumn('life_cycle_state', 'text', (c) => c.notNull())
        .addColumn('created_time', 'bigint', (c) => c.notNull())
        .addColumn('start_time', 'bigint')
        .addColumn('idempotency_token', 'text')
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('runs_job').on('runs').columns(['job_id', 'run_id']).execute();
      await db.schema.createIndex('runs_state').on('runs').columns(['life_cycle_state']).execute();
      await db.schema.createIndex('runs_token').on('runs').columns(['job_id', 'idempotency_token']).execute();
      await db.schema
        .createTable('task_runs')
        .addColumn('task_run_id', 'bigint', (c) => c.primaryKey())
        .addColumn('run_id', 'bigint', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('task_runs_run').on('task_runs').columns(['run_id', 'task_run_id']).execute();
      await sql`select 1`.execute(db);
    },
  },
  '0002_secrets_and_tokens': secretsAndTokensMigration,
  '0003_notifications': notificationsMigration,
  '0004_schedules': schedulesMigration,
  '0005_pipelines': pipelinesMigration,
  '0006_catalog': catalogMigration,
  '0007_scale_out': scaleOutMigration,
  '0008_clusters': clustersMigration,
  '0009_claim_function': claimFunctionMigration,
  '0010_permissions': permissionsMigration,
  '0011_cheaper_claims': cheaperClaimsMigration,
};
