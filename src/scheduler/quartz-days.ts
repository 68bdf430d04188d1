import { FIELD_SPECS, cronError, parseAtom, parseField, type QuartzField } from './quartz-fields.js';

/**
 * Which days of a month fire. Quartz needs exactly one of day-of-month / day-of-week to be `?`, so a cron has
 * exactly one of these shapes.
 */
export type QuartzDays =
  /** Plain day-of-month values (`*`, `1,15`, `1-7`, `1/5`). */
  | { kind: 'day-of-month'; field: QuartzField }
  /** `L` (offset 0), `L-3`, `LW`, `L-3W`: the last day minus `offset`, or the weekday nearest it. */
  | { kind: 'last-day'; offset: number; weekday: boolean }
  /** `15W`: the weekday nearest day `day`, never crossing into another month. */
  | { kind: 'nearest-weekday'; day: number }
  /** Plain day-of-week values, 1=SUN … 7=SAT (`*`, `MON-FRI`, `2,4,6`, `L` = 7). */
  | { kind: 'day-of-week'; field: QuartzField }
  /** `6L`: the last such weekday of the month. */
  | { kind: 'last-weekday-of-month'; dayOfWeek: number }
  /** `6#3`: the `nth` such weekday of the month; months without one do not fire. */
  | { kind: 'nth-weekday-of-month'; dayOfWeek: number; nth: number };

const DOM = FIELD_SPECS['day-of-month'];
const DOW = FIELD_SPECS['day-of-week'];

function parseDayOfMonth(text: string, expression: string): QuartzDays {
  const fail = (reason: string): never => {
    throw cronError(expression, 'day-of-month', reason);
  };
  if (!/[LW]/.test(text)) return { kind: 'day-of-month', field: parseField(text, DOM, expression) };
  if (text.includes(',')) fail(`'L' and 'W' cannot be combined with other days in a list, got "${text}"`);
  const last = /^L(?:-(\d+))?(W)?$/.exec(text);
  if (last) {
    const offset = Number(last[1] ?? '0');
    if (offset > 30) fail(`the offset from the last day must be at most 30, got L-${offset}`);
    return { kind: 'last-day', offset, weekday: last[2] === 'W' };
  }
  const nearest = /^(\d+)W$/.exec(text);
  if (nearest) return { kind: 'nearest-weekday', day: parseAtom(nearest[1]!, DOM, fail) };
  return fail(`"${text}" is not valid here: 'W' needs one day (e.g. 15W, LW) and 'L' is written L, L-3, LW or L-3W`);
}

function parseDayOfWeek(text: string, expression: string): QuartzDays {
  const fail = (reason: string): never => {
    throw cronError(expression, 'day-of-week', reason);
  };
  if (text.includes('#')) {
    if (text.includes(',')) fail(`'#' cannot be combined with other days in a list, got "${text}"`);
    const m = /^([0-9A-Z]+)#(\d*)$/.exec(text);
    if (!m) return fail(`"${text}" is not valid: '#' is written n#k, e.g. 6#3 (the third Friday)`);
    const nth = Number(m[2]);
    if (m[2] === '' || nth < 1 || nth > 5) fail(`the number after '#' must be between 1 and 5, got "${m[2]}"`);
    return { kind: 'nth-weekday-of-month', dayOfWeek: parseAtom(m[1]!, DOW, fail), nth };
  }
  if (text === 'L') return { kind: 'day-of-week', field: { parts: [{ kind: 'value', value: 7 }], values: [7] } };
  const last = /^([0-9A-Z]+)L$/.exec(text);
  if (last && !text.includes(',')) return { kind: 'last-weekday-of-month', dayOfWeek: parseAtom(last[1]!, DOW, fail) };
  if (/L/.test(text.replace(/SUN|MON|TUE|WED|THU|FRI|SAT/g, ''))) {
    fail(`"${text}" is not valid: 'L' stands alone (Saturday) or follows one day (6L = last Friday of the month), never in a list or range`);
  }
  return { kind: 'day-of-week', field: parseField(text, DOW, expression) };
}

/** Parses the day-of-month and day-of-week fields (upper-cased) into the one rule that picks days. */
export function parseQuartzDays(dom: string, dow: string, expression: string): QuartzDays {
  for (const [text, field] of [[dom, 'day-of-month'], [dow, 'day-of-week']] as const) {
    if (text.includes('?') && text !== '?') throw cronError(expression, field, `'?' must stand alone, got "${text}"`);
  }
  if (dom === '?' && dow === '?') {
    throw cronError(expression, null, "both day-of-month and day-of-week are '?': exactly one of them must be '?' (e.g. \"0 0 6 * * ?\" or \"0 0 6 ? * MON\")");
  }
  if (dom !== '?' && dow !== '?') {
    throw cronError(expression, null, `both day-of-month ("${dom}") and day-of-week ("${dow}") are specified: one of them must be '?'`);
  }
  return dow === '?' ? parseDayOfMonth(dom, expression) : parseDayOfWeek(dow, expression);
}

/** Days in `month` (1-12) of `year` (proleptic Gregorian). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Day of week of a date, Quartz numbering 1=SUN … 7=SAT. */
export function dayOfWeek(year: number, month: number, day: number): number {
  const d = new Date(Date.UTC(2000, 0, 1));
  d.setUTCFullYear(year, month - 1, day);
  return d.getUTCDay() + 1;
}

function nearestWeekday(year: number, month: number, day: number, last: number): number {
  const dow = dayOfWeek(year, month, day);
  if (dow === 7) return day === 1 ? 3 : day - 1; // Saturday: Friday before, or Monday the 3rd
  if (dow === 1) return day === last ? day - 2 : day + 1; // Sunday: Monday after, or Friday before at month end
  return day;
}

/** The days (ascending) of `month` in `year` that `days` selects. */
export function matchingDays(days: QuartzDays, year: number, month: number): number[] {
  const last = daysInMonth(year, month);
  switch (days.kind) {
    case 'day-of-month':
      return days.field.values.filter((d) => d <= last);
    case 'last-day': {
      const d = last - days.offset;
      if (d < 1) return [];
      return [days.weekday ? nearestWeekday(year, month, d, last) : d];
    }
    case 'nearest-weekday':
      return days.day > last ? [] : [nearestWeekday(year, month, days.day, last)];
    case 'day-of-week': {
      const first = dayOfWeek(year, month, 1);
      const out: number[] = [];
      for (let d = 1; d <= last; d++) if (days.field.values.includes(((first - 1 + d - 1) % 7) + 1)) out.push(d);
      return out;
    }
    case 'last-weekday-of-month': {
      const lastDow = dayOfWeek(year, month, last);
      return [last - ((lastDow - days.dayOfWeek + 7) % 7)];
    }
    case 'nth-weekday-of-month': {
      const first = dayOfWeek(year, month, 1);
      const d = 1 + ((days.dayOfWeek - first + 7) % 7) + 7 * (days.nth - 1);
      return d <= last ? [d] : [];
    }
  }
}
