import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

/** Runs the real `weir` CLI (from source) as a child process. */
function weir(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('weir cron next', () => {
  it('prints the next N fire times as ISO-8601 UTC instants, one per line, across a DST change', () => {
    const r = weir(['cron', 'next', '0 30 2 * * ?', '--tz', 'Europe/Berlin', '--after', '2026-03-27T00:00:00Z', '--count', '3']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // 02:30 does not exist in Berlin on 2026-03-29: that day does not fire.
    expect(r.out).toBe('2026-03-27T01:30:00.000Z\n2026-03-28T01:30:00.000Z\n2026-03-30T00:30:00.000Z\n');
  });

  it('defaults to 5 times in UTC and takes an unquoted expression and an offset in --after', () => {
    const r = weir(['cron', 'next', '0', '0', '12', '?', '*', '6#3', '--after', '2026-01-01T01:00:00+01:00']);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toEqual([
      '2026-01-16T12:00:00.000Z',
      '2026-02-20T12:00:00.000Z',
      '2026-03-20T12:00:00.000Z',
      '2026-04-17T12:00:00.000Z',
      '2026-05-15T12:00:00.000Z',
    ]);
  });

  it('exits 2 with the reason on stderr for an invalid expression', () => {
    const r = weir(['cron', 'next', '0 0 0 ? * 8']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('day-of-week: 8 is out of range 1-7 (1=SUN … 7=SAT)');
  });

  it('exits 2 for an unknown zone, a bad --after and a bad --count', () => {
    const zone = weir(['cron', 'next', '0 0 0 * * ?', '--tz', 'Mars/Olympus_Mons']);
    expect(zone.code).toBe(2);
    expect(zone.err).toContain('timezone_id: "Mars/Olympus_Mons" is not a known time zone');
    const after = weir(['cron', 'next', '0 0 0 * * ?', '--after', '2026-01-01T00:00:00']);
    expect(after.code).toBe(2);
    expect(after.err).toContain('--after: "2026-01-01T00:00:00" is not an ISO-8601 instant');
    const count = weir(['cron', 'next', '0 0 0 * * ?', '--count', '0']);
    expect(count.code).toBe(2);
    expect(count.err).toContain('--count: "0" is not a whole number from 1 to 1000');
  });

  it('prints what is left of a schedule that ends, and says so', () => {
    const r = weir(['cron', 'next', '0 0 0 29 2 ? 2096', '--after', '2026-01-01T00:00:00Z', '--count', '2']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('2096-02-29T00:00:00.000Z\n');
    expect(r.err).toContain('has only 1 fire time(s) after 2026-01-01T00:00:00.000Z');
  });
});

describe('weir cron describe', () => {
  it('describes the expression in English with its zone', () => {
    const r = weir(['cron', 'describe', '0 0 6 ? * MON-FRI', '--tz', 'Europe/Berlin']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('At 06:00, Monday through Friday (Europe/Berlin)\n');
  });

  it('exits 2 for an invalid expression', () => {
    const r = weir(['cron', 'describe', '0 0 12 * * *']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("both day-of-month (\"*\") and day-of-week (\"*\") are specified: one of them must be '?'");
  });
});
