import type { Kysely, Migration } from 'kysely';

/** Personal access tokens (hashed), service principals with OAuth secrets (hashed), secret scopes, encrypted secrets and which secrets each task run used. */
export const secretsAndTokensMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('tokens')
      .addColumn('token_id', 'text', (c) => c.primaryKey())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('user_name', 'text', (c) => c.notNull())
      .addColumn('comment', 'text', (c) => c.notNull())
      .addColumn('creation_time', 'bigint', (c) => c.notNull())
      .addColumn('expiry_time', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('service_principals')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('application_id', 'text', (c) => c.notNull().unique())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('created_time', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('oauth_secrets')
      .addColumn('secret_id', 'text', (c) => c.primaryKey())
      .addColumn('service_principal_id', 'text', (c) => c.notNull())
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('oauth_secrets_sp').on('oauth_secrets').column('service_principal_id').execute();
    await db.schema
      .createTable('secret_scopes')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('backend_type', 'text', (c) => c.notNull())
      .addColumn('created_time', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('secrets')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('sealed', 'text', (c) => c.notNull())
      .addColumn('last_updated_timestamp', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('secrets_pk', ['scope', 'key'])
      .execute();
    await db.schema
      .createTable('secret_usages')
      .addColumn('run_id', 'bigint', (c) => c.notNull())
      .addColumn('task_run_id', 'bigint', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('sealed', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('secret_usages_pk', ['task_run_id', 'scope', 'key'])
      .execute();
    await db.schema.createIndex('secret_usages_run').on('secret_usages').column('run_id').execute();
  },
};
