import { serve, type ServerType } from '@hono/node-server';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp } from '../src/api/app.js';
import { LoginLinks } from '../src/api/ui-login.js';
import { loadJobFiles } from '../src/bundle/load-job-files.js';
import { EXAMPLES_DIR } from '../src/cli/server-command.js';
import { loadConfig } from '../src/config/config.js';
import { ManualClock, systemClock } from '../src/domain/clock.js';
import { startWeir, type Weir } from '../src/main.js';
import { callApi } from './support/api-server.js';
import { browserSkipReason, buildWebUi, launchBrowser, type WebUi } from './support/browser.js';

const SHOTS = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const DAY = 86_400_000;

/** The UI's money format (web/src/cost-api.ts): cents, or 4 digits under a cent. */
const money = (amount: number) => `$${amount.toFixed(amount !== 0 && Math.abs(amount) < 0.01 ? 4 : 2)}`;

// The example workspace's job on a real `startWeir` (compute wired) whose clock the test moves: the job runs on three
// days, and while a run works the clock goes 1 minute forward every 20 ms, so its tasks have real, different costs.
describe.skipIf(!!browserSkipReason)('cost in the web UI (real browser)', () => {
  let dir = '';
  let web: WebUi | undefined;
  let weir: Weir;
  let server: ServerType;
  let base = '';
  let token = '';
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let jobId = 0;
  const runIds: number[] = [];
  const clock = new ManualClock(Date.now() - 3 * DAY);

  /** Runs the example job to its end, the clock ticking meanwhile; returns the run id. */
  async function runOnce(): Promise<number> {
    const tick = setInterval(() => clock.advance(60_000), 20);
    try {
      const { run_id } = await weir.runs.runNow(jobId);
      const run = await weir.executor.waitForRun(run_id);
      expect(run.result_state).toBe('SUCCESS');
      return run_id;
    } finally {
      clearInterval(tick);
    }
  }

  beforeAll(async () => {
    web = await buildWebUi();
    dir = mkdtempSync(join(tmpdir(), 'weir-ui-cost-'));
    weir = await startWeir(loadConfig({ dataDir: dir, port: 0, slots: 4 }, {}), clock);
    const links = new LoginLinks(weir.tokens, systemClock);
    const app = createApiApp({
      store: weir.store, runs: weir.runs, executor: weir.executor, workspaceDir: weir.config.workspaceDir, baseUrl: () => base,
      tokens: weir.tokens, secrets: weir.secrets, servicePrincipals: weir.servicePrincipals, loginLinks: links, compute: weir.compute,
      catalog: weir.catalog, notifications: weir.notifications,
    });
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((ok) => (server.listening ? ok() : server.once('listening', () => ok())));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();
    jobId = (await loadJobFiles(weir.store, EXAMPLES_DIR, clock.now())).get('daily_sales')!;
    for (let day = 0; day < 3; day++) {
      runIds.push(await runOnce());
      clock.advance(DAY);
    }
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(`${base}/login?code=${links.issue()}`);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
    await weir?.close();
    web?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the run page shows the run's cost and compute time, and each task's cost", async () => {
    const runId = runIds[2];
    const run = (await callApi(base, 'GET', `/api/2.2/jobs/runs/get?run_id=${runId}`, { token })).body;
    expect(run.cost.amount).toBeGreaterThan(0);
    await page.goto(`${base}/#job/${jobId}/run/${runId}`);
    await expect.poll(() => page.getByTestId('run-state').textContent(), { timeout: 30_000 }).toBe('SUCCESS');
    await expect.poll(() => page.getByTestId('run-cost').textContent()).toContain(money(run.cost.amount));
    expect(await page.getByTestId('run-cost').textContent()).toMatch(/of compute$/);

    // Cost by task lists every task with its own cost, costliest first; a click opens the task with its cost.
    await page.getByTestId('task-costs').locator('summary').click();
    const rows = page.getByTestId('task-costs').locator('tbody tr');
    const row = (key: string) => page.getByTestId('task-costs').locator(`tbody tr[data-task="${key}"]`);
    await expect.poll(() => rows.count()).toBe(run.tasks.length);
    const transform = run.tasks.find((t: { task_key: string }) => t.task_key === 'transform');
    expect(await row('transform').getByTestId('task-cost-cell').textContent()).toBe(money(transform.cost.amount));
    const shown = (await rows.getByTestId('task-cost-cell').allTextContents()).map((s) => Number(s.slice(1)));
    expect(shown).toEqual([...shown].sort((a, b) => b - a));
    await row('transform').getByRole('button', { name: 'transform' }).click();
    await expect.poll(() => page.getByTestId('task-cost').textContent()).toContain(`Cost ${money(transform.cost.amount)}`);
    // A condition task runs no process and costs nothing.
    expect(await row('quality_gate').getByTestId('task-cost-cell').textContent()).toBe('$0.00');
    await page.screenshot({ path: join(SHOTS, 'run-cost.png'), fullPage: true });
  }, 60_000);

  it('the job page charts the cost per day from jobs/cost', async () => {
    const report = (await callApi(base, 'GET', `/api/2.2/jobs/cost?job_id=${jobId}`, { token })).body;
    expect(report.days).toHaveLength(3);
    await page.goto(`${base}/#job/${jobId}`);
    await page.getByRole('tab', { name: 'Cost' }).click();
    await expect.poll(() => page.getByTestId('job-cost-total').textContent()).toBe(money(report.cost.amount));
    const bars = page.getByTestId('cost-bars').locator('g[data-date]');
    // The last 30 days, one bar each; the three days with runs carry their cost.
    await expect.poll(() => bars.count()).toBe(30);
    for (const d of report.days) {
      expect(Number(await page.getByTestId('cost-bars').locator(`g[data-date="${d.date}"]`).getAttribute('data-amount'))).toBe(d.cost.amount);
    }
    expect(await page.getByTestId('job-cost').textContent()).toContain('3 run(s)');
    await page.screenshot({ path: join(SHOTS, 'job-cost.png') });
    await page.getByRole('button', { name: '7 days' }).click();
    await expect.poll(() => bars.count()).toBe(7);
  }, 60_000);
});
