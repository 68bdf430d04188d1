import { WeirError } from '../domain/weir-error.js';

/** A local (wall-clock) date-time in some zone, with 1-based month; seconds precision. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** A time zone as the scheduler evaluates it: the UTC offset in effect at any instant. */
export interface TimeZoneRule {
  /** The id as the user wrote it (e.g. `Europe/Berlin`, `UTC`, `GMT+05:30`). */
  readonly id: string;
  /** Offset from UTC (ms, whole seconds) in effect at epoch ms `t`. */
  offsetAt(t: number): number;
}

const HOUR = 3_600_000;
// Java's custom zone ids (`GMT+5`, `GMT-08:00`, `GMT+0530`), which Databricks accepts and Intl does not.
const CUSTOM_ID = /^(?:GMT|UTC)([+-])(\d{1,2})(?::?(\d{2}))?$/;
const rules = new Map<string, TimeZoneRule>();

function invalidZone(id: string, why: string): WeirError {
  return new WeirError(
    'SCHEDULE.INVALID_TIMEZONE',
    `timezone_id: "${id}" is not a known time zone (${why}); use an IANA/Java id such as "UTC", "Europe/Berlin", "America/Los_Angeles" or "Etc/GMT+5"`,
    { params: { timezone_id: id } },
  );
}

function fixedRule(id: string, sign: string, hh: string, mm: string | undefined): TimeZoneRule {
  const h = Number(hh);
  const m = Number(mm ?? '0');
  if (h > 18 || m > 59) throw invalidZone(id, 'custom offsets must be within GMT-18:00..GMT+18:00');
  const offset = (sign === '-' ? -1 : 1) * (h * HOUR + m * 60_000);
  return { id, offsetAt: () => offset };
}

/**
 * An Intl-backed zone. The offset is cached per UTC hour whose two ends have the same offset: no zone in the
 * tz database changes offset twice within one hour, so such an hour has one offset throughout. This turns the
 * ~3 µs `formatToParts` call into a map lookup for schedulers that evaluate thousands of crons per second.
 */
function intlRule(id: string, fmt: Intl.DateTimeFormat): TimeZoneRule {
  const byHour = new Map<number, number>();
  const exact = (t: number): number => {
    const secs = Math.floor(t / 1000) * 1000;
    const p: Record<string, number> = {};
    for (const part of fmt.formatToParts(secs)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!);
    return wall - secs;
  };
  return {
    id,
    offsetAt(t: number): number {
      const bucket = Math.floor(t / HOUR);
      const cached = byHour.get(bucket);
      if (cached !== undefined) return cached;
      const a = exact(bucket * HOUR);
      if (a !== exact(bucket * HOUR + HOUR - 1000)) return exact(t);
      if (byHour.size > 50_000) byHour.clear();
      byHour.set(bucket, a);
      return a;
    },
  };
}

/** Resolves and validates a zone id; throws `SCHEDULE.INVALID_TIMEZONE` with the reason for an unknown id. */
export function resolveTimeZone(id: string): TimeZoneRule {
  const known = rules.get(id);
  if (known) return known;
  let rule: TimeZoneRule;
  const custom = CUSTOM_ID.exec(id);
  if (custom) rule = fixedRule(id, custom[1]!, custom[2]!, custom[3]);
  else {
    if (id.trim() === '' || id !== id.trim()) throw invalidZone(id, 'empty or surrounded by spaces');
    let fmt: Intl.DateTimeFormat;
    try {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: id,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw invalidZone(id, 'not in the time zone database');
    }
    rule = intlRule(id, fmt);
  }
  rules.set(id, rule);
  return rule;
}

/** The wall-clock time in `zone` at epoch ms `t` (milliseconds dropped). */
export function wallTimeAt(t: number, zone: TimeZoneRule): WallTime {
  const d = new Date(Math.floor(t / 1000) * 1000 + zone.offsetAt(t));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** A wall time as if it were UTC, in ms: a plain number for calendar arithmetic. */
export function wallMs(w: WallTime): number {
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  d.setUTCHours(w.hour, w.minute, w.second, 0);
  return d.getTime();
}

/**
 * The instants (ascending) at which `zone`'s clocks show wall time `w`: one normally, none in a spring-forward
 * gap, two in a fall-back overlap. Probes the offsets 15 h before and 13 h after (offsets span -12..+14 h).
 */
export function instantsAt(w: WallTime, zone: TimeZoneRule): number[] {
  const local = wallMs(w);
  const offsets = new Set([zone.offsetAt(local - 15 * HOUR), zone.offsetAt(local), zone.offsetAt(local + 13 * HOUR)]);
  const out: number[] = [];
  for (const o of offsets) {
    const t = local - o;
    if (zone.offsetAt(t) === o && !out.includes(t)) out.push(t);
  }
  return out.sort((a, b) => a - b);
}

/**
 * The first wall time after `w` that exists, for a `w` inside a spring-forward gap: the wall time at the
 * transition instant, found by bisecting (to the second) for the first instant whose wall time is later than `w`.
 */
export function firstWallTimeAfterGap(w: WallTime, zone: TimeZoneRule): WallTime {
  const local = wallMs(w);
  let lo = local - 15 * HOUR; // wall time here is at most local - 1 h: before w
  let hi = local + 13 * HOUR; // wall time here is at least local + 1 h: after w
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (mid + zone.offsetAt(mid) > local) hi = mid;
    else lo = mid;
  }
  return wallTimeAt(hi, zone);
}
