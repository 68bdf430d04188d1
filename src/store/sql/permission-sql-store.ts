import type { Kysely } from 'kysely';
import type { AclEntry, PermissionLevel, PrincipalType } from '../../domain/permission-level.js';
import type { AclObject, PermissionStore, PrincipalRef } from '../ports/permission-store.js';

interface Db {
  acl_entries: { object_type: string; object_id: number; principal_type: string; principal_name: string; permission_level: string };
}

const entryOf = (r: { principal_type: string; principal_name: string; permission_level: string }): AclEntry => ({
  principal_type: r.principal_type as PrincipalType,
  principal_name: r.principal_name,
  permission_level: r.permission_level as PermissionLevel,
});

/** Kysely implementation of the permission store (SQLite and PostgreSQL); construct it from `SqlStore.kysely`. */
export class PermissionSqlStore implements PermissionStore {
  private readonly db: Kysely<Db>;
  constructor(db: Kysely<any>) {
    this.db = db as Kysely<Db>;
  }

  async getAcl(o: AclObject): Promise<AclEntry[]> {
    const rows = await this.db
      .selectFrom('acl_entries')
      .select(['principal_type', 'principal_name', 'permission_level'])
      .where('object_type', '=', o.object_type)
      .where('object_id', '=', o.object_id)
      .orderBy('principal_type')
      .orderBy('principal_name')
      .execute();
    return rows.map(entryOf);
  }

  async replaceAcl(o: AclObject, entries: AclEntry[]): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('acl_entries').where('object_type', '=', o.object_type).where('object_id', '=', o.object_id).execute();
      if (entries.length) await tx.insertInto('acl_entries').values(entries.map((e) => ({ ...o, ...e }))).execute();
    });
  }

  async deleteAcl(o: AclObject): Promise<void> {
    await this.db.deleteFrom('acl_entries').where('object_type', '=', o.object_type).where('object_id', '=', o.object_id).execute();
  }

  async levelsOf(objectType: AclObject['object_type'], objectIds: number[], principals: PrincipalRef[]): Promise<Map<number, PermissionLevel[]>> {
    const out = new Map<number, PermissionLevel[]>();
    if (!objectIds.length || !principals.length) return out;
    const rows = await this.db
      .selectFrom('acl_entries')
      .select(['object_id', 'permission_level'])
      .where('object_type', '=', objectType)
      .where('object_id', 'in', objectIds)
      .where((eb) => eb.or(principals.map((p) => eb.and([eb('principal_type', '=', p.principal_type), eb('principal_name', '=', p.principal_name)]))))
      .execute();
    for (const r of rows) {
      // PostgreSQL returns bigint columns as strings.
      const id = Number(r.object_id);
      out.set(id, [...(out.get(id) ?? []), r.permission_level as PermissionLevel]);
    }
    return out;
  }
}
