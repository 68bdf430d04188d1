import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginLinks } from '../src/api/ui-login.js';
import { loadJobFiles } from '../src/bundle/load-job-files.js';
import { EXAMPLES_DIR } from '../src/cli/server-command.js';
import { systemClock } from '../src/domain/clock.js';
import { startApiServer } from './support/api-server.js';
import { browserSkipReason, buildWebUi, launchBrowser, type WebUi } from './support/browser.js';
import { startHarness, type Harness } from './support/weir-harness.js';

const SHOTS = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));

describe.skipIf(!!browserSkipReason)('job form editor in a real browser', () => {
  let h: Harness;
  let web: WebUi | undefined;
  let server: Awaited<ReturnType<typeof startApiServer>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;

  beforeAll(async () => {
    web = await buildWebUi();
    h = await startHarness();
    const links = new LoginLinks(h.tokens, systemClock);
    server = await startApiServer(h, { loginLinks: links });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(`${server.base}/login?code=${links.issue()}`);
  }, 120_000);

  afterAll(async () => {
    web?.remove();
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  const text = () => page.getByLabel('Job settings').inputValue();
  const settingsOfText = async () => parse(await text()) as Record<string, any>;

  it('creates a job with the form; form and YAML/JSON edit one object, unknown fields survive, API errors mark the task', async () => {
    await page.goto(`${server.base}/#jobs`);
    await page.getByRole('button', { name: 'Create job' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create job' });
    await dialog.getByLabel('Job name').fill('form_made');
    await dialog.getByRole('button', { name: 'Add task' }).click();
    const second = dialog.locator('[data-testid="form-task"][data-task="task_2"]');
    await second.getByLabel('task_2 Command').fill('echo second-task');
    await second.getByLabel('task_2 depends on hello').check();
    await dialog.getByRole('button', { name: 'Add parameter' }).click();
    await dialog.getByLabel('Parameter 1 name').fill('day');
    await dialog.getByLabel('Parameter 1 default').fill('today');
    await dialog.getByLabel('Scheduled').check();
    await dialog.getByLabel('Cron expression').fill('0 15 3 * * ?');
    await dialog.getByLabel('Schedule status').selectOption('PAUSED');
    await dialog.getByLabel('Email on failure').fill('ops@example.com, lead@example.com');
    // The YAML follows the form.
    expect(await settingsOfText()).toEqual({
      name: 'form_made',
      tasks: [
        { task_key: 'hello', shell_task: { command: 'echo hello' } },
        { task_key: 'task_2', shell_task: { command: 'echo second-task' }, depends_on: [{ task_key: 'hello' }] },
      ],
      parameters: [{ name: 'day', default: 'today' }],
      schedule: { quartz_cron_expression: '0 15 3 * * ?', timezone_id: 'UTC', pause_status: 'PAUSED' },
      email_notifications: { on_failure: ['ops@example.com', 'lead@example.com'] },
    });

    // A text edit with fields the form does not show; the form follows, and its next edit keeps them.
    await dialog.getByRole('button', { name: 'JSON' }).click();
    const json = JSON.parse(await text());
    json.tags = { team: 'data' };
    json.max_concurrent_runs = 3;
    json.tasks[0].timeout_seconds = 120;
    await page.getByLabel('Job settings').fill(JSON.stringify(json, null, 2));
    await dialog.getByLabel('Job name').fill('form_made_v2');
    const merged = JSON.parse(await text());
    expect(merged).toMatchObject({ name: 'form_made_v2', tags: { team: 'data' }, max_concurrent_runs: 3 });
    expect(merged.tasks[0]).toEqual({ task_key: 'hello', shell_task: { command: 'echo hello' }, timeout_seconds: 120 });
    // Renaming a task moves the dependencies that name it.
    await dialog.locator('[data-testid="form-task"][data-task="hello"]').getByLabel('Task key').fill('first');
    const renamed = await text();
    expect(JSON.parse(renamed).tasks[1].depends_on).toEqual([{ task_key: 'first' }]);

    // Text that does not parse: the form waits, nothing is sent.
    await page.getByLabel('Job settings').fill('{ "name": ');
    await expect.poll(() => dialog.getByTestId('parse-error').textContent()).toContain('not valid YAML or JSON');
    expect(await dialog.getByTestId('job-form').count()).toBe(0);
    await page.getByLabel('Job settings').fill(renamed);
    await expect.poll(() => dialog.getByTestId('job-form').count()).toBe(1);

    // An invalid task: the API's message (with the field path) is shown, and the task it names is marked.
    await dialog.locator('[data-testid="form-task"][data-task="task_2"]').getByLabel('task_2 kind').selectOption('run_job_task');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toMatch(/tasks\[1\]\.run_job_task\.job_id/);
    expect(await dialog.locator('[data-testid="form-task"].invalid').getAttribute('data-task')).toBe('task_2');
    await dialog.locator('[data-testid="form-task"][data-task="task_2"]').getByLabel('task_2 kind').selectOption('sql_task');
    await dialog.getByLabel('task_2 or query').fill('SELECT 42 AS answer');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('form_made_v2');

    const jobId = Number(/#job\/(\d+)/.exec(page.url())![1]);
    const saved = (await h.store.getJob(jobId))!.settings as Record<string, any>;
    expect(saved.tags).toEqual({ team: 'data' });
    expect(saved.max_concurrent_runs).toBe(3);
    expect(saved.schedule).toMatchObject({ quartz_cron_expression: '0 15 3 * * ?', pause_status: 'PAUSED' });
    expect(saved.parameters).toEqual([{ name: 'day', default: 'today' }]);
    expect(saved.email_notifications.on_failure).toEqual(['ops@example.com', 'lead@example.com']);
    expect(saved.tasks.map((t: any) => [t.task_key, t.timeout_seconds ?? null, t.depends_on ?? null])).toEqual([
      ['first', 120, null],
      ['task_2', null, [{ task_key: 'first' }]],
    ]);
    expect(saved.tasks[1].sql_task).toEqual({ query: { query: 'SELECT 42 AS answer' } });
  }, 90_000);

  it('edits a job from its page with jobs/reset, keeping every setting the form does not show (example workspace)', async () => {
    const ids = await loadJobFiles(h.store, EXAMPLES_DIR, Date.now());
    const jobId = ids.get('daily_sales')!;
    const before = (await h.store.getJob(jobId))!.settings as Record<string, any>;
    await page.goto(`${server.base}/#job/${jobId}`);
    await page.getByRole('button', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit job' });
    const gate = dialog.locator('[data-testid="form-task"][data-task="quality_gate"]');
    await expect.poll(() => gate.getByLabel('quality_gate Operator').inputValue()).toBe('LESS_THAN_OR_EQUAL');
    expect(await dialog.locator('[data-testid="form-task"][data-task="per_region"]').getByLabel('per_region Inputs (JSON array or reference)').inputValue()).toBe('["emea", "amer", "apac"]');
    await page.screenshot({ path: join(SHOTS, 'job-form.png') });

    await dialog.locator('[data-testid="form-task"][data-task="report"]').getByLabel('report depends on transform').check();
    await dialog.getByLabel('Email on success').fill('team@example.com');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    const after = (await h.store.getJob(jobId))!.settings as Record<string, any>;
    expect(after.email_notifications.on_success).toEqual(['team@example.com']);
    const report = after.tasks.find((t: any) => t.task_key === 'report');
    expect(report.depends_on.map((d: any) => d.task_key)).toContain('transform');
    // Everything else is as it was: descriptions, retries, the nested for_each task, tags, timeouts.
    // (jobs/get adds format: MULTI_TASK, as Databricks does, so the saved settings carry it.)
    const strip = (s: Record<string, any>) => ({ ...s, format: undefined, email_notifications: undefined, tasks: s.tasks.map((t: any) => (t.task_key === 'report' ? { ...t, depends_on: undefined } : t)) });
    expect(strip(after)).toEqual(strip(before));
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'YAML' }).click();
    await expect.poll(() => page.getByTestId('settings-text').textContent()).toContain('team@example.com');
  }, 60_000);

  it('edits a 150-task job: every page of jobs/get is loaded and saved, dependencies are chips with an input', async () => {
    const tasks = Array.from({ length: 150 }, (_, i) => ({ task_key: `t${i}`, shell_task: { command: `echo ${i}` }, ...(i ? { depends_on: [{ task_key: `t${i - 1}` }] } : {}) }));
    const jobId = await h.createJob({ name: 'wide', tasks });
    await page.goto(`${server.base}/#job/${jobId}`);
    const started = Date.now();
    await page.getByRole('button', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit job' });
    await expect.poll(() => dialog.getByTestId('form-task').count(), { timeout: 30_000 }).toBe(150);
    console.log(`job editor with 150 tasks (2 pages of jobs/get) ready in ${Date.now() - started} ms`);
    const last = dialog.locator('[data-testid="form-task"][data-task="t149"]');
    expect(await last.locator('.dep-chip').allTextContents()).toEqual(['t148 ×']);
    await last.getByLabel('t149 add dependency').fill('nope');
    expect(await last.getByRole('button', { name: 'Add', exact: true }).isDisabled()).toBe(true);
    await last.getByLabel('t149 add dependency').fill('t0');
    await last.getByRole('button', { name: 'Add', exact: true }).click();
    await last.getByRole('button', { name: 't149: remove dependency t148' }).click();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.count(), { timeout: 30_000 }).toBe(0);
    const saved = (await h.store.getJob(jobId))!.settings.tasks!;
    expect(saved).toHaveLength(150);
    expect(saved[149]!.depends_on).toEqual([{ task_key: 't0' }]);
    expect(saved[120]).toEqual(expect.objectContaining({ task_key: 't120', depends_on: [{ task_key: 't119' }] }));
  }, 90_000);
});
