import { Hono } from 'hono';
import { z } from 'zod';
import { CURRENCY } from '../domain/node-types.js';
import { IntLike } from '../domain/wire.js';
import { costModelForRuns, dailyCost, defaultCostModel, runCost, roundMoney, type CostReport } from '../executor/compute/cost.js';
import type { RunRecord } from '../store/records.js';
import type { ApiDeps } from './app.js';
import { jobNotFound } from './errors.js';
import { handle } from './handle.js';
import { parseParams } from './params.js';

/** jobs/cost parameters (weir extension): the job and an optional window of run start times (epoch ms). */
export const JobCostParams = z.object({ job_id: IntLike, start_time_from: IntLike.optional(), start_time_to: IntLike.optional() });

/** Runs one report reads at most (newest first); the response says when it stopped short. */
const MAX_RUNS = 10_000;
const PAGE = 500;

/** Routes of the weir cost report: `GET /api/2.x/jobs/cost?job_id=&start_time_from=&start_time_to=`. */
export function costRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get('/jobs/cost', handle(async (p) => {
    const q = parseParams(JobCostParams, p);
    if (!(await deps.store.getJob(q.job_id))) throw jobNotFound(q.job_id);
    const runs: RunRecord[] = [];
    let truncated = false;
    for (let offset = 0; ; offset += PAGE) {
      const page = await deps.store.listRuns({ jobId: q.job_id, startTimeFrom: q.start_time_from, startTimeTo: q.start_time_to, offset, limit: PAGE });
      runs.push(...page.runs);
      if (!page.hasMore) break;
      if (runs.length >= MAX_RUNS) {
        truncated = true;
        break;
      }
    }
    const compute = deps.compute;
    const model = compute ? await costModelForRuns(compute.catalog, compute.store, runs) : defaultCostModel;
    const now = compute?.clock.now() ?? Date.now();
    const costed: { run: RunRecord; cost: CostReport }[] = [];
    for (const run of runs) costed.push({ run, cost: runCost(run, await deps.store.listTaskRuns(run.run_id), model, now) });
    const total = costed.reduce((t, c) => ({ s: t.s + c.cost.compute_seconds, a: t.a + c.cost.cost.amount }), { s: 0, a: 0 });
    return {
      job_id: q.job_id,
      currency: CURRENCY,
      compute_seconds: Math.round(total.s * 1000) / 1000,
      cost: { amount: roundMoney(total.a), currency: CURRENCY },
      days: dailyCost(costed),
      runs: costed.map(({ run, cost }) => ({ run_id: run.run_id, start_time: run.start_time ?? 0, result_state: run.result_state ?? undefined, ...cost })),
      ...(truncated ? { truncated: true } : {}),
    };
  }));
  return app;
}
