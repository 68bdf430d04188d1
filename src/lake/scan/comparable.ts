/**
 * Turns stats values, partition values and predicate literals of one Delta type into values JS can order the way
 * the engine does: numbers, bigint microseconds for timestamps, day numbers for dates, code-point strings,
 * booleans. `undefined` means "unknown": the caller must then keep the file.
 */
import type { DataType } from '../schema/struct-type.js';
import type { Literal } from './predicate.js';
import { utcTimestampText } from './partition-values.js';

/** An orderable value. */
export type Comparable = number | bigint | string | boolean;

const TS = /^(-?\d{4,})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Microseconds since the epoch of an ISO-like timestamp text; a zone-less text is read as UTC. */
export function timestampMicros(text: string): bigint | undefined {
  const m = TS.exec(text.trim());
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  if (Number.isNaN(ms)) return undefined;
  let micros = BigInt(ms) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0').slice(0, 6) || '0');
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1n : 1n;
    const digits = zone.slice(1).replace(':', '');
    const minutes = BigInt(Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
    micros -= sign * minutes * 60_000_000n;
  }
  return micros;
}

function numberOf(v: unknown, integral: boolean): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) return undefined;
  // Beyond 2^53 a double cannot tell neighbouring longs apart: treat the value as unknown rather than mis-skip.
  if (integral && !Number.isSafeInteger(n)) return undefined;
  if (!integral && Math.abs(n) >= 2 ** 53) return undefined;
  return n;
}

function dateDays(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(-?\d{4,})-(\d{2})-(\d{2})/.exec(v.trim());
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 86_400_000 : undefined;
}

/** The comparable form of `v` (a stats value, partition value or literal) for a column of type `type`. */
export function comparableOf(v: unknown, type: DataType): Comparable | undefined {
  if (v === null || v === undefined || type.type !== 'primitive') return undefined;
  switch (type.name) {
    case 'long': case 'integer': case 'short': case 'byte':
      return numberOf(v, true);
    case 'float': case 'double': case 'decimal':
      return numberOf(v, false);
    case 'string':
      return typeof v === 'string' ? v : undefined;
    case 'boolean':
      return typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : undefined;
    case 'date':
      return dateDays(v);
    case 'timestamp':
      return typeof v === 'string' ? timestampMicros(utcTimestampText(v)) : undefined;
    case 'timestamp_ntz':
      return typeof v === 'string' ? timestampMicros(v.replace(/(Z|[+-]\d{2}:?\d{2})$/i, '')) : undefined;
    default:
      return undefined; // binary, void, variant: no ordering weir relies on
  }
}

/** The comparable form of a predicate literal. */
export function literalComparable(v: Literal, type: DataType): Comparable | undefined {
  return comparableOf(typeof v === 'bigint' ? v.toString() : v, type);
}

function codePointCompare(a: string, b: string): number {
  // Spark orders strings by UTF-8 bytes = code points; JS `<` compares UTF-16 units, which differs above U+FFFF.
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = (x.value.codePointAt(0) ?? 0) - (y.value.codePointAt(0) ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
}

/** Orders two comparables of the same column type (-1, 0, 1). */
export function compare(a: Comparable, b: Comparable): number {
  if (typeof a === 'string' && typeof b === 'string') return codePointCompare(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}
