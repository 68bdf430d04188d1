import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginLinks } from '../src/api/ui-login.js';
import { loadJobFiles } from '../src/bundle/load-job-files.js';
import { EXAMPLES_DIR } from '../src/cli/server-command.js';
import { systemClock } from '../src/domain/clock.js';
import { startApiServer } from './support/api-server.js';
import { browserSkipReason, buildWebUi, launchBrowser, type WebUi } from './support/browser.js';
import { startHarness, type Harness } from './support/weir-harness.js';

const SHOTS = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));

const FLOW_JOB = `name: ui-flow
parameters:
  - name: greeting
    default: hello
tasks:
  - task_key: prepare
    shell_task:
      command: echo prepared
  - task_key: flaky
    depends_on:
      - task_key: prepare
    shell_task:
      command: "echo flaky-log-line; test -f marker || { echo marker-missing >&2; exit 3; }"
`;

describe.skipIf(!!browserSkipReason)('web UI in a real browser', () => {
  let h: Harness;
  let web: WebUi | undefined;
  let server: Awaited<ReturnType<typeof startApiServer>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let context: BrowserContext;
  let page: Page;
  let links: LoginLinks;

  beforeAll(async () => {
    web = await buildWebUi();
    h = await startHarness({ catalog: true });
    links = new LoginLinks(h.tokens, systemClock);
    server = await startApiServer(h, { loginLinks: links });
    browser = await launchBrowser();
    context = browser.context;
    page = await context.newPage();
    await page.goto(`${server.base}/login?code=${links.issue()}`);
  }, 120_000);

  afterAll(async () => {
    web?.remove();
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  it('serves the UI without a token, falls back to index.html for UI paths, and keeps API 401s', async () => {
    const index = await fetch(`${server.base}/jobs/anything`, { headers: { accept: 'text/html' } });
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<div id="root">');
    const api = await fetch(`${server.base}/api/2.2/jobs/list`);
    expect(api.status).toBe(401);
    expect((await fetch(`${server.base}/api/nope`, { headers: { accept: 'text/html' } })).status).toBe(401);
    expect((await fetch(`${server.base}/not-ui`)).status).toBe(401);
  });

  it('the login link signs the browser in with a session cookie', async () => {
    await expect.poll(() => page.getByRole('heading', { name: 'Jobs' }).isVisible()).toBe(true);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'weir_token')?.httpOnly).toBe(true);
  });

  it('without a session offers sign-in with a token, and a wrong token is refused', async () => {
    const other = await launchBrowser();
    try {
      const p = await other.context.newPage();
      await p.goto(server.base + '/');
      await p.getByLabel('Token').fill('dapi00000000000000000000000000000000');
      await p.getByRole('button', { name: 'Sign in with a token' }).click();
      await expect.poll(() => p.getByRole('alert').textContent()).toMatch(/token/i);
      await p.getByLabel('Token').fill(h.adminToken);
      await p.getByRole('button', { name: 'Sign in with a token' }).click();
      await expect.poll(() => p.getByRole('heading', { name: 'Jobs' }).isVisible()).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('creates a job, runs it, shows the failed task error and logs, repairs it to success', async () => {
    await page.goto(`${server.base}/#jobs`);
    await page.getByRole('button', { name: 'Create job' }).click();
    const editor = page.getByLabel('Job settings');
    await editor.fill('name: broken\ntasks:\n  - shell_task:\n      command: echo\n');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    // The API's validation message is shown verbatim, with the field path.
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('task_key');
    await editor.fill(FLOW_JOB);
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('ui-flow');
    await page.getByRole('button', { name: 'Run now' }).click();
    const state = page.getByTestId('run-state');
    await expect.poll(() => state.textContent(), { timeout: 30_000 }).toBe('FAILED');
    await page.getByTestId('gantt').getByRole('button', { name: 'flaky' }).click();
    await expect.poll(() => page.getByTestId('task-error').textContent()).toContain('exited with code 3');
    await expect.poll(() => page.getByTestId('task-log').textContent()).toContain('flaky-log-line');
    await page.getByTestId('task-detail').getByRole('button', { name: 'stderr' }).click();
    await expect.poll(() => page.getByTestId('task-log').textContent()).toContain('marker-missing');

    writeFileSync(join(h.dir, 'marker'), 'ok');
    await page.getByRole('button', { name: 'Repair run' }).click();
    const dialog = page.getByRole('dialog', { name: 'Repair run' });
    expect(await dialog.getByRole('checkbox', { name: 'flaky' }).isChecked()).toBe(true);
    expect(await dialog.getByRole('checkbox', { name: 'prepare' }).isChecked()).toBe(false);
    await dialog.getByRole('button', { name: 'Repair 1 task' }).click();
    await expect.poll(() => state.textContent(), { timeout: 30_000 }).toBe('SUCCESS');
    await expect.poll(() => page.locator('.react-flow__node [data-task="flaky"]').getAttribute('data-state')).toBe('SUCCESS');
  }, 90_000);

  it('streams the logs of a running task live, and cancels a run', async () => {
    const gate = join(h.dir, 'gate');
    const jobId = await h.createJob({ name: 'live', tasks: [{ task_key: 'waits', shell_task: { command: `echo first-line; while [ ! -f '${gate}' ]; do sleep 0.1; done; echo second-line` } }] });
    const { run_id } = await h.runs.runNow(jobId);
    await page.goto(`${server.base}/#job/${jobId}/run/${run_id}`);
    await expect.poll(() => page.getByTestId('run-state').textContent(), { timeout: 30_000 }).toBe('RUNNING');
    await page.getByTestId('gantt').getByRole('button', { name: 'waits' }).click();
    const log = page.getByTestId('task-log');
    await expect.poll(() => log.textContent(), { timeout: 30_000 }).toContain('first-line');
    expect(await log.textContent()).not.toContain('second-line');
    writeFileSync(gate, '');
    await expect.poll(() => log.textContent(), { timeout: 30_000 }).toContain('second-line');
    await expect.poll(() => page.getByTestId('run-state').textContent(), { timeout: 30_000 }).toBe('SUCCESS');

    const slowId = await h.createJob({ name: 'slow', tasks: [{ task_key: 'sleeps', shell_task: { command: 'sleep 60' } }] });
    const slow = await h.runs.runNow(slowId);
    await page.goto(`${server.base}/#job/${slowId}/run/${slow.run_id}`);
    await expect.poll(() => page.getByTestId('run-state').textContent(), { timeout: 30_000 }).toBe('RUNNING');
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await expect.poll(() => page.getByTestId('run-state').textContent(), { timeout: 30_000 }).toBe('CANCELED');
  }, 90_000);

  it('lists jobs with search, runs with parameters, pauses and deletes with confirmation', async () => {
    const jobId = await h.createJob({
      name: 'nightly-report',
      schedule: { quartz_cron_expression: '0 30 2 * * ?', timezone_id: 'UTC' },
      parameters: [{ name: 'day', default: 'today' }],
      tasks: [{ task_key: 'echo', shell_task: { command: 'echo "day=$DAY"', env: { DAY: '{{job.parameters.day}}' } } }],
    });
    await page.goto(`${server.base}/#jobs`);
    await page.reload();
    const row = page.locator(`tr[data-job-id="${jobId}"]`);
    await expect.poll(() => row.textContent()).toMatch(/2:30/);
    expect(await row.textContent()).toContain('test'); // the owner (creator_user_name)
    await page.getByLabel('Search jobs by name').fill('nightly');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await row.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(async () => (await h.store.getJob(jobId))?.settings.schedule?.pause_status).toBe('PAUSED');
    await expect.poll(() => row.textContent()).toContain('Paused');
    await row.getByRole('button', { name: 'Unpause' }).click();
    await expect.poll(async () => (await h.store.getJob(jobId))?.settings.schedule?.pause_status).toBe('UNPAUSED');

    await row.getByRole('button', { name: 'Run with parameters' }).click();
    await page.getByRole('dialog').getByLabel('day').fill('2026-01-02');
    await page.getByRole('dialog').getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => page.getByTestId('run-state').textContent(), { timeout: 30_000 }).toBe('SUCCESS');
    expect(await page.locator('.facts').textContent()).toContain('day=2026-01-02');

    await page.goto(`${server.base}/#jobs`);
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Confirm delete' }).click();
    await expect.poll(async () => (await h.store.getJob(jobId)) === undefined).toBe(true);
    await expect.poll(() => row.count()).toBe(0);
  }, 60_000);

  it('shows the example workspace: jobs list, job page with graph and run matrix, run page (screenshots)', async () => {
    // Only the example workspace in the screenshots: drop the jobs earlier tests made.
    for (const j of (await h.store.listJobs({ offset: 0, limit: 100 })).jobs) await h.store.deleteJob(j.job_id);
    const ids = await loadJobFiles(h.store, EXAMPLES_DIR, Date.now());
    const jobId = ids.get('daily_sales')!;
    // A few runs for the matrix: one where the quality gate says false (alert path), then good ones.
    await h.runJob(jobId, { job_parameters: { max_bad_rows: '0' } });
    await h.runJob(jobId);
    const { run } = await h.runJob(jobId);
    await page.getByLabel('Search jobs by name').fill('');
    await page.goto(`${server.base}/#jobs`);
    await page.reload();
    await expect.poll(() => page.locator(`tr[data-job-id="${jobId}"] .dot`).count()).toBe(3);
    await page.screenshot({ path: join(SHOTS, 'jobs-list.png') });

    await page.goto(`${server.base}/#job/${jobId}`);
    await expect.poll(() => page.locator('.react-flow__node').count()).toBe(run.settings.tasks!.length);
    expect(await page.locator('.react-flow__node.node-condition').count()).toBe(1);
    expect(await page.locator('.react-flow__node.node-foreach').count()).toBe(1);
    expect(await page.locator('.react-flow__edge-text').allTextContents()).toContain('true');
    await page.screenshot({ path: join(SHOTS, 'job-graph.png') });
    await page.getByRole('tab', { name: 'Runs' }).click();
    await expect.poll(() => page.getByTestId('run-matrix').locator('thead a').count()).toBe(3);
    await page.screenshot({ path: join(SHOTS, 'job-runs.png') });
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'YAML' }).click();
    await expect.poll(() => page.getByTestId('settings-text').textContent()).toContain('quartz_cron_expression: 0 0 6 ? * MON-FRI');

    await page.goto(`${server.base}/#job/${jobId}/run/${run.run_id}`);
    await expect.poll(() => page.getByTestId('gantt').locator('.gantt-row').count()).toBe(run.settings.tasks!.length);
    await page.getByTestId('gantt').getByRole('button', { name: 'per_region' }).click();
    await expect.poll(() => page.getByTestId('iterations').textContent()).toMatch(/Iterations: [1-9]\d* total, [1-9]\d* succeeded, 0 failed/);
    await page.getByTestId('gantt').getByRole('button', { name: 'transform' }).click();
    await expect.poll(() => page.getByTestId('task-log').textContent()).toContain('orders in');
    await expect.poll(() => page.getByTestId('task-detail').isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'run-page.png'), fullPage: true });
  }, 120_000);
});
