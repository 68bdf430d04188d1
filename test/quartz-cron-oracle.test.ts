import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextFireTime, parseQuartzCron } from '../src/scheduler/quartz-cron.js';

/**
 * Random Quartz expressions against a brute-force oracle written independently from the Quartz documentation:
 * each generated field carries its own text and its own predicate, and the oracle scans day by day and second by
 * second in UTC. The implementation under test jumps field by field; both must agree.
 */
interface Ctx {
  y: number;
  mo: number;
  d: number;
  last: number;
  dow: number; // 1=SUN … 7=SAT
}
interface Gen {
  text: string;
  ok: (v: number) => boolean;
}
interface DayGen {
  dom: string;
  dow: string;
  ok: (c: Ctx) => boolean;
}

const between = (v: number, a: number, b: number) => (a <= b ? v >= a && v <= b : v >= a || v <= b);
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function plain(min: number, max: number, names?: string[]): fc.Arbitrary<Gen> {
  const v = fc.integer({ min, max });
  const show = (n: number, named: boolean) => (named && names ? names[n - min]! : String(n));
  return fc.oneof(
    fc.constant({ text: '*', ok: () => true }),
    fc.tuple(v, fc.boolean()).map(([a, n]) => ({ text: show(a, n), ok: (x: number) => x === a })),
    fc.tuple(v, v, fc.boolean()).map(([a, b, n]) => ({ text: `${show(a, n)}-${show(b, n)}`, ok: (x: number) => between(x, a, b) })),
    fc.integer({ min: 2, max: Math.min(max, 20) }).map((s) => ({ text: `*/${s}`, ok: (x: number) => (x - min) % s === 0 })),
    fc.tuple(v, fc.integer({ min: 1, max: Math.min(max, 20) })).map(([a, s]) => ({ text: `${a}/${s}`, ok: (x: number) => x >= a && (x - a) % s === 0 })),
    fc.tuple(v, v).map(([a, b]) => ({ text: `${a},${b}`, ok: (x: number) => x === a || x === b })),
  );
}

function weekdayNearest(c: Ctx, target: number): number {
  let best = -1;
  for (let d = 1; d <= c.last; d++) {
    const dow = ((c.dow - 1 + (d - c.d) + 7 * 10) % 7) + 1;
    if (dow !== 1 && dow !== 7 && (best < 0 || Math.abs(d - target) < Math.abs(best - target))) best = d;
  }
  return best;
}

const days: fc.Arbitrary<DayGen> = fc.oneof(
  plain(1, 31).map((g) => ({ dom: g.text, dow: '?', ok: (c: Ctx) => g.ok(c.d) })),
  plain(1, 7, DAYS).map((g) => ({ dom: '?', dow: g.text, ok: (c: Ctx) => g.ok(c.dow) })),
  fc.integer({ min: 0, max: 30 }).map((k) => ({ dom: k ? `L-${k}` : 'L', dow: '?', ok: (c: Ctx) => c.d === c.last - k })),
  fc.constant({ dom: 'LW', dow: '?', ok: (c: Ctx) => c.d === weekdayNearest(c, c.last) }),
  fc.integer({ min: 1, max: 31 }).map((n) => ({ dom: `${n}W`, dow: '?', ok: (c: Ctx) => n <= c.last && c.d === weekdayNearest(c, n) })),
  fc.constant({ dom: '?', dow: 'L', ok: (c: Ctx) => c.dow === 7 }),
  fc.integer({ min: 1, max: 7 }).map((n) => ({ dom: '?', dow: `${n}L`, ok: (c: Ctx) => c.dow === n && c.d + 7 > c.last })),
  fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 5 })).map(([n, k]) => ({ dom: '?', dow: `${n}#${k}`, ok: (c: Ctx) => c.dow === n && Math.ceil(c.d / 7) === k })),
);

const years: fc.Arbitrary<Gen | null> = fc.oneof(
  fc.constant(null),
  fc.integer({ min: 2026, max: 2034 }).map((y) => ({ text: String(y), ok: (x: number) => x === y })),
  fc.tuple(fc.integer({ min: 2026, max: 2030 }), fc.integer({ min: 0, max: 4 })).map(([a, n]) => ({ text: `${a}-${a + n}`, ok: (x: number) => x >= a && x <= a + n })),
);

const seconds = fc.oneof(fc.constant({ text: '0', ok: (x: number) => x === 0 }), plain(0, 59));
const cron = fc.record({ s: seconds, mi: plain(0, 59), h: plain(0, 23), days, mo: plain(1, 12, MONTHS), y: years });
type Cron = typeof cron extends fc.Arbitrary<infer T> ? T : never;

const SCAN_END = Date.UTC(2046, 0, 1);

/** The first matching second strictly after `after`, by scanning; undefined when none before SCAN_END. */
function oracle(c: Cron, after: number): number | undefined {
  const start = Math.floor(after / 1000) * 1000 + 1000;
  for (let day = Math.floor(start / 86_400_000) * 86_400_000; day < SCAN_END; day += 86_400_000) {
    const dt = new Date(day);
    const [y, mo, d] = [dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate()];
    const ctx: Ctx = { y, mo, d, last: new Date(Date.UTC(y, mo, 0)).getUTCDate(), dow: dt.getUTCDay() + 1 };
    if ((c.y && !c.y.ok(y)) || !c.mo.ok(mo) || !c.days.ok(ctx)) continue;
    for (let h = 0; h < 24; h++) {
      if (!c.h.ok(h)) continue;
      for (let mi = 0; mi < 60; mi++) {
        if (!c.mi.ok(mi)) continue;
        for (let s = 0; s < 60; s++) {
          const t = day + (h * 3600 + mi * 60 + s) * 1000;
          if (t >= start && c.s.ok(s)) return t;
        }
      }
    }
  }
  return undefined;
}

describe('nextFireTime agrees with a brute-force oracle (UTC)', () => {
  it('on 400 random expressions and instants', () => {
    const after = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2029, 11, 31) });
    fc.assert(
      fc.property(cron, after, (c, a) => {
        const expr = `${c.s.text} ${c.mi.text} ${c.h.text} ${c.days.dom} ${c.mo.text} ${c.days.dow}${c.y ? ` ${c.y.text}` : ''}`;
        const got = nextFireTime(parseQuartzCron(expr), a, 'UTC');
        const want = oracle(c, a);
        if (want === undefined) expect(got === null || got >= SCAN_END, expr).toBe(true);
        else expect(got, `${expr} after ${new Date(a).toISOString()}`).toBe(want);
      }),
      { numRuns: 400, seed: 20261129 },
    );
  });
});
