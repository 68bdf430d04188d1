/** A personal access token as stored: only the SHA-256 of its value is kept. */
export interface TokenRecord {
  token_id: string;
  /** Hex SHA-256 of the token value. */
  token_hash: string;
  /** The user the token acts as. */
  user_name: string;
  comment: string;
  /** Epoch ms. */
  creation_time: number;
  /** Epoch ms; -1 when the token never expires (as the Token API reports it). */
  expiry_time: number;
}

/** A service principal: a non-human user that logs in with OAuth client credentials (client_id = application_id). */
export interface ServicePrincipalRecord {
  id: string;
  application_id: string;
  display_name: string;
  created_time: number;
}

/** An OAuth client secret of a service principal; only its SHA-256 is kept. */
export interface OAuthSecretRecord {
  secret_id: string;
  service_principal_id: string;
  secret_hash: string;
  create_time: number;
}

/** Persistence of personal access tokens, service principals and their OAuth secrets. */
export interface AuthStore {
  insertToken(t: TokenRecord): Promise<void>;
  /** The token with this value hash, if any (expired ones included; the caller decides). */
  findTokenByHash(hash: string): Promise<TokenRecord | undefined>;
  /** Tokens of one user (all users when omitted), oldest first. */
  listTokens(userName?: string): Promise<TokenRecord[]>;
  /** Deletes a token; false when there was none with that id. */
  deleteToken(tokenId: string): Promise<boolean>;
  countTokens(): Promise<number>;
  /** Deletes tokens whose expiry is at or before `now`; returns how many. */
  deleteExpiredTokens(now: number): Promise<number>;
  insertServicePrincipal(sp: ServicePrincipalRecord): Promise<void>;
  getServicePrincipal(id: string): Promise<ServicePrincipalRecord | undefined>;
  findServicePrincipalByApplicationId(applicationId: string): Promise<ServicePrincipalRecord | undefined>;
  listServicePrincipals(): Promise<ServicePrincipalRecord[]>;
  /** Deletes a service principal with its secrets and tokens; false when there was none. */
  deleteServicePrincipal(id: string): Promise<boolean>;
  insertOAuthSecret(s: OAuthSecretRecord): Promise<void>;
  listOAuthSecrets(servicePrincipalId: string): Promise<OAuthSecretRecord[]>;
  /** Deletes one secret of a service principal; false when there was none. */
  deleteOAuthSecret(servicePrincipalId: string, secretId: string): Promise<boolean>;
}
