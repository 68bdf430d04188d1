/**
 * Builds an `add.stats` JSON string (PROTOCOL §Per-file Statistics) from the per-column statistics DuckDB returns
 * for a written Parquet file (`COPY … RETURN_STATS`). Strings are cut to a 32-character prefix (max gets a
 * tie-breaker so it stays an upper bound), NaN/Infinity and nested list/map columns get no min/max, numbers keep
 * every digit (int64 and decimals are emitted as literal digits, never through a JS number).
 */
import type { DeltaStructType, DeltaType } from './delta-schema.js';
import type { StatsSettings } from './stats-columns.js';

/** Spark's `dataSkippingStringPrefixLength` default. */
export const STRING_PREFIX_LENGTH = 32;

/** The statistics of one Parquet column (leaf) as DuckDB reports them, all values as text. */
export type ColumnStatistics = Record<string, string | null>;

/** A JSON value whose text is emitted verbatim (exact numbers). */
class RawJson {
  constructor(readonly text: string) {}
}

type StatsTree = { [name: string]: StatsTree | RawJson | string | number };

/** JSON.stringify that writes RawJson values verbatim. */
function writeJson(v: unknown): string {
  if (v instanceof RawJson) return v.text;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${JSON.stringify(k)}:${writeJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Truncates a min string to the prefix length (a prefix is always ≤ the string). */
export function truncateMin(s: string, len = STRING_PREFIX_LENGTH): string {
  const cps = Array.from(s);
  return cps.length <= len ? s : cps.slice(0, len).join('');
}

/**
 * Truncates a max string to the prefix length plus a tie-breaker character that sorts after the first cut
 * character: U+007F when it is ASCII below U+007F, else U+10FFFF (kernel-rs's rule), so the result is still ≥ the input.
 */
export function truncateMax(s: string, len = STRING_PREFIX_LENGTH): string {
  const cps = Array.from(s);
  if (cps.length <= len) return s;
  const cut = cps[len].codePointAt(0) ?? 0;
  return cps.slice(0, len).join('') + (cut < 0x7f ? '\u007f' : '\u{10FFFF}');
}

/** Parses a DuckDB timestamp text (`2024-01-01 10:00:00.123456+00`) to epoch microseconds (UTC when no zone). */
export function parseTimestampMicros(text: string): number | undefined {
  const m = /^(-?\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?$/.exec(text.trim());
  if (!m) return undefined;
  const frac = (m[7] ?? '').padEnd(6, '0').slice(0, 6);
  let micros = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) * 1000 + Number(frac);
  if (m[8]) micros -= (m[8] === '-' ? -1 : 1) * ((+m[9] * 60 + +(m[10] ?? 0)) * 60 + +(m[11] ?? 0)) * 1_000_000;
  return micros;
}

/** ISO-8601 UTC with microseconds (`2024-01-01T10:00:00.123456Z`), the recommended partition value form. */
export function isoMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const sub = String(micros - ms * 1000).padStart(3, '0');
  return new Date(ms).toISOString().replace(/Z$/, `${sub}Z`);
}

/** A timestamp stat in ISO milliseconds (Spark's form), rounded down for min and up for max to stay a bound. */
export function timestampStat(text: string, withZone: boolean, roundUp: boolean): string | undefined {
  const micros = parseTimestampMicros(text);
  if (micros === undefined) return undefined;
  const ms = roundUp ? Math.ceil(micros / 1000) : Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString();
  return withZone ? iso : iso.slice(0, -1);
}

/** The JSON value for a min or max of a primitive Delta type, or undefined when Delta keeps none for it. */
function statValue(type: string, text: string, isMax: boolean, prefixLength: number): RawJson | string | undefined {
  switch (type) {
    case 'string':
      return isMax ? truncateMax(text, prefixLength) : truncateMin(text, prefixLength);
    case 'byte':
    case 'short':
    case 'integer':
    case 'long':
      return /^-?\d+$/.test(text) ? new RawJson(text) : undefined;
    case 'float':
    case 'double': {
      const n = Number(text);
      return Number.isFinite(n) ? new RawJson(String(n)) : undefined;
    }
    case 'date':
      return /^\d{4}-\d\d-\d\d$/.test(text) ? text : undefined;
    case 'timestamp':
    case 'timestamp_ntz':
      return timestampStat(text, type === 'timestamp', isMax);
    default:
      if (/^decimal\(/.test(type) && /^-?\d+(\.\d+)?$/.test(text)) return new RawJson(text);
      return undefined; // boolean, binary: no min/max (Spark's rule)
  }
}

/** Splits DuckDB's quoted column path (`"st"."a b"`) into names. */
export function parseColumnPath(key: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"]|"")*)"/g;
  for (let m = re.exec(key); m; m = re.exec(key)) out.push(m[1].replace(/""/g, '"'));
  return out.length ? out : [key];
}

/** Finds the Delta type at a struct path, or undefined when the path crosses a list/map (no Delta stats there). */
function typeAtPath(schema: DeltaStructType, path: string[]): DeltaType | undefined {
  let t: DeltaType = schema;
  for (const name of path) {
    if (typeof t === 'string' || t.type !== 'struct') return undefined;
    const field: { type: DeltaType } | undefined = t.fields.find((f) => f.name === name);
    if (!field) return undefined;
    t = field.type;
  }
  return t;
}

function setPath(tree: StatsTree, path: string[], value: StatsTree[string]): void {
  let node = tree;
  for (const name of path.slice(0, -1)) node = (node[name] ??= {}) as StatsTree;
  node[path[path.length - 1]] = value;
}

/** Builds the stats JSON string for one file. */
export function buildStats(numRecords: number, columns: Record<string, ColumnStatistics>, schema: DeltaStructType, settings: StatsSettings): string {
  const minValues: StatsTree = {};
  const maxValues: StatsTree = {};
  const nullCount: StatsTree = {};
  for (const [key, st] of Object.entries(columns)) {
    const path = parseColumnPath(key);
    const type = typeAtPath(schema, path);
    if (typeof type !== 'string' || !settings.indexed(path)) continue; // list/map elements, unknown, partition or unindexed columns
    if (st.null_count != null && /^\d+$/.test(st.null_count)) setPath(nullCount, path, new RawJson(st.null_count));
    if (st.has_nan === 'true') continue;
    const min = st.min == null ? undefined : statValue(type, st.min, false, settings.prefixLength);
    const max = st.max == null ? undefined : statValue(type, st.max, true, settings.prefixLength);
    if (min !== undefined && max !== undefined) {
      setPath(minValues, path, min);
      setPath(maxValues, path, max);
    }
  }
  return writeJson({ numRecords: new RawJson(String(numRecords)), minValues, maxValues, nullCount });
}
