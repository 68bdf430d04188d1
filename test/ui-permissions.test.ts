import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadJobFiles } from '../src/bundle/load-job-files.js';
import { EXAMPLES_DIR } from '../src/cli/server-command.js';
import { SESSION_COOKIE } from '../src/api/auth.js';
import { callApi, startApiServer } from './support/api-server.js';
import { browserSkipReason, buildWebUi, launchBrowser, type WebUi } from './support/browser.js';
import { sh, startHarness, type Harness } from './support/weir-harness.js';

const SHOTS = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));

// The UI offers only what the signed-in user's level allows: carol has CAN_VIEW, dave CAN_MANAGE_RUN on the
// example job and on a slow job; the admin manages both. Each user signs in with its own token (session cookie).
describe.skipIf(!!browserSkipReason)('web UI: job permissions in a real browser', () => {
  let h: Harness;
  let web: WebUi | undefined;
  let server: Awaited<ReturnType<typeof startApiServer>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const tok: Record<string, string> = {};
  let jobId = 0;
  let slowId = 0;
  let doneRun = 0;
  let activeRun = 0;

  const grant = (id: number, user: string, level: string) =>
    callApi(server.base, 'PATCH', `/api/2.0/permissions/jobs/${id}`, { token: h.adminToken, body: { access_control_list: [{ user_name: user, permission_level: level }] } });

  /** Signs in as `user` (its token as the session cookie) and opens `hash`, waiting for the page's permission lookup. */
  async function openAs(user: string, hash: string, o: { lookup: boolean } = { lookup: true }): Promise<void> {
    await page.context().clearCookies();
    await page.context().addCookies([{ name: SESSION_COOKIE, value: tok[user]!, url: server.base }]);
    const looked = o.lookup ? page.waitForResponse((r) => r.url().includes('/weir/permissions/jobs/me') && r.status() === 200) : undefined;
    await page.goto(`${server.base}/${hash}`);
    await page.reload();
    await looked;
  }
  const buttons = (name: string) => page.getByRole('button', { name, exact: true });
  /** The level the page rendered with (data-permission on its head), once the lookup has been applied. */
  const pageLevel = () => page.locator('.page-head').getAttribute('data-permission');

  beforeAll(async () => {
    web = await buildWebUi();
    h = await startHarness({ catalog: true });
    server = await startApiServer(h);
    tok.admin = h.adminToken;
    for (const u of ['bob', 'carol', 'dave']) tok[u] = (await h.tokens.create(u)).token_value;
    jobId = (await loadJobFiles(h.store, EXAMPLES_DIR, Date.now())).get('daily_sales')!;
    slowId = (await callApi(server.base, 'POST', '/api/2.2/jobs/create', { token: h.adminToken, body: { name: 'slow', tasks: [sh('wait', 'sleep 60')] } })).body.job_id;
    for (const id of [jobId, slowId]) {
      await grant(id, 'carol', 'CAN_VIEW');
      await grant(id, 'dave', 'CAN_MANAGE_RUN');
    }
    doneRun = (await h.runJob(jobId)).run.run_id;
    activeRun = (await h.runs.runNow(slowId)).run_id;
    browser = await launchBrowser();
    page = await browser.context.newPage();
  }, 180_000);

  afterAll(async () => {
    if (activeRun) await h.executor.cancelRun(activeRun).catch(() => undefined);
    web?.remove();
    await browser?.close();
    await server?.close();
    await h?.close();
  });

  it('a CAN_VIEW user sees the jobs but no Run now, Pause, Edit or Delete, and no Cancel or Repair', async () => {
    await openAs('carol', '#jobs');
    const row = page.locator(`tr[data-job-id="${jobId}"]`);
    await expect.poll(() => row.count()).toBe(1);
    await expect.poll(() => page.locator('table.jobs').getAttribute('data-permissions')).toBe('loaded');
    expect(await row.getByRole('button').count()).toBe(0);

    await openAs('carol', `#job/${jobId}`);
    await expect.poll(pageLevel).toBe('CAN_VIEW');
    expect(await buttons('Run now').count()).toBe(0);
    expect(await buttons('Edit').count()).toBe(0);
    await page.getByRole('tab', { name: 'Permissions' }).click();
    await expect.poll(() => page.locator('tr[data-principal="carol"]').textContent()).toContain('CAN_VIEW');
    expect(await page.locator('.job-permissions select').count()).toBe(0);

    await openAs('carol', `#job/${slowId}/run/${activeRun}`);
    await expect.poll(() => page.getByTestId('run-state').textContent()).toMatch(/Running|Pending|Queued/i);
    await expect.poll(pageLevel).toBe('CAN_VIEW');
    expect(await buttons('Cancel run').count()).toBe(0);
    await openAs('carol', `#job/${jobId}/run/${doneRun}`);
    await expect.poll(() => page.getByTestId('run-state').textContent()).toMatch(/Succeeded|Success/i);
    await expect.poll(pageLevel).toBe('CAN_VIEW');
    expect(await buttons('Repair run').count()).toBe(0);
  }, 60_000);

  it('a CAN_MANAGE_RUN user sees Run now, Cancel and Repair but not Edit, Pause or Delete', async () => {
    await openAs('dave', '#jobs');
    const row = page.locator(`tr[data-job-id="${jobId}"]`);
    await expect.poll(() => row.getByRole('button', { name: 'Run now' }).count()).toBe(1);
    expect(await row.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    expect(await row.getByRole('button', { name: /^(Pause|Unpause)$/ }).count()).toBe(0);

    await openAs('dave', `#job/${jobId}`);
    await expect.poll(() => buttons('Run now').count()).toBe(1);
    expect(await pageLevel()).toBe('CAN_MANAGE_RUN');
    expect(await buttons('Edit').count()).toBe(0);

    await openAs('dave', `#job/${jobId}/run/${doneRun}`);
    await expect.poll(() => buttons('Repair run').count()).toBe(1);
    await openAs('dave', `#job/${slowId}/run/${activeRun}`);
    await expect.poll(() => buttons('Cancel run').count()).toBe(1);
  }, 60_000);

  it('a user without permission does not see the job; the admin edits the permissions tab (screenshot)', async () => {
    // bob sees no job, so the list asks for no levels.
    await openAs('bob', '#jobs', { lookup: false });
    await expect.poll(() => page.locator('table.jobs tbody tr').first().textContent()).toMatch(/No jobs yet/);
    expect(await page.locator(`tr[data-job-id="${jobId}"]`).count()).toBe(0);

    await openAs('admin', `#job/${jobId}`);
    await expect.poll(() => buttons('Edit').count()).toBe(1);
    await page.getByRole('tab', { name: 'Permissions' }).click();
    await page.getByLabel('Principal name').fill('bob');
    await page.getByLabel('New permission').selectOption('CAN_VIEW');
    await page.getByRole('button', { name: 'Grant' }).click();
    await expect.poll(() => page.locator('tr[data-principal="bob"] select').inputValue()).toBe('CAN_VIEW');
    await page.screenshot({ path: join(SHOTS, 'job-permissions.png') });
    const acl = await callApi(server.base, 'GET', `/api/2.0/permissions/jobs/${jobId}`, { token: tok.bob });
    expect(acl.status).toBe(200);
  }, 60_000);
});
