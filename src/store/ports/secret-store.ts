/** A secret scope. weir keeps every scope in its own store, reported as Databricks-backed. */
export interface SecretScopeRecord {
  name: string;
  backend_type: 'DATABRICKS';
  created_time: number;
}

/** A secret as stored: `sealed` is the encrypted value (see secrets/secret-cipher.ts), never plaintext. */
export interface SecretRecord {
  scope: string;
  key: string;
  sealed: string;
  last_updated_timestamp: number;
}

/** A secret value a task run used (resolved reference or dbutils.secrets.get), kept sealed for redaction. */
export interface SecretUsageRecord {
  run_id: number;
  task_run_id: number;
  scope: string;
  key: string;
  sealed: string;
}

/** Persistence of secret scopes, sealed secrets and their use by runs. */
export interface SecretStore {
  /** Creates a scope; false when it exists already. */
  createScope(scope: SecretScopeRecord): Promise<boolean>;
  listScopes(): Promise<SecretScopeRecord[]>;
  getScope(name: string): Promise<SecretScopeRecord | undefined>;
  /** Deletes a scope and its secrets; false when there was no such scope. */
  deleteScope(name: string): Promise<boolean>;
  /** Inserts or replaces a secret. */
  putSecret(s: SecretRecord): Promise<void>;
  getSecret(scope: string, key: string): Promise<SecretRecord | undefined>;
  /** Secrets of a scope ordered by key (sealed values included; callers must not expose them). */
  listSecrets(scope: string): Promise<SecretRecord[]>;
  /** Deletes a secret; false when there was none. */
  deleteSecret(scope: string, key: string): Promise<boolean>;
  /** Remembers that a task run used a secret (idempotent per task run, scope and key). */
  recordUsage(u: SecretUsageRecord): Promise<void>;
  /** Every secret the task runs of a job run used. */
  usagesOfRun(runId: number): Promise<SecretUsageRecord[]>;
}
