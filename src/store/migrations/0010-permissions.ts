import type { Kysely, Migration } from 'kysely';

/**
 * Direct access control entries of jobs and one-time runs. A job with no row keeps working: its
 * `creator_user_name` (admin for jobs created before this migration) is its implicit owner.
 */
export const permissionsMigration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('acl_entries')
      .addColumn('object_type', 'text', (c) => c.notNull())
      .addColumn('object_id', 'bigint', (c) => c.notNull())
      .addColumn('principal_type', 'text', (c) => c.notNull())
      .addColumn('principal_name', 'text', (c) => c.notNull())
      .addColumn('permission_level', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('acl_entries_pk', ['object_type', 'object_id', 'principal_type', 'principal_name'])
      .execute();
    // levelsOf looks up one caller's entries on a page of objects.
    await db.schema.createIndex('acl_entries_principal').on('acl_entries').columns(['principal_name', 'object_type', 'object_id']).execute();
  },
};
