import { serve, type ServerType } from '@hono/node-server';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
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
import { systemClock } from '../src/domain/clock.js';
import { parseJobSettings } from '../src/domain/parse-job-settings.js';
import { startWeir, type Weir } from '../src/main.js';
import { OperationsSqlStore } from '../src/store/sql/operations-sql-store.js';
import { callApi } from './support/api-server.js';
import { browserSkipReason, buildWebUi, launchBrowser, type WebUi } from './support/browser.js';

const SHOTS = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));

describe.skipIf(!!browserSkipReason)('operations dashboard, SQL editor and run links in a real browser', () => {
  let dir = '';
  let web: WebUi | undefined;
  let weir: Weir;
  let server: ServerType;
  let hook: Server;
  let hookCalls = 0;
  let base = '';
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const ids = new Map<string, number>();

  const createJob = (settings: unknown) => weir.store.createJob({ settings: parseJobSettings(settings), creator_user_name: 'ui@weir', created_time: Date.now(), source_dir: dir });
  const runToEnd = async (jobId: number, o: Parameters<Weir['runs']['runNow']>[1] = {}) => weir.executor.waitForRun((await weir.runs.runNow(jobId, o)).run_id);

  beforeAll(async () => {
    web = await buildWebUi();
    dir = mkdtempSync(join(tmpdir(), 'weir-ui-ops-'));
    // SMTP is left unset on purpose: email deliveries then fail at once, with a message saying what to configure.
    weir = await startWeir(loadConfig({ dataDir: join(dir, 'data'), workspaceDir: dir, port: 0 }, {}));
    hook = createServer((req, res) => {
      hookCalls++;
      req.resume();
      res.end('ok');
    });
    await new Promise<void>((ok) => hook.listen(0, '127.0.0.1', ok));
    const links = new LoginLinks(weir.tokens, systemClock);
    const app = createApiApp({
      store: weir.store, runs: weir.runs, executor: weir.executor, workspaceDir: dir, baseUrl: () => base, tokens: weir.tokens, secrets: weir.secrets,
      loginLinks: links, statements: weir.statements, notifications: weir.notifications, pipelines: weir.pipelines,
      operations: { store: new OperationsSqlStore(weir.store.kysely), clock: systemClock },
    });
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((ok) => (server.listening ? ok() : server.once('listening', () => ok())));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    for (const [name, id] of await loadJobFiles(weir.store, EXAMPLES_DIR, Date.now())) ids.set(name, id);
    // The example job for the screenshots (its outcome is not asserted: see the report on concurrent for_each DELETEs).
    await runToEnd(ids.get('daily_sales')!);
    // A job with a known record: three successes and one failure.
    ids.set('check', await createJob({
      name: 'quick_check',
      parameters: [{ name: 'code', default: '0' }],
      tasks: [{ task_key: 'check', shell_task: { command: 'exit {{job.parameters.code}}' } }],
    }));
    for (const code of ['0', '1', '0', '0']) await runToEnd(ids.get('check')!, { job_parameters: { code } });
    const dest = await callApi(base, 'POST', '/api/2.0/notification-destinations', { token: readFileSync(join(dir, 'data', 'admin-token'), 'utf8').trim(), body: { display_name: 'ops hook', config: { generic_webhook: { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` } } } });
    expect(dest.status).toBe(200);
    ids.set('export', await createJob({
      name: 'nightly_export',
      email_notifications: { on_failure: ['ops@example.com'] },
      webhook_notifications: { on_start: [{ id: dest.body.id }] },
      tasks: [{ task_key: 'export', shell_task: { command: 'echo exporting; echo disk full >&2; exit 4' } }],
    }));
    await runToEnd(ids.get('export')!);
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(`${base}/login?code=${links.issue()}`);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
    await new Promise<void>((ok) => (hook ? hook.close(() => ok()) : ok()));
    await weir?.close();
    web?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the operations dashboard shows success rates, durations, running runs, failures and deliveries', async () => {
    const gate = join(dir, 'gate');
    const waiting = await createJob({ name: 'waits_for_gate', tasks: [{ task_key: 'wait', shell_task: { command: `while [ ! -f '${gate}' ]; do sleep 0.1; done` } }] });
    const held = await weir.runs.runNow(waiting);
    await expect.poll(async () => (await weir.store.getRun(held.run_id))?.life_cycle_state, { timeout: 30_000 }).toBe('RUNNING');
    // Email without SMTP fails at once; the webhook is answered by the local server.
    await expect.poll(() => hookCalls, { timeout: 30_000 }).toBeGreaterThan(0);

    await page.goto(`${base}/#operations`);
    const jobs = page.getByTestId('ops-jobs');
    const row = (job: string) => jobs.locator(`tr[data-job-id="${ids.get(job)}"]`);
    await expect.poll(() => row('check').getByTestId('rate').textContent(), { timeout: 30_000 }).toBe('75.0%');
    expect(await row('check').locator('td').allTextContents()).toEqual(expect.arrayContaining(['quick_check', '4', '1', '0']));
    expect(await row('export').getByTestId('rate').textContent()).toBe('0%');
    expect(await page.getByTestId('tile-success').textContent()).toMatch(/\d+ succeeded, \d+ failed, 0 cancelled of \d+ runs/);
    expect(await page.getByTestId('tile-running').textContent()).toMatch(/Running now1/);
    expect(await page.getByTestId('tile-duration').textContent()).toMatch(/\d+(\.\d)?s \/ \d/);
    const failures = page.getByTestId('ops-failures');
    expect(await failures.locator('tbody tr').count()).toBeGreaterThanOrEqual(2);
    expect(await failures.textContent()).toContain('nightly_export');
    expect(await failures.textContent()).toContain('quick_check');
    await expect.poll(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return page.getByTestId('ops-deliveries').textContent();
    }, { timeout: 30_000 }).toMatch(/EMAIL01.*WEBHOOK1/);
    expect(await page.locator('.ops-failed-deliveries').textContent()).toMatch(/SMTP/i);
    await page.screenshot({ path: join(SHOTS, 'operations.png'), fullPage: true });

    writeFileSync(gate, '');
    await weir.executor.waitForRun(held.run_id);
    await failures.getByRole('link', { name: 'nightly_export' }).click();
    await expect.poll(() => page.getByTestId('run-state').textContent()).toBe('FAILED');
    expect(page.url()).toContain(`#job/${ids.get('export')}/run/`);
  }, 90_000);

  it('the SQL editor runs statements, pages the rows, honours the row limit and points at errors', async () => {
    await page.goto(`${base}/#sql`);
    const editor = page.getByLabel('SQL statement');
    await editor.fill('SELECT id, id * 2 AS twice, CAST(NULL AS STRING) AS nothing FROM range(250)');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const summary = page.getByTestId('sql-result-summary');
    await expect.poll(() => summary.textContent(), { timeout: 30_000 }).toMatch(/^250 rows · /);
    const table = page.getByTestId('sql-result').locator('table');
    expect(await table.locator('thead th').allTextContents()).toEqual(['#', 'id BIGINT', 'twice BIGINT', 'nothing STRING']);
    expect(await table.locator('tbody tr').count()).toBe(100);
    expect(await table.locator('tbody tr').first().textContent()).toBe('100null');
    await page.getByTestId('sql-result').getByRole('button', { name: 'Next' }).click();
    expect(await table.locator('tbody tr').first().textContent()).toBe('101100200null');
    expect(await page.getByTestId('sql-result').textContent()).toContain('rows 101–200 of 250');

    await page.getByLabel('Row limit').selectOption('100');
    await editor.press('Control+Enter');
    await expect.poll(() => summary.textContent(), { timeout: 30_000 }).toMatch(/^100 rows \(truncated at the row limit\)/);

    await editor.fill('SELECT 1 AS a,\n  nosuchfn(2) AS b');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => page.getByTestId('sql-error').textContent(), { timeout: 30_000 }).toContain('nosuchfn');
    expect(await page.getByTestId('sql-error-position').textContent()).toContain('At line 2, column 3');
    await page.getByRole('button', { name: 'Go to position' }).click();
    expect(await editor.evaluate((e: HTMLTextAreaElement) => e.selectionStart)).toBe('SELECT 1 AS a,\n  '.length);

    await editor.fill('SELECT *\nFROM no_such_table');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => page.getByTestId('sql-error').textContent(), { timeout: 30_000 }).toContain('no_such_table');
    expect(await page.getByTestId('sql-error-position').textContent()).toContain('At line 2, column 6');

    // The example workspace's silver table (written by the daily_sales run in beforeAll).
    await editor.fill('SELECT region, count(*) AS orders, round(sum(amount), 2) AS revenue\nFROM silver_orders\nGROUP BY region\nORDER BY revenue DESC');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => summary.textContent(), { timeout: 30_000 }).toMatch(/^3 rows/);
    expect((await table.locator('tbody td:nth-child(2)').allTextContents()).sort()).toEqual(['amer', 'apac', 'emea']);
    await page.screenshot({ path: join(SHOTS, 'sql-editor.png') });
  }, 90_000);

  it('the run page lists for_each iterations with input and state, opens one, and links run_job children', async () => {
    const fanOut = await createJob({
      name: 'fan_out',
      tasks: [{ task_key: 'each', for_each_task: { inputs: '["a","b","c"]', concurrency: 2, task: { task_key: 'one', shell_task: { command: 'echo item-{{input}}; test {{input}} != b' } } } }],
    });
    const fanRun = await runToEnd(fanOut);
    await page.goto(`${base}/#job/${fanOut}/run/${fanRun.run_id}`);
    await page.getByTestId('gantt').getByRole('button', { name: 'each' }).click();
    const list = page.getByTestId('iteration-list');
    await expect.poll(() => list.locator('tbody tr').count(), { timeout: 30_000 }).toBe(3);
    expect(await list.locator('tbody tr td:nth-child(2)').allTextContents()).toEqual(['"a"', '"b"', '"c"']);
    expect(await list.locator('tbody tr td:nth-child(3)').allTextContents()).toEqual(['SUCCESS', 'FAILED', 'SUCCESS']);
    await list.locator('tr[data-iteration="1"]').getByRole('button', { name: 'Output and logs' }).click();
    const detail = page.locator('[data-testid="task-detail"][data-task="each[1]"]');
    await expect.poll(() => detail.getByTestId('task-log').textContent(), { timeout: 30_000 }).toContain('item-b');
    expect(await detail.getByTestId('task-error').textContent()).toContain('exited with code 1');

    const child = await createJob({ name: 'child_job', tasks: [{ task_key: 'hello', shell_task: { command: 'echo from-child' } }] });
    const parent = await createJob({ name: 'parent_job', tasks: [{ task_key: 'call_child', run_job_task: { job_id: child } }] });
    const parentRun = await runToEnd(parent);
    await page.goto(`${base}/#job/${parent}/run/${parentRun.run_id}`);
    await page.getByTestId('gantt').getByRole('button', { name: 'call_child' }).click();
    await page.getByTestId('child-run').getByRole('link').click();
    await expect.poll(() => page.locator('h1').textContent(), { timeout: 30_000 }).toContain('child_job');
    expect(await page.locator('.facts').textContent()).toContain(`from run ${parentRun.run_id}`);
  }, 90_000);
});
