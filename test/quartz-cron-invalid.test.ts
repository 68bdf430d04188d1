import { describe, expect, it } from 'vitest';
import { isWeirError } from '../src/domain/weir-error.js';
import { nextFireTime, parseQuartzCron } from '../src/scheduler/quartz-cron.js';
import { resolveTimeZone } from '../src/scheduler/zoned-time.js';

/** Expressions Quartz rejects, with the field and the reason weir names. */
const INVALID: [string, string][] = [
  ['', 'the expression is empty'],
  ['0 0 12 * *', 'it has 5 fields but needs 6 or 7'],
  ['0 0 12 * * ? 2026 MON', 'it has 8 fields but allows at most 7'],
  ['0 0 12 * * *', `both day-of-month ("*") and day-of-week ("*") are specified: one of them must be '?'`],
  ['0 0 12 15 * MON', `both day-of-month ("15") and day-of-week ("MON") are specified: one of them must be '?'`],
  ['0 0 12 ? * ?', "both day-of-month and day-of-week are '?': exactly one of them must be '?'"],
  ['0 0 0 ? * 8', 'day-of-week: 8 is out of range 1-7 (1=SUN … 7=SAT)'],
  ['0 0 0 ? * 0', 'day-of-week: 0 is out of range 1-7 (1=SUN … 7=SAT)'],
  ['0 0 0 ? * MOON', 'day-of-week: "MOON" is not a name; use 1-7 (1=SUN … 7=SAT) or SUN-SAT'],
  ['60 0 0 * * ?', 'seconds: 60 is out of range 0-59'],
  ['0 60 0 * * ?', 'minutes: 60 is out of range 0-59'],
  ['0 0 24 * * ?', 'hours: 24 is out of range 0-23'],
  ['0 0 x * * ?', 'hours: "X" is not a number; use 0-23'],
  ['0 0 0 32 * ?', 'day-of-month: 32 is out of range 1-31'],
  ['0 0 0 0 * ?', 'day-of-month: 0 is out of range 1-31'],
  ['0 0 0 1 13 ?', 'month: 13 is out of range 1-12 or JAN-DEC'],
  ['0 0 0 1 FOO ?', 'month: "FOO" is not a name; use 1-12 or JAN-DEC'],
  ['0 0 0 1 JAN-FOO ?', 'month: "FOO" is not a name'],
  ['0 0 0 1 * ? 1969', 'year: 1969 is out of range 1970-2099'],
  ['0 0 0 1 * ? 2100', 'year: 2100 is out of range 1970-2099'],
  ['0 0 0 1 * ? 2030-2026', 'year: the range 2030-2026 ends before it starts'],
  ['0 0/0 * * * ?', 'minutes: the step 0 is out of range 1-59'],
  ['0 0/60 * * * ?', 'minutes: the step 60 is out of range 1-59'],
  ['0 0 0/24 * * ?', 'hours: the step 24 is out of range 1-23'],
  ['0 0 0 1/x * ?', `day-of-month: the step after '/' must be a whole number, got "X"`],
  ['0 0 0 1,,2 * ?', 'day-of-month: an empty list item'],
  ['0 0 0 1- * ?', 'day-of-month: a value is missing'],
  ['0 0 0 ? * 6#6', "day-of-week: the number after '#' must be between 1 and 5, got \"6\""],
  ['0 0 0 ? * 6#0', "day-of-week: the number after '#' must be between 1 and 5"],
  ['0 0 0 ? * 6#', "day-of-week: the number after '#' must be between 1 and 5"],
  ['0 0 0 ? * 8#1', 'day-of-week: 8 is out of range 1-7'],
  ['0 0 0 ? * 6#3,2#1', "day-of-week: '#' cannot be combined with other days in a list"],
  ['0 0 0 ? * 1-5L', "day-of-week: \"1-5L\" is not valid: 'L' stands alone"],
  ['0 0 0 ? * 1,6L', "day-of-week: \"1,6L\" is not valid: 'L' stands alone"],
  ['0 0 0 L,15 * ?', "day-of-month: 'L' and 'W' cannot be combined with other days in a list"],
  ['0 0 0 1-5W * ?', "day-of-month: \"1-5W\" is not valid here: 'W' needs one day"],
  ['0 0 0 32W * ?', 'day-of-month: 32 is out of range 1-31'],
  ['0 0 0 L-31 * ?', 'day-of-month: the offset from the last day must be at most 30, got L-31'],
  ['0 0 L * * ?', "hours: 'L' is only allowed in day-of-month and day-of-week"],
  ['0 0 0 * 1W ?', "month: 'W' is only allowed in day-of-month and day-of-week"],
  ['? 0 0 * * ?', "seconds: '?' is only allowed in day-of-month and day-of-week"],
  ['0 0 0 1 * ? 2030#1', "year: '#' is only allowed in day-of-month and day-of-week (day-of-week only)"],
  ['0 0 0 ?5 * ?', "day-of-month: '?' must stand alone"],
  ['0 0 0 ? * %', "day-of-week: unexpected character '%'"],
];

function reasonOf(expr: string): string {
  try {
    parseQuartzCron(expr);
  } catch (e) {
    if (!isWeirError(e, 'SCHEDULE.INVALID_CRON')) throw e;
    expect(e.message).toContain(`invalid Quartz cron expression "${expr}": `);
    return e.message;
  }
  throw new Error(`"${expr}" was accepted`);
}

describe('parseQuartzCron rejects what Quartz rejects, naming the field and the reason', () => {
  it.each(INVALID)('%j', (expr, reason) => {
    expect(reasonOf(expr)).toContain(reason);
  });

  it('accepts the shapes Quartz accepts', () => {
    const ok = ['0 0 12 * * ?', '0 0 12 ? * *', '0 15 10 ? * 6L 2026-2030', '0 0 12 LW * ?', '0 0 12 L-3W * ?', '0 0 0 ? * L', '0 0 0 ? * FRI#2', '0 0 0 ? * fril', '  0  0 12\t* * ?  ', '0 0 0 1 */2 ? */4'];
    for (const e of ok) expect(() => parseQuartzCron(e), e).not.toThrow();
  });
});

describe('time zones', () => {
  it('accepts IANA ids, Java custom offsets and the ids Databricks documents', () => {
    for (const id of ['UTC', 'GMT', 'America/Los_Angeles', 'Etc/GMT+5', 'Europe/Berlin', 'Australia/Lord_Howe', 'GMT+05:30', 'GMT-8', 'PST']) {
      expect(() => resolveTimeZone(id), id).not.toThrow();
    }
    expect(resolveTimeZone('GMT-8').offsetAt(0)).toBe(-8 * 3_600_000);
    expect(resolveTimeZone('Etc/GMT+5').offsetAt(0)).toBe(-5 * 3_600_000);
  });

  it.each([
    ['Mars/Olympus_Mons', 'not in the time zone database'],
    ['', 'empty or surrounded by spaces'],
    [' UTC', 'empty or surrounded by spaces'],
    ['GMT+25', 'custom offsets must be within GMT-18:00..GMT+18:00'],
  ])('rejects %j with SCHEDULE.INVALID_TIMEZONE', (id, why) => {
    try {
      nextFireTime(parseQuartzCron('0 0 0 * * ?'), 0, id);
      throw new Error('accepted');
    } catch (e) {
      expect(isWeirError(e, 'SCHEDULE.INVALID_TIMEZONE')).toBe(true);
      expect((e as Error).message).toContain(`timezone_id: "${id}" is not a known time zone (${why})`);
    }
  });
});
