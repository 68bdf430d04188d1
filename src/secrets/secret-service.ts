import type { Clock } from '../domain/clock.js';
import { WeirError } from '../domain/weir-error.js';
import type { SecretScopeRecord, SecretStore } from '../store/ports/secret-store.js';
import type { SecretCipher } from './secret-cipher.js';

/** Scope and key names: alphanumerics, dashes, underscores and periods, at most 128 characters (as Databricks). */
const NAME = /^[A-Za-z0-9_.-]{1,128}$/;
/** Databricks caps a secret value at 128 KB. */
export const MAX_SECRET_BYTES = 128 * 1024;

/** Reads a secret value for a task run; records the use so the value can be redacted from the run's output. */
export type SecretLookup = (scope: string, key: string) => Promise<string>;

/** The secrets of one task attempt: a lookup, and the values it handed out (to redact the attempt's result). */
export interface AttemptSecrets {
  get: SecretLookup;
  /** Every value `get` returned so far. */
  usedValues(): string[];
}

/** Hands the executor a secret lookup bound to one task attempt. */
export interface SecretResolver {
  /** Secrets for one attempt; values are cached for the attempt and recorded as used by `runId`. */
  forTaskRun(runId: number, taskRunId: number): AttemptSecrets;
}

/** Checks a scope or key name; `field` is the request field it came from (for the message). */
export function checkSecretName(name: unknown, field: 'scope' | 'key'): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new WeirError(
      'SECRET.INVALID_NAME',
      `${field}: ${JSON.stringify(name)} is not a valid ${field} name; use 1-128 alphanumerics, dashes, underscores and periods.`,
      { params: { [field]: name } },
    );
  }
  return name;
}

const context = (scope: string, key: string): string => `${scope}/${key}`;

/** Secret scopes and secrets over a SecretStore; values are sealed with AES-256-GCM before they reach the store. */
export class SecretService implements SecretResolver {
  constructor(
    private readonly store: SecretStore,
    private readonly cipher: SecretCipher,
    private readonly clock: Clock,
  ) {}

  /** Creates a scope; SECRET.SCOPE_EXISTS when it exists. */
  async createScope(scope: string): Promise<void> {
    const name = checkSecretName(scope, 'scope');
    const created = await this.store.createScope({ name, backend_type: 'DATABRICKS', created_time: this.clock.now() });
    if (!created) throw new WeirError('SECRET.SCOPE_EXISTS', `Scope ${name} already exists!`, { params: { scope: name } });
  }

  listScopes(): Promise<SecretScopeRecord[]> {
    return this.store.listScopes();
  }

  /** Deletes a scope with its secrets. */
  async deleteScope(scope: string): Promise<void> {
    const name = checkSecretName(scope, 'scope');
    if (!(await this.store.deleteScope(name))) throw scopeMissing(name);
  }

  /** Stores (or replaces) a secret value. */
  async put(scope: string, key: string, value: Buffer): Promise<void> {
    const s = checkSecretName(scope, 'scope');
    const k = checkSecretName(key, 'key');
    if (value.length > MAX_SECRET_BYTES) {
      throw new WeirError('VALIDATION.INVALID', `Secret ${s}/${k}: value is ${value.length} bytes; the limit is 128 KB.`);
    }
    if (!(await this.store.getScope(s))) throw scopeMissing(s);
    await this.store.putSecret({ scope: s, key: k, sealed: this.cipher.seal(value, context(s, k)), last_updated_timestamp: this.clock.now() });
  }

  /** The decrypted value of a secret. */
  async get(scope: string, key: string): Promise<Buffer> {
    const s = checkSecretName(scope, 'scope');
    const k = checkSecretName(key, 'key');
    const rec = await this.store.getSecret(s, k);
    if (!rec) {
      if (!(await this.store.getScope(s))) throw scopeMissing(s);
      throw new WeirError('SECRET.NOT_FOUND', `Secret ${k} does not exist in scope ${s}; create it with secrets/put or \`weir secrets put ${s} ${k}\`.`, { params: { scope: s, key: k } });
    }
    return this.cipher.open(rec.sealed, context(s, k));
  }

  /** Keys and update times of a scope's secrets (never their values). */
  async list(scope: string): Promise<{ key: string; last_updated_timestamp: number }[]> {
    const s = checkSecretName(scope, 'scope');
    if (!(await this.store.getScope(s))) throw scopeMissing(s);
    return (await this.store.listSecrets(s)).map((r) => ({ key: r.key, last_updated_timestamp: r.last_updated_timestamp }));
  }

  /** Deletes a secret. */
  async delete(scope: string, key: string): Promise<void> {
    const s = checkSecretName(scope, 'scope');
    const k = checkSecretName(key, 'key');
    if (!(await this.store.getScope(s))) throw scopeMissing(s);
    if (!(await this.store.deleteSecret(s, k))) {
      throw new WeirError('SECRET.NOT_FOUND', `Secret ${k} does not exist in scope ${s}.`, { params: { scope: s, key: k } });
    }
  }

  forTaskRun(runId: number, taskRunId: number): AttemptSecrets {
    const cache = new Map<string, Promise<string>>();
    const used = new Set<string>();
    const get: SecretLookup = (scope, key) => {
      const id = context(scope, key);
      let v = cache.get(id);
      if (!v) {
        v = this.get(scope, key).then(async (value) => {
          await this.store.recordUsage({ run_id: runId, task_run_id: taskRunId, scope, key, sealed: this.cipher.seal(value, `usage:${id}`) });
          used.add(value.toString('utf8'));
          return value.toString('utf8');
        });
        // A failed lookup is not cached: the secret may be created before the next call.
        v.catch(() => cache.delete(id));
        cache.set(id, v);
      }
      return v;
    };
    return { get, usedValues: () => [...used] };
  }

  /** The values of every secret a job run used (for `[REDACTED]` substitution when serving its output). */
  async valuesUsedByRun(runId: number): Promise<string[]> {
    const out = new Set<string>();
    for (const u of await this.store.usagesOfRun(runId)) {
      out.add(this.cipher.open(u.sealed, `usage:${context(u.scope, u.key)}`).toString('utf8'));
    }
    return [...out];
  }
}

function scopeMissing(scope: string): WeirError {
  return new WeirError('SECRET.NOT_FOUND', `Scope ${scope} does not exist!`, { params: { scope } });
}
