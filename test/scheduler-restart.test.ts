import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { parseJobSettings } from '../src/domain/parse-job-settings.js';
import { ScheduleSqlStore } from '../src/store/sql/schedule-sql-store.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';

const CHILD = resolve(import.meta.dirname, 'support/scheduler-child.ts');

function startChild(dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    child.stdout?.once('data', () => ok(child));
    child.once('exit', (code) => fail(new Error(`scheduler child exited early with ${code}`)));
  });
}

function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  return new Promise((ok) => {
    child.once('exit', () => ok());
    child.kill(signal);
  });
}

/** Deterministic pseudo-random numbers (mulberry32), so every CI run kills at the same offsets. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

it('a scheduler killed and restarted repeatedly fires every due tick exactly once', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-sched-restart-'));
  const setup = await openSqliteStore(join(dir, 'weir.sqlite'));
  const settings = parseJobSettings({ name: 'every second', schedule: { quartz_cron_expression: '* * * * * ?', timezone_id: 'UTC' }, tasks: [{ task_key: 't', shell_task: { command: 'true' } }] });
  const jobId = await setup.createJob({ settings, creator_user_name: 't', created_time: Date.now(), source_dir: dir });
  await setup.close();

  const rnd = random(42);
  for (let i = 0; i < 20; i++) {
    const child = await startChild(dir);
    await new Promise((r) => setTimeout(r, 150 + Math.floor(rnd() * 900)));
    await kill(child);
  }
  // A last run catches up on what the final kill cut off, then stops cleanly.
  const last = await startChild(dir);
  await new Promise((r) => setTimeout(r, 1500));
  await kill(last, 'SIGTERM');

  const store = await openSqliteStore(join(dir, 'weir.sqlite'));
  try {
    const ticks = (await new ScheduleSqlStore(store.kysely).listTicks(jobId, { limit: 10_000 })).sort((a, b) => a.scheduled_time - b.scheduled_time);
    const { runs } = await store.listRuns({ jobId, offset: 0, limit: 10_000 });
    expect(ticks.length).toBeGreaterThan(10);
    // Every second between the first and the last tick has exactly one tick (no gaps: restarts were shorter
    // than the misfire threshold), and one run.
    const seconds = ticks.map((t) => t.scheduled_time / 1000);
    expect(seconds).toEqual(seconds.map((_, i) => seconds[0] + i));
    // Every tick has its run, and every run belongs to exactly one tick.
    expect(ticks.every((t) => t.run_id !== null)).toBe(true);
    expect(runs.length).toBe(ticks.length);
    const byToken = new Map(runs.map((r) => [r.idempotency_token, r.run_id]));
    expect(byToken.size).toBe(runs.length);
    for (const t of ticks) expect(byToken.get(t.tick_key)).toBe(t.run_id);
    for (const r of runs) expect(r.trigger).toBe('PERIODIC');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
