import { randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import { WeirError } from '../domain/weir-error.js';
import type { AuthStore, ServicePrincipalRecord } from '../store/ports/auth-store.js';
import { hashToken, type TokenService } from './token-service.js';

/** OAuth access tokens live one hour, as Databricks' do. */
export const ACCESS_TOKEN_SECONDS = 3600;

/** An OAuth secret as the secrets API returns it (the value only at creation). */
export interface OAuthSecretInfo {
  id: string;
  secret?: string;
  create_time: string;
  update_time: string;
  status: 'ACTIVE';
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Service principals and OAuth machine-to-machine login: client credentials in, short-lived bearer tokens out. */
export class ServicePrincipals {
  constructor(
    private readonly store: AuthStore,
    private readonly tokens: TokenService,
    private readonly clock: Clock,
  ) {}

  /** Creates a service principal; its application id is the OAuth client_id. */
  async create(displayName: string): Promise<ServicePrincipalRecord> {
    if (displayName.trim() === '') throw new WeirError('VALIDATION.INVALID', 'displayName: must not be empty; name the service principal after what uses it.');
    // SCIM ids are numeric strings on Databricks; keep them below 2^53 for JS clients.
    const sp: ServicePrincipalRecord = { id: String(randomInt(1, 2 ** 47)), application_id: randomUUID(), display_name: displayName, created_time: this.clock.now() };
    await this.store.insertServicePrincipal(sp);
    return sp;
  }

  list(): Promise<ServicePrincipalRecord[]> {
    return this.store.listServicePrincipals();
  }

  /** The service principal with this SCIM id, or AUTH.SERVICE_PRINCIPAL_NOT_FOUND. */
  async get(id: string): Promise<ServicePrincipalRecord> {
    const sp = await this.store.getServicePrincipal(id);
    if (!sp) throw new WeirError('AUTH.SERVICE_PRINCIPAL_NOT_FOUND', `Service principal ${id} does not exist; list them with GET /api/2.0/preview/scim/v2/ServicePrincipals.`, { params: { id } });
    return sp;
  }

  /** Deletes a service principal with its secrets and tokens. */
  async delete(id: string): Promise<void> {
    if (!(await this.store.deleteServicePrincipal(id))) await this.get(id);
  }

  /** Creates an OAuth secret for a service principal; the value is returned once. */
  async createSecret(spId: string): Promise<OAuthSecretInfo> {
    await this.get(spId);
    const secret = `dose${randomBytes(32).toString('hex')}`;
    const rec = { secret_id: randomBytes(16).toString('hex'), service_principal_id: spId, secret_hash: hashToken(secret), create_time: this.clock.now() };
    await this.store.insertOAuthSecret(rec);
    return { id: rec.secret_id, secret, create_time: iso(rec.create_time), update_time: iso(rec.create_time), status: 'ACTIVE' };
  }

  /** The secrets of a service principal, without values. */
  async listSecrets(spId: string): Promise<OAuthSecretInfo[]> {
    await this.get(spId);
    return (await this.store.listOAuthSecrets(spId)).map((s) => ({ id: s.secret_id, create_time: iso(s.create_time), update_time: iso(s.create_time), status: 'ACTIVE' }));
  }

  /** Deletes one secret; tokens issued with it stay valid until they expire (at most an hour). */
  async deleteSecret(spId: string, secretId: string): Promise<void> {
    await this.get(spId);
    if (!(await this.store.deleteOAuthSecret(spId, secretId))) {
      throw new WeirError('AUTH.SERVICE_PRINCIPAL_NOT_FOUND', `Secret ${secretId} of service principal ${spId} does not exist.`, { params: { id: spId, secret_id: secretId } });
    }
  }

  /** Client credentials grant: a one-hour bearer token for the service principal, or undefined for bad credentials. */
  async issueAccessToken(clientId: string, clientSecret: string): Promise<{ access_token: string; expires_in: number } | undefined> {
    const sp = await this.store.findServicePrincipalByApplicationId(clientId);
    if (!sp) return undefined;
    const given = Buffer.from(hashToken(clientSecret), 'hex');
    const ok = (await this.store.listOAuthSecrets(sp.id)).some((s) => timingSafeEqual(Buffer.from(s.secret_hash, 'hex'), given));
    if (!ok) return undefined;
    // Each login adds a token row; dropping expired ones here keeps the table at the live tokens.
    await this.store.deleteExpiredTokens(this.clock.now());
    const { token_value } = await this.tokens.create(sp.application_id, { lifetimeSeconds: ACCESS_TOKEN_SECONDS, comment: `oauth-m2m ${sp.display_name}` });
    return { access_token: token_value, expires_in: ACCESS_TOKEN_SECONDS };
  }
}
