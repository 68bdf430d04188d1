import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../src/domain/task.js';
import type { RunRecord, TaskRunRecord } from '../src/store/records.js';
import { startApiServer } from './support/api-server.js';
import { browserSkipReason, buildWebUi, launchBrowser, type WebUi } from './support/browser.js';
import { startHarness, type Harness } from './support/weir-harness.js';

const RUNS = 10_000;
const GRAPH_TASKS = 500;

/** A finished task run record of a fabricated run. */
function taskRun(runId: number, id: number, task: Task, t: number, failed: boolean): TaskRunRecord {
  return {
    task_run_id: id, run_id: runId, task_key: task.task_key, attempt_number: 0, parent_task_run_id: null, iteration_index: null, input: null,
    task, is_current: true, repair_id: 0, life_cycle_state: 'TERMINATED', result_state: failed ? 'FAILED' : 'SUCCESS', state_message: '',
    created_time: t, start_time: t, end_time: t + 1000 + (id % 7) * 300, not_before: null, outcome: null, pid: null, exit_code: failed ? 1 : 0,
    error: failed ? 'exit 1' : null, error_trace: null, output: {}, resolved_values: null, child_run_id: null, task_values: {}, log_dir: '/nonexistent',
  };
}

/** Stores `n` finished runs of a job directly (no executor), each with one task run per task. */
async function fabricateRuns(h: Harness, jobId: number, n: number): Promise<void> {
  const job = (await h.store.getJob(jobId))!;
  const tasks = job.settings.tasks ?? [];
  for (let i = 0; i < n; i++) {
    const first = await h.store.allocateIds(1 + tasks.length);
    const t = Date.UTC(2026, 0, 1) + i * 60_000;
    const failed = i % 13 === 0;
    const run: RunRecord = {
      run_id: first, job_id: jobId, run_name: job.settings.name ?? 'x', run_type: 'JOB_RUN', trigger: 'PERIODIC', life_cycle_state: 'TERMINATED',
      result_state: failed ? 'FAILED' : 'SUCCESS', state_message: '', user_cancelled_or_timedout: false, settings: job.settings, job_parameters: {},
      overriding_parameters: null, source_dir: h.dir, parent_task_run_id: null, idempotency_token: null, created_time: t, start_time: t,
      end_time: t + 5000 + (i % 11) * 1000, repair_history: [],
    };
    await h.store.createRun(run, tasks.map((task, k) => taskRun(first, first + 1 + k, task, t, failed && k === tasks.length - 1)));
  }
}

/** A 500-task DAG: each task depends on the one before and on one a few steps back. */
function bigGraph(): Task[] {
  return Array.from({ length: GRAPH_TASKS }, (_, i) => ({
    task_key: `t${i}`,
    shell_task: { command: 'true' },
    depends_on: i === 0 ? undefined : [{ task_key: `t${i - 1}` }, ...(i > 5 && i % 3 === 0 ? [{ task_key: `t${i - 5}` }] : [])],
  })) as Task[];
}

/** Milliseconds from navigation until `ready` holds. */
async function timeUntil(page: Page, url: string, ready: () => Promise<boolean>): Promise<number> {
  // A full page load (not a hash change inside the running app); the token stays in this tab's sessionStorage.
  await page.goto('about:blank');
  const start = performance.now();
  await page.goto(url);
  await expect.poll(ready, { timeout: 60_000, interval: 20 }).toBe(true);
  return performance.now() - start;
}

