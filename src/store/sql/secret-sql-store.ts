import type { Kysely } from 'kysely';
import type { SecretRecord, SecretScopeRecord, SecretStore, SecretUsageRecord } from '../ports/secret-store.js';

interface Db {
  secret_scopes: SecretScopeRecord;
  secrets: SecretRecord;
  secret_usages: SecretUsageRecord;
}

/** Kysely implementation of the secret store (SQLite and PostgreSQL); construct it from `SqlStore.kysely`. */
export class SecretSqlStore implements SecretStore {
  private readonly db: Kysely<Db>;
  constructor(db: Kysely<any>) {
    this.db = db as Kysely<Db>;
  }

  async createScope(scope: SecretScopeRecord): Promise<boolean> {
    const r = await this.db
      .insertInto('secret_scopes')
      .values(scope)
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async listScopes(): Promise<SecretScopeRecord[]> {
    const rows = await this.db.selectFrom('secret_scopes').selectAll().orderBy('name').execute();
    return rows.map((r) => ({ ...r, created_time: Number(r.created_time) }));
  }

  async getScope(name: string): Promise<SecretScopeRecord | undefined> {
    const r = await this.db.selectFrom('secret_scopes').selectAll().where('name', '=', name).executeTakeFirst();
    return r ? { ...r, created_time: Number(r.created_time) } : undefined;
  }

  async deleteScope(name: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('secrets').where('scope', '=', name).execute();
      const r = await tx.deleteFrom('secret_scopes').where('name', '=', name).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  async putSecret(s: SecretRecord): Promise<void> {
    await this.db
      .insertInto('secrets')
      .values(s)
      .onConflict((oc) => oc.columns(['scope', 'key']).doUpdateSet({ sealed: s.sealed, last_updated_timestamp: s.last_updated_timestamp }))
      .execute();
  }

  async getSecret(scope: string, key: string): Promise<SecretRecord | undefined> {
    const r = await this.db.selectFrom('secrets').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
    return r ? { ...r, last_updated_timestamp: Number(r.last_updated_timestamp) } : undefined;
  }

  async listSecrets(scope: string): Promise<SecretRecord[]> {
    const rows = await this.db.selectFrom('secrets').selectAll().where('scope', '=', scope).orderBy('key').execute();
    return rows.map((r) => ({ ...r, last_updated_timestamp: Number(r.last_updated_timestamp) }));
  }

  async deleteSecret(scope: string, key: string): Promise<boolean> {
    const r = await this.db.deleteFrom('secrets').where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async recordUsage(u: SecretUsageRecord): Promise<void> {
    await this.db
      .insertInto('secret_usages')
      .values(u)
      .onConflict((oc) => oc.columns(['task_run_id', 'scope', 'key']).doUpdateSet({ sealed: u.sealed }))
      .execute();
  }

  async usagesOfRun(runId: number): Promise<SecretUsageRecord[]> {
    const rows = await this.db.selectFrom('secret_usages').selectAll().where('run_id', '=', runId).execute();
    return rows.map((r) => ({ ...r, run_id: Number(r.run_id), task_run_id: Number(r.task_run_id) }));
  }
}
