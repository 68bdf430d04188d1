import type { Kysely } from 'kysely';
import type { Clock } from '../domain/clock.js';
import { SecretCipher } from '../secrets/secret-cipher.js';
import { loadSecretsKey } from '../secrets/secret-key.js';
import { SecretService } from '../secrets/secret-service.js';
import { AuthSqlStore } from '../store/sql/auth-sql-store.js';
import { SecretSqlStore } from '../store/sql/secret-sql-store.js';
import { bootstrapAdminToken } from './admin-token.js';
import { ServicePrincipals } from './service-principals.js';
import { TokenService } from './token-service.js';

/** Tokens, service principals and secrets of one weir, and the admin token file if this start created it. */
export interface Security {
  tokens: TokenService;
  secrets: SecretService;
  servicePrincipals: ServicePrincipals;
  /** `<dataDir>/admin-token` when this (first) start wrote it. */
  adminTokenFile?: string;
}

/** Builds the token, service principal and secret services on the shared database, loads the secrets key, bootstraps the admin token. */
export async function openSecurity(db: Kysely<any>, dataDir: string, clock: Clock, env: NodeJS.ProcessEnv = process.env): Promise<Security> {
  const authStore = new AuthSqlStore(db);
  const tokens = new TokenService(authStore, clock);
  const servicePrincipals = new ServicePrincipals(authStore, tokens, clock);
  const { key } = loadSecretsKey(dataDir, env);
  const secrets = new SecretService(new SecretSqlStore(db), new SecretCipher(key), clock);
  const adminTokenFile = await bootstrapAdminToken(tokens, dataDir);
  return { tokens, secrets, servicePrincipals, adminTokenFile };
}
