import { WeirError } from '../domain/weir-error.js';
import { describeCron } from './quartz-describe.js';
import { matchingDays, parseQuartzDays, type QuartzDays } from './quartz-days.js';
import { FIELD_SPECS, cronError, nextValue, parseField, type QuartzField } from './quartz-fields.js';
import { firstWallTimeAfterGap, instantsAt, resolveTimeZone, wallTimeAt, type WallTime } from './zoned-time.js';

/** A compiled Quartz cron expression (the syntax of Databricks' `schedule.quartz_cron_expression`). */
export interface QuartzCron {
  /** The expression as written. */
  readonly expression: string;
  readonly seconds: QuartzField;
  readonly minutes: QuartzField;
  readonly hours: QuartzField;
  /** Which days of a month fire (from day-of-month or day-of-week, whichever is not `?`). */
  readonly days: QuartzDays;
  readonly months: QuartzField;
  /** The optional year field; null when absent (every year). */
  readonly years: QuartzField | null;
}

/**
 * Parses a Quartz cron expression (6 or 7 space-separated fields: sec min hour dom month dow [year]).
 * Throws `SCHEDULE.INVALID_CRON` naming the field and the reason.
 */
export function parseQuartzCron(expression: string): QuartzCron {
  const f = expression.trim().toUpperCase().split(/\s+/);
  if (expression.trim() === '') throw cronError(expression, null, 'the expression is empty');
  if (f.length < 6) throw cronError(expression, null, `it has ${f.length} fields but needs 6 or 7`);
  if (f.length > 7) throw cronError(expression, null, `it has ${f.length} fields but allows at most 7 (the 7th is the year; on a command line, quote the expression so the shell does not expand '*')`);
  return {
    expression,
    seconds: parseField(f[0]!, FIELD_SPECS.seconds, expression),
    minutes: parseField(f[1]!, FIELD_SPECS.minutes, expression),
    hours: parseField(f[2]!, FIELD_SPECS.hours, expression),
    days: parseQuartzDays(f[3]!, f[5]!, expression),
    months: parseField(f[4]!, FIELD_SPECS.month, expression),
    years: f[6] === undefined ? null : parseField(f[6], FIELD_SPECS.year, expression),
  };
}

/** Gregorian calendars repeat every 400 years (146,097 days = 20,871 weeks): no match in 400 years means none. */
const CYCLE_YEARS = 400;

/**
 * The first wall time >= `from` whose fields all match, jumping field by field (year, month, day, hour, minute,
 * second) rather than stepping seconds; null when there is none.
 */
export function nextMatchingWallTime(cron: QuartzCron, from: WallTime): WallTime | null {
  let { year: y, month: mo, day: d, hour: h, minute: mi, second: s } = from;
  const lastYear = cron.years ? cron.years.values[cron.years.values.length - 1]! : y + CYCLE_YEARS;
  for (;;) {
    const ny = cron.years ? nextValue(cron.years.values, y) : y;
    if (ny === undefined || ny > lastYear) return null;
    if (ny !== y) [y, mo, d, h, mi, s] = [ny, 1, 1, 0, 0, 0];
    const nmo = nextValue(cron.months.values, mo);
    if (nmo === undefined) {
      [y, mo, d, h, mi, s] = [y + 1, 1, 1, 0, 0, 0];
      continue;
    }
    if (nmo !== mo) [mo, d, h, mi, s] = [nmo, 1, 0, 0, 0];
    const nd = nextValue(matchingDays(cron.days, y, mo), d);
    if (nd === undefined) {
      [mo, d, h, mi, s] = [mo + 1, 1, 0, 0, 0];
      continue;
    }
    if (nd !== d) [d, h, mi, s] = [nd, 0, 0, 0];
    const nh = nextValue(cron.hours.values, h);
    if (nh === undefined) {
      [d, h, mi, s] = [d + 1, 0, 0, 0];
      continue;
    }
    if (nh !== h) [h, mi, s] = [nh, 0, 0];
    const nmi = nextValue(cron.minutes.values, mi);
    if (nmi === undefined) {
      [h, mi, s] = [h + 1, 0, 0];
      continue;
    }
    if (nmi !== mi) [mi, s] = [nmi, 0];
    const ns = nextValue(cron.seconds.values, s);
    if (ns === undefined) {
      [mi, s] = [mi + 1, 0];
      continue;
    }
    return { year: y, month: mo, day: d, hour: h, minute: mi, second: ns };
  }
}

function nextSecond(w: WallTime): WallTime {
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  d.setUTCHours(w.hour, w.minute, w.second + 1, 0);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
}

/**
 * The first fire time strictly after `after` (epoch ms) in `timeZone`, or null when there is none (e.g. only
 * past years). Daylight saving follows Quartz on java.util.Calendar (docs/schedules.md): a wall time that does
 * not exist (spring-forward gap) does not fire; one that occurs twice (fall-back overlap) fires once, at its
 * second (standard-time) occurrence. Throws `SCHEDULE.INVALID_TIMEZONE` for an unknown zone.
 */
export function nextFireTime(cron: QuartzCron, after: number, timeZone: string): number | null {
  const zone = resolveTimeZone(timeZone);
  if (!Number.isFinite(after)) {
    throw new WeirError('VALIDATION.INVALID', `nextFireTime: "after" must be a finite epoch-ms instant, got ${after}; pass e.g. Date.now()`);
  }
  // Like Quartz: search from the next whole second after `after`.
  let from = wallTimeAt(Math.floor(after / 1000) * 1000 + 1000, zone);
  for (let guard = 0; guard < 10_000; guard++) {
    const w = nextMatchingWallTime(cron, from);
    if (!w) return null;
    const instants = instantsAt(w, zone);
    const t = instants[instants.length - 1];
    if (t === undefined) from = firstWallTimeAfterGap(w, zone);
    else if (t > after) return t;
    else from = nextSecond(w);
  }
  return null;
}

/** The next `count` fire times after `after` (fewer when the schedule ends). */
export function nextFireTimes(cron: QuartzCron, after: number, timeZone: string, count: number): number[] {
  const out: number[] = [];
  let at = after;
  while (out.length < count) {
    const t = nextFireTime(cron, at, timeZone);
    if (t === null) break;
    out.push(t);
    at = t;
  }
  return out;
}

/**
 * Describes a Quartz cron expression in English with its zone, e.g. "At 06:00, Monday through Friday
 * (Europe/Berlin)". Throws `SCHEDULE.INVALID_CRON` / `SCHEDULE.INVALID_TIMEZONE` like parsing does.
 */
export function describeQuartzCron(expression: string, timeZone: string): string {
  const cron = parseQuartzCron(expression);
  resolveTimeZone(timeZone);
  return `${describeCron(cron)} (${timeZone})`;
}
