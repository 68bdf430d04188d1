import type { SecretLookup } from './secret-service.js';

/** `{{secrets/<scope>/<key>}}`, the Databricks secret reference syntax (spaces inside the braces allowed). */
const SECRET_REF = /\{\{\s*secrets\/([A-Za-z0-9_.-]{1,128})\/([A-Za-z0-9_.-]{1,128})\s*\}\}/g;

/** Replaces every `{{secrets/scope/key}}` in `text` with the secret's value; a missing secret rejects. */
export async function resolveSecretReferences(text: string, lookup: SecretLookup): Promise<string> {
  if (!text.includes('secrets/')) return text;
  const refs = [...text.matchAll(SECRET_REF)];
  if (refs.length === 0) return text;
  const values = await Promise.all(refs.map((m) => lookup(m[1] as string, m[2] as string)));
  let i = 0;
  return text.replace(SECRET_REF, () => values[i++] as string);
}

/** Resolves secret references in every string of a JSON-like value (a task), leaving other values as they are. */
export async function resolveSecretsDeep<T>(value: T, lookup: SecretLookup): Promise<T> {
  if (typeof value === 'string') return (await resolveSecretReferences(value, lookup)) as T;
  if (Array.isArray(value)) return (await Promise.all(value.map((v) => resolveSecretsDeep(v, lookup)))) as T;
  if (value && typeof value === 'object') {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveSecretsDeep(v, lookup)] as const));
    return Object.fromEntries(entries) as T;
  }
  return value;
}
