import { describe, expect, it } from 'vitest';
import { isWeirError } from '../src/domain/weir-error.js';
import { describeQuartzCron } from '../src/scheduler/quartz-cron.js';

const CASES: [string, string, string][] = [
  ['0 0 6 ? * MON-FRI', 'Europe/Berlin', 'At 06:00, Monday through Friday (Europe/Berlin)'],
  ['0 0 12 * * ?', 'UTC', 'At 12:00 (UTC)'],
  ['30 5 9 * * ?', 'UTC', 'At 09:05:30 (UTC)'],
  ['0 0 6,18 * * ?', 'UTC', 'At 06:00 and 18:00 (UTC)'],
  ['0 30 9 ? * 2,4,6', 'UTC', 'At 09:30, on Monday, Wednesday and Friday (UTC)'],
  ['0 30 9 ? * FRI-MON', 'UTC', 'At 09:30, Friday through Monday (UTC)'],
  ['0 0/15 * * * ?', 'UTC', 'Every 15 minutes (UTC)'],
  ['0 0/15 9-17 ? * MON-FRI', 'America/New_York', 'Every 15 minutes, during hours 9 through 17, Monday through Friday (America/New_York)'],
  ['*/10 * * * * ?', 'UTC', 'Every 10 seconds (UTC)'],
  ['* * * * * ?', 'UTC', 'Every second (UTC)'],
  ['0 * * * * ?', 'UTC', 'Every minute (UTC)'],
  ['0 5 * * * ?', 'UTC', 'At minute 5 of every hour (UTC)'],
  ['0 0 0 L * ?', 'UTC', 'At 00:00, on the last day of the month (UTC)'],
  ['0 0 0 L-3 * ?', 'UTC', 'At 00:00, on the day 3 days before the last day of the month (UTC)'],
  ['0 0 0 LW * ?', 'UTC', 'At 00:00, on the last weekday of the month (UTC)'],
  ['0 0 0 15W * ?', 'UTC', 'At 00:00, on the weekday nearest to day 15 of the month (UTC)'],
  ['0 0 0 1,15 * ?', 'UTC', 'At 00:00, on days 1 and 15 of the month (UTC)'],
  ['0 0 0 1/10 * ?', 'UTC', 'At 00:00, on days 1, 11, 21 and 31 of the month (UTC)'],
  ['0 15 10 ? * 6L', 'UTC', 'At 10:15, on the last Friday of the month (UTC)'],
  ['0 15 10 ? * 6#3', 'UTC', 'At 10:15, on the third Friday of the month (UTC)'],
  ['0 0 0 ? * L', 'UTC', 'At 00:00, on Saturday (UTC)'],
  ['0 0 0 1 JAN,JUL ?', 'UTC', 'At 00:00, on day 1 of the month, in January and July (UTC)'],
  ['0 0 0 29 2 ? 2096', 'UTC', 'At 00:00, on day 29 of the month, in February, in 2096 (UTC)'],
  ['0 0 9 * * ? 2027-2029', 'UTC', 'At 09:00, in 2027 through 2029 (UTC)'],
  ['5,35 10-20 * * * ?', 'UTC', 'At seconds 5 and 35 of minutes 10 through 20 (UTC)'],
];

describe('describeQuartzCron', () => {
  it.each(CASES)('%s in %s', (expr, tz, text) => {
    expect(describeQuartzCron(expr, tz)).toBe(text);
  });

  it('rejects an invalid expression or zone with the parse errors', () => {
    expect(() => describeQuartzCron('0 0 0 ? * 8', 'UTC')).toThrow(/day-of-week: 8 is out of range/);
    try {
      describeQuartzCron('0 0 0 * * ?', 'Nowhere/City');
      throw new Error('accepted');
    } catch (e) {
      expect(isWeirError(e, 'SCHEDULE.INVALID_TIMEZONE')).toBe(true);
    }
  });
});
