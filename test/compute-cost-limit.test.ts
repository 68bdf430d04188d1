import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/domain/clock.js';
import { parseJobSettings } from '../src/domain/parse-job-settings.js';
import { nodeTypeCatalog } from '../src/domain/node-types.js';
import { CostLimitMonitor, costLimitMessage, type CostLimitBreach } from '../src/executor/compute/cost-limit-monitor.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { runRecord, taskRunRecord } from './support/store-fixtures.js';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const HOUR = 3_600_000;

// The monitor on a real SQLite store and a manual clock; cancel and notify are the callbacks the lead wires to the
// executor and to the notifications, here recorded (cancel also ends the run in the store, as the executor would).
let dir: string;
let store: SqlStore;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-cost-limit-'));
  store = await openSqliteStore(join(dir, 'weir.sqlite'));
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A RUNNING run of a job on an i3.xlarge job cluster with 2 workers (0.93 USD/h), its one attempt started at T0. */
async function runningRun(limit: number | undefined): Promise<number> {
  const settings = parseJobSettings({
    name: 'runaway',
    ...(limit === undefined ? {} : { weir_cost_limit: { max_cost: limit } }),
    job_clusters: [{ job_cluster_key: 'c', new_cluster: { node_type_id: 'i3.xlarge', num_workers: 2 } }],
    tasks: [{ task_key: 'loop', job_cluster_key: 'c', shell_task: { command: 'sleep 100000' } }],
  });
  const id = await store.allocateIds(2);
  await store.createRun(runRecord(id, { settings, life_cycle_state: 'RUNNING', start_time: T0 }), [
    taskRunRecord(id + 1, id, 'loop', { task: settings.tasks![0], life_cycle_state: 'RUNNING', start_time: T0 }),
  ]);
  return id;
}

describe('cost limit', () => {
  it('weir_cost_limit is a validated job setting (weir extension)', () => {
    expect(parseJobSettings({ name: 'x', weir_cost_limit: { max_cost: 2.5, currency: 'USD' } }).weir_cost_limit).toEqual({ max_cost: 2.5, currency: 'USD' });
    expect(() => parseJobSettings({ name: 'x', weir_cost_limit: { max_cost: -1 } })).toThrow(/weir_cost_limit\.max_cost/);
    expect(() => parseJobSettings({ name: 'x', weir_cost_limit: { max_cost: 1, currency: 'EUR' } })).toThrow(/weir_cost_limit\.currency/);
  });

  it('cancels a run once its cost reaches the limit, with the message, and notifies once; runs without a limit or under it go on', async () => {
    const clock = new ManualClock(T0);
    const cancels: [number, string][] = [];
    const breaches: CostLimitBreach[] = [];
    const monitor = new CostLimitMonitor({
      store,
      clock,
      model: () => ({ catalog: nodeTypeCatalog() }),
      cancel: async (runId, message) => {
        cancels.push([runId, message]);
        await store.updateRun(runId, { life_cycle_state: 'TERMINATED', result_state: 'CANCELED', state_message: message, end_time: clock.now() });
      },
      notify: (b) => void breaches.push(b),
    });
    const limited = await runningRun(1);
    const unlimited = await runningRun(undefined);
    const generous = await runningRun(100);

    clock.set(T0 + HOUR); // 0.93 USD so far: under the limit of 1.
    expect(await monitor.check()).toEqual([]);
    clock.set(T0 + 65 * 60_000); // 1.0075 USD: over.
    const acted = await monitor.check();
    expect(acted.map((b) => b.run.run_id)).toEqual([limited]);
    const message = 'Run cancelled: cost limit of 1.00 USD reached (cost so far 1.01 USD)';
    expect(costLimitMessage(1, 1.0075)).toBe(message);
    expect(cancels).toEqual([[limited, message]]);
    expect(breaches).toHaveLength(1);
    expect(breaches[0]).toMatchObject({ limit: 1, message, cost: { compute_seconds: 3900, cost: { amount: 1.0075, currency: 'USD' } } });
    expect(await store.getRun(limited)).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'CANCELED', state_message: message });

    clock.set(T0 + 10 * HOUR);
    expect(await monitor.check()).toEqual([]);
    expect(cancels).toHaveLength(1);
    expect((await store.getRun(unlimited))?.life_cycle_state).toBe('RUNNING');
    expect((await store.getRun(generous))?.life_cycle_state).toBe('RUNNING');
  });

  it('a run whose cancel is still in flight is cancelled once, not on every check', async () => {
    const clock = new ManualClock(T0 + 2 * HOUR);
    const cancels: number[] = [];
    const monitor = new CostLimitMonitor({ store, clock, model: () => ({ catalog: nodeTypeCatalog() }), cancel: async (id) => void cancels.push(id), notify: () => undefined });
    const id = await runningRun(0.5);
    await monitor.check();
    await monitor.check();
    expect(cancels.filter((c) => c === id)).toEqual([id]);
    await store.updateRun(id, { life_cycle_state: 'TERMINATED' });
    // Other runs left RUNNING by the earlier test stay untouched (they have no limit or a high one).
    expect(cancels.every((c) => c === id)).toBe(true);
  });
});