describe.skipIf(!!browserSkipReason)('web UI with real volumes', () => {
  let h: Harness;
  let web: WebUi | undefined;
  let server: Awaited<ReturnType<typeof startApiServer>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;

  beforeAll(async () => {
    web = await buildWebUi();
    h = await startHarness();
    server = await startApiServer(h);
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(server.base + '/');
    await page.evaluate((t) => sessionStorage.setItem('weir.token', t), h.adminToken);
  }, 120_000);

  afterAll(async () => {
    web?.remove();
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  it(`pages a job with ${RUNS} runs on the server: 25 runs per page, newest first`, async () => {
    const tasks = ['extract', 'transform', 'load', 'check', 'publish'].map((k, i) => ({ task_key: k, shell_task: { command: 'true' }, depends_on: i ? [{ task_key: 'extract' }] : undefined }));
    const jobId = await h.createJob({ name: 'busy', tasks });
    const t0 = performance.now();
    await fabricateRuns(h, jobId, RUNS);
    const insertMs = performance.now() - t0;
    console.log(`[ui-scale] inserted ${RUNS} runs in ${insertMs.toFixed(0)} ms`);
    const matrix = page.getByTestId('run-matrix');
    const graphMs = await timeUntil(page, `${server.base}/#job/${jobId}`, async () => (await page.locator('.react-flow__node').count()) === tasks.length);
    await page.getByRole('tab', { name: 'Runs' }).click();
    const t1 = performance.now();
    await expect.poll(() => matrix.locator('a.cell').count(), { interval: 20 }).toBe(25 * tasks.length);
    const matrixMs = performance.now() - t1;
    const newest = await matrix.locator('thead a').first().textContent();
    await page.getByRole('button', { name: 'Older runs' }).click();
    await expect.poll(() => matrix.locator('thead a').first().textContent()).not.toBe(newest);
    expect(await page.locator('.pager .muted').textContent()).toBe('runs 26–50');
    console.log(`[ui-scale] inserted ${RUNS} runs in ${insertMs.toFixed(0)} ms; job page (graph) ready in ${graphMs.toFixed(0)} ms; run matrix (25 runs x 5 tasks) in ${matrixMs.toFixed(0)} ms`);
  }, 600_000);

  it(`lays out and renders a ${GRAPH_TASKS}-task graph`, async () => {
    const jobId = await h.createJob({ name: 'wide', tasks: bigGraph() });
    const ms = await timeUntil(page, `${server.base}/#job/${jobId}`, async () => (await page.locator('.react-flow__node').count()) > 0);
    const layoutMs = await page.evaluate(() => (window as unknown as { __weirLayoutMs?: number }).__weirLayoutMs);
    expect(layoutMs).toBeTypeOf('number');
    // Every task is laid out, not just the first page of jobs/get (100 tasks).
    await expect.poll(() => page.evaluate(() => (window as unknown as { __weirLayoutNodes?: number }).__weirLayoutNodes)).toBe(GRAPH_TASKS);
    // React Flow renders only the nodes in view; the whole graph is laid out (fitView shows all of it).
    expect(await page.locator('.react-flow__node').count()).toBeGreaterThan(0);
    // Again inside the running app (code already loaded).
    await page.evaluate(() => (location.hash = '#jobs'));
    await expect.poll(() => page.getByRole('heading', { name: 'Jobs' }).isVisible()).toBe(true);
    const t1 = performance.now();
    await page.evaluate((id) => (location.hash = `#job/${id}`), jobId);
    await expect.poll(async () => (await page.locator('.react-flow__node').count()) > 0, { interval: 20 }).toBe(true);
    const warmPageMs = performance.now() - t1;
    const warmLayoutMs = await page.evaluate(() => (window as unknown as { __weirLayoutMs?: number }).__weirLayoutMs);
    // The run page of a finished 500-task run: every task run (runs/get pages them 100 at a time) in its graph.
    const { run } = await h.runJob(jobId);
    await page.evaluate(() => Object.assign(window, { __weirLayoutNodes: 0 }));
    const runMs = await timeUntil(page, `${server.base}/#job/${jobId}/run/${run.run_id}`, async () => (await page.evaluate(() => (window as unknown as { __weirLayoutNodes?: number }).__weirLayoutNodes)) === GRAPH_TASKS);
    await expect.poll(() => page.locator('.react-flow__node[data-id="t0"] [data-state]').getAttribute('data-state')).toBe('SUCCESS');
    console.log(`[ui-scale] run page of the ${GRAPH_TASKS}-task run ready (all tasks laid out) in ${runMs.toFixed(0)} ms`);
    console.log(`[ui-scale] ${GRAPH_TASKS}-task graph: layout ${layoutMs!.toFixed(0)} ms cold (first layout after a page load), page ready in ${ms.toFixed(0)} ms; warm: layout ${warmLayoutMs!.toFixed(0)} ms, page ready in ${warmPageMs.toFixed(0)} ms`);
  }, 120_000);
});
