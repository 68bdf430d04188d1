import { describe, expect, it } from 'vitest';
import { sh, useHarness } from './support/weir-harness.js';

const ctx = useHarness({ slots: 2 });

describe('many short process tasks through the spawner', () => {
  it('stores every attempt of a 400-task layered DAG of `true` as TERMINATED SUCCESS, with its pid', async () => {
    // Processes this short report their pid and their exit in one read; the pid write must not land after the end.
    const width = 20;
    const tasks = Array.from({ length: 400 }, (_, i) => {
      const layer = Math.floor(i / width);
      const deps = layer === 0 ? [] : [(i * 7) % width, (i * 13 + 5) % width].map((j) => ({ task_key: `t${(layer - 1) * width + j}` }));
      return sh(`t${i}`, 'true', { depends_on: [...new Map(deps.map((d) => [d.task_key, d])).values()] });
    });
    const job = await ctx.h.createJob({ name: 'many', tasks });
    const { run, all } = await ctx.h.runJob(job);
    expect(run.result_state).toBe('SUCCESS');
    expect(all).toHaveLength(400);
    const stored = await ctx.h.store.listTaskRuns(run.run_id);
    expect(stored.filter((t) => t.life_cycle_state !== 'TERMINATED' || t.result_state !== 'SUCCESS').map((t) => [t.task_key, t.life_cycle_state])).toEqual([]);
    expect(stored.every((t) => typeof t.pid === 'number' && t.exit_code === 0)).toBe(true);
  }, 60_000);
});
