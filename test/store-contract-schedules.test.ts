import { describe, expect, test } from 'vitest';
import type { BackfillRecord, TickRecord, TriggerState } from '../src/store/ports/schedule-store.js';
import { ScheduleSqlStore } from '../src/store/sql/schedule-sql-store.js';
import { storeDialects, useStore } from './support/store-fixtures.js';

const tick = (tick_key: string, o: Partial<TickRecord> = {}): TickRecord => ({
  tick_key,
  job_id: 1,
  kind: 'cron',
  scheduled_time: 1_700_000_000_000,
  created_time: 1_700_000_000_500,
  run_id: null,
  info: {},
  ...o,
});

const backfill = (o: Partial<BackfillRecord> = {}): Omit<BackfillRecord, 'backfill_id'> => ({
  job_id: 1,
  from: 0,
  to: 3_600_000,
  concurrency: 2,
  only_failed: false,
  state: 'RUNNING',
  created_time: 5,
  end_time: null,
  pending: [0, 1_800_000],
  launched: [],
  active: [],
  skipped: 0,
  ...o,
});

describe.each(storeDialects())('store contract: schedules on %s', (name, dialect, skip) => {
  if (skip) {
    test.skip(`${name}: ${skip}`, () => undefined);
    return;
  }
  const s = useStore(dialect);
  const schedules = () => new ScheduleSqlStore(s.store.kysely);

  test('claimTick creates a tick once; a second claim returns the stored tick', async () => {
    const st = schedules();
    const first = await st.claimTick(tick('1:cron:1000', { info: { why: 'first' } }));
    expect(first.created).toBe(true);
    const again = await st.claimTick(tick('1:cron:1000', { created_time: 9, info: { why: 'second' } }));
    expect(again.created).toBe(false);
    expect(again.tick).toEqual(tick('1:cron:1000', { info: { why: 'first' } }));
  });

  test('claimTick under concurrency: many simultaneous claims of one key, from two store instances, create it exactly once', async () => {
    // SQLite: a second handle on the same file; PostgreSQL: a second connection pool (another process's worth).
    const other = new ScheduleSqlStore((await s.another()).kysely);
    const st = schedules();
    for (let round = 0; round < 5; round++) {
      const key = `1:cron:${round}`;
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? other : st).claimTick(tick(key, { scheduled_time: round, info: { claimant: i } }))),
      );
      expect(claims.filter((c) => c.created)).toHaveLength(1);
      const winner = claims.find((c) => c.created)!.tick.info;
      for (const c of claims) expect(c.tick.info).toEqual(winner);
    }
    expect(await st.listTicks(1)).toHaveLength(5);
  });

  test('claimTicks: a batch returns the stored tick of each key in the given order, keeping existing ones', async () => {
    const st = schedules();
    await st.claimTick(tick('k2', { scheduled_time: 2, info: { old: true } }));
    const many = Array.from({ length: 1200 }, (_, i) => tick(`b${i}`, { scheduled_time: 10 + i }));
    const got = await st.claimTicks([tick('k1', { scheduled_time: 1 }), tick('k2', { scheduled_time: 2 }), ...many]);
    expect(got.map((t) => t.tick_key)).toEqual(['k1', 'k2', ...many.map((t) => t.tick_key)]);
    expect(got[1]!.info).toEqual({ old: true });
    expect(typeof got[0]!.scheduled_time).toBe('number');
    expect(await st.claimTicks([])).toEqual([]);
    expect(await st.listTicks(1, { limit: 5000 })).toHaveLength(1202);
  });

  test('setTickRun / setTickRuns record runs; latestTickTime only counts ticks with a run of the given kinds', async () => {
    const st = schedules();
    await st.claimTicks([
      tick('a', { scheduled_time: 100 }),
      tick('b', { scheduled_time: 200 }),
      tick('c', { scheduled_time: 300, kind: 'periodic' }),
      tick('d', { scheduled_time: 400 }),
      tick('e', { scheduled_time: 500, job_id: 2 }),
    ]);
    expect(await st.latestTickTime(1, ['cron'])).toBeUndefined();
    await st.setTickRun('a', 11);
    const pairs = Array.from({ length: 1100 }, (_, i) => ({ tick_key: `x${i}`, run_id: 1000 + i }));
    await st.claimTicks(pairs.map((p, i) => tick(p.tick_key, { scheduled_time: 1000 + i, job_id: 3 })));
    await st.setTickRuns([{ tick_key: 'b', run_id: 12 }, { tick_key: 'c', run_id: 13 }, { tick_key: 'e', run_id: 14 }, ...pairs]);
    expect(await st.latestTickTime(1, ['cron'])).toBe(200);
    expect(await st.latestTickTime(1, ['cron', 'periodic'])).toBe(300);
    expect(await st.latestTickTime(2, ['cron'])).toBe(500);
    expect(await st.latestTickTime(1, ['backfill'])).toBeUndefined();
    const ticks = await st.listTicks(1);
    expect(ticks.map((t) => [t.tick_key, t.run_id])).toEqual([['d', null], ['c', 13], ['b', 12], ['a', 11]]);
    const job3 = await st.listTicks(3, { limit: 5000 });
    expect(job3.every((t) => t.run_id === 1000 + Number(t.tick_key.slice(1)))).toBe(true);
    expect(await st.listTicks(1, { from: 150, to: 300 })).toHaveLength(2);
  });

  test('trigger state: put, replace, put many (upsert), get and delete', async () => {
    const st = schedules();
    const state = (cursor: number): TriggerState => ({ fingerprint: 'f', cursor, seen_files: { '/a': '1:2' } });
    expect(await st.getTriggerState(1)).toBeUndefined();
    await st.putTriggerState(1, state(10));
    await st.putTriggerState(1, state(20));
    expect(await st.getTriggerState(1)).toEqual(state(20));
    await st.putTriggerStates([
      { job_id: 1, state: state(30) },
      { job_id: 2, state: state(40) },
    ]);
    await st.putTriggerStates([]);
    expect(await st.getTriggerState(1)).toEqual(state(30));
    expect(await st.getTriggerState(2)).toEqual(state(40));
    await st.deleteTriggerState(1);
    expect(await st.getTriggerState(1)).toBeUndefined();
    expect(await st.getTriggerState(2)).toEqual(state(40));
  });

  test('backfills: create numbers them, update, running ones oldest first, list per job newest first', async () => {
    const st = schedules();
    const a = await st.createBackfill(backfill());
    const b = await st.createBackfill(backfill({ job_id: 2 }));
    const c = await st.createBackfill(backfill());
    expect([b.backfill_id - a.backfill_id, c.backfill_id - a.backfill_id]).toEqual([1, 2]);
    expect(await st.getBackfill(a.backfill_id)).toEqual(a);
    await st.updateBackfill({ ...a, state: 'DONE', end_time: 99, launched: [{ time: 0, run_id: 5 }] });
    expect(await st.getBackfill(a.backfill_id)).toMatchObject({ state: 'DONE', end_time: 99, launched: [{ time: 0, run_id: 5 }] });
    expect((await st.runningBackfills()).map((x) => x.backfill_id)).toEqual([b.backfill_id, c.backfill_id]);
    expect((await st.listBackfills(1)).map((x) => x.backfill_id)).toEqual([c.backfill_id, a.backfill_id]);
    expect(await st.getBackfill(12345)).toBeUndefined();
  });

  test('backfills: concurrent creations, from two store instances, get distinct ids', async () => {
    // PostgreSQL: a second pool; SQLite: one handle (two in one process would block each other's transactions).
    const other = name === 'postgres' ? new ScheduleSqlStore((await s.another()).kysely) : schedules();
    const st = schedules();
    await st.createBackfill(backfill());
    const made = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? other : st).createBackfill(backfill({ created_time: i }))));
    const ids = made.map((b) => b.backfill_id);
    expect(new Set(ids).size).toBe(12);
    for (const b of made) expect(await st.getBackfill(b.backfill_id)).toEqual(b);
  });
});
