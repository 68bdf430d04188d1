import type { QuartzCron } from './quartz-cron.js';
import type { QuartzDays } from './quartz-days.js';
import type { QuartzField, QuartzFieldPart } from './quartz-fields.js';

const DAY = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const NTH = ['first', 'second', 'third', 'fourth', 'fifth'];

const joinAnd = (xs: string[]): string => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);
const pad = (n: number): string => String(n).padStart(2, '0');
const clock = (h: number, m: number, s: number): string => `${pad(h)}:${pad(m)}${s ? `:${pad(s)}` : ''}`;
const plural = (n: number, unit: string): string => (n === 1 ? unit : `${unit}s`);

function single(f: QuartzField): number | undefined {
  const p = f.parts[0];
  return f.parts.length === 1 && p?.kind === 'value' ? p.value : undefined;
}

const isAll = (f: QuartzField, size: number): boolean => f.values.length === size;

/** `*\/n` or `0/n` (a step from the field's start): n, else undefined. */
function everyN(f: QuartzField, min: number): number | undefined {
  const p = f.parts[0];
  return f.parts.length === 1 && p?.kind === 'step' && p.from === min && p.step > 1 ? p.step : undefined;
}

/** Lists a field's parts ("5, 10 through 20 and 30"); steps are spelled out as their values. */
function listOf(f: QuartzField, name: (v: number) => string): string {
  if (f.parts.some((p) => p.kind === 'step' || (p.kind === 'range' && p.step > 1))) return joinAnd(f.values.map(name));
  const part = (p: QuartzFieldPart): string => (p.kind === 'range' ? `${name(p.from)} through ${name(p.to)}` : name((p as { value: number }).value));
  return joinAnd(f.parts.map(part));
}

function unitList(f: QuartzField, unit: string): string {
  const many = f.values.length > 1;
  return `${many ? `${unit}s` : unit} ${listOf(f, String)}`;
}

function minutesAndSeconds(c: QuartzCron): string {
  const s = single(c.seconds);
  const m = single(c.minutes);
  const allMin = isAll(c.minutes, 60);
  const atSecond = s ? ` at second ${s}` : '';
  if (allMin && isAll(c.seconds, 60)) return 'Every second';
  const secStep = everyN(c.seconds, 0);
  if (allMin && secStep !== undefined) return `Every ${secStep} seconds`;
  if (allMin && s !== undefined) return `Every minute${atSecond}`;
  const minStep = everyN(c.minutes, 0);
  if (minStep !== undefined && s !== undefined) return `Every ${minStep} minutes${atSecond}`;
  if (m !== undefined && s !== undefined) return `At minute ${m}${s ? `, second ${s}` : ''}`;
  const secs = isAll(c.seconds, 60) ? 'Every second' : secStep !== undefined ? `Every ${secStep} seconds` : `At ${unitList(c.seconds, 'second')}`;
  return `${secs} of ${allMin ? 'every minute' : unitList(c.minutes, 'minute')}`;
}

function timePhrase(c: QuartzCron): string {
  const s = single(c.seconds);
  const m = single(c.minutes);
  if (s !== undefined && m !== undefined && c.hours.parts.every((p) => p.kind === 'value') && c.hours.values.length <= 12) {
    return `At ${joinAnd(c.hours.values.map((h) => clock(h, m, s)))}`;
  }
  const ms = minutesAndSeconds(c);
  if (isAll(c.hours, 24)) return ms.startsWith('At minute') ? `${ms} of every hour` : ms;
  return `${ms}, during ${unitList(c.hours, 'hour')}`;
}

function dayPhrase(d: QuartzDays): string {
  switch (d.kind) {
    case 'day-of-month':
      return isAll(d.field, 31) ? '' : `on ${unitList(d.field, 'day')} of the month`;
    case 'last-day': {
      const base = d.offset ? `${d.offset} ${plural(d.offset, 'day')} before the last day of the month` : 'the last day of the month';
      if (d.weekday) return d.offset ? `on the weekday nearest to ${base}` : 'on the last weekday of the month';
      return d.offset ? `on the day ${base}` : `on ${base}`;
    }
    case 'nearest-weekday':
      return `on the weekday nearest to day ${d.day} of the month`;
    case 'day-of-week': {
      if (isAll(d.field, 7)) return '';
      const p = d.field.parts[0];
      const names = listOf(d.field, (v) => DAY[v - 1]!);
      return d.field.parts.length === 1 && p?.kind === 'range' && p.step === 1 ? names : `on ${names}`;
    }
    case 'last-weekday-of-month':
      return `on the last ${DAY[d.dayOfWeek - 1]} of the month`;
    case 'nth-weekday-of-month':
      return `on the ${NTH[d.nth - 1]} ${DAY[d.dayOfWeek - 1]} of the month`;
  }
}

/** Describes the schedule of `cron` in English, e.g. "At 06:00, Monday through Friday". */
export function describeCron(c: QuartzCron): string {
  const months = isAll(c.months, 12) ? '' : `in ${listOf(c.months, (v) => MONTH[v - 1]!)}`;
  const years = c.years ? `in ${listOf(c.years, String)}` : '';
  return [timePhrase(c), dayPhrase(c.days), months, years].filter(Boolean).join(', ');
}

