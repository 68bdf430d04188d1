import type { Kysely } from 'kysely';
import type { AuthStore, OAuthSecretRecord, ServicePrincipalRecord, TokenRecord } from '../ports/auth-store.js';

interface Db {
  tokens: TokenRecord;
  service_principals: ServicePrincipalRecord;
  oauth_secrets: OAuthSecretRecord;
}

const spFromRow = (r: ServicePrincipalRecord): ServicePrincipalRecord => ({ ...r, created_time: Number(r.created_time) });

const fromRow = (r: TokenRecord): TokenRecord => ({
  ...r,
  creation_time: Number(r.creation_time),
  expiry_time: Number(r.expiry_time),
});

/** Kysely implementation of the token store (SQLite and PostgreSQL); construct it from `SqlStore.kysely`. */
export class AuthSqlStore implements AuthStore {
  private readonly db: Kysely<Db>;
  constructor(db: Kysely<any>) {
    this.db = db as Kysely<Db>;
  }

  async insertToken(t: TokenRecord): Promise<void> {
    await this.db.insertInto('tokens').values(t).execute();
  }

  async findTokenByHash(hash: string): Promise<TokenRecord | undefined> {
    const row = await this.db.selectFrom('tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async listTokens(userName?: string): Promise<TokenRecord[]> {
    let q = this.db.selectFrom('tokens').selectAll().orderBy('creation_time').orderBy('token_id');
    if (userName !== undefined) q = q.where('user_name', '=', userName);
    return (await q.execute()).map(fromRow);
  }

  async deleteToken(tokenId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('tokens').where('token_id', '=', tokenId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async countTokens(): Promise<number> {
    const r = await this.db.selectFrom('tokens').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async deleteExpiredTokens(now: number): Promise<number> {
    const r = await this.db.deleteFrom('tokens').where('expiry_time', '!=', -1).where('expiry_time', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async insertServicePrincipal(sp: ServicePrincipalRecord): Promise<void> {
    await this.db.insertInto('service_principals').values(sp).execute();
  }

  async getServicePrincipal(id: string): Promise<ServicePrincipalRecord | undefined> {
    const r = await this.db.selectFrom('service_principals').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? spFromRow(r) : undefined;
  }

  async findServicePrincipalByApplicationId(applicationId: string): Promise<ServicePrincipalRecord | undefined> {
    const r = await this.db.selectFrom('service_principals').selectAll().where('application_id', '=', applicationId).executeTakeFirst();
    return r ? spFromRow(r) : undefined;
  }

  async listServicePrincipals(): Promise<ServicePrincipalRecord[]> {
    return (await this.db.selectFrom('service_principals').selectAll().orderBy('created_time').orderBy('id').execute()).map(spFromRow);
  }

  async deleteServicePrincipal(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const sp = await tx.selectFrom('service_principals').select('application_id').where('id', '=', id).executeTakeFirst();
      if (!sp) return false;
      await tx.deleteFrom('oauth_secrets').where('service_principal_id', '=', id).execute();
      await tx.deleteFrom('tokens').where('user_name', '=', sp.application_id).execute();
      await tx.deleteFrom('service_principals').where('id', '=', id).execute();
      return true;
    });
  }

  async insertOAuthSecret(s: OAuthSecretRecord): Promise<void> {
    await this.db.insertInto('oauth_secrets').values(s).execute();
  }

  async listOAuthSecrets(servicePrincipalId: string): Promise<OAuthSecretRecord[]> {
    const rows = await this.db.selectFrom('oauth_secrets').selectAll().where('service_principal_id', '=', servicePrincipalId).orderBy('create_time').execute();
    return rows.map((r) => ({ ...r, create_time: Number(r.create_time) }));
  }

  async deleteOAuthSecret(servicePrincipalId: string, secretId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('oauth_secrets')
      .where('service_principal_id', '=', servicePrincipalId)
      .where('secret_id', '=', secretId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
