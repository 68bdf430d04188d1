/** What replaces a secret value in outputs and logs, as on Databricks. */
export const REDACTED = '[REDACTED]';

/** Replaces every occurrence of each value in `text` with `[REDACTED]` (longest values first, so overlaps go whole). */
export function redactText(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of [...values].filter((x) => x !== '').sort((a, b) => b.length - a.length)) {
    if (out.includes(v)) out = out.split(v).join(REDACTED);
  }
  return out;
}

/** Redacts secret values in every string (and object key) of a JSON-like value. */
export function redactDeep<T>(value: T, values: readonly string[]): T {
  if (values.length === 0) return value;
  if (typeof value === 'string') return redactText(value, values) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, values)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactText(k, values), redactDeep(v, values)])) as T;
  }
  return value;
}
