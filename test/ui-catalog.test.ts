import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginLinks } from '../src/api/ui-login.js';
import { loadJobFiles } from '../src/bundle/load-job-files.js';
import { loadPipelineFiles } from '../src/bundle/load-pipeline-files.js';
import { EXAMPLES_DIR } from '../src/cli/server-command.js';
import { loadConfig } from '../src/config/config.js';
import { systemClock } from '../src/domain/clock.js';
import { startWeir, type Weir } from '../src/main.js';
import { startApiServer } from './support/api-server.js';
import { browserSkipReason, buildWebUi, launchBrowser, type WebUi } from './support/browser.js';

const SHOTS = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));

// The catalog pages in a real chromium against a real weir holding the example workspace: its jobs, and the
// example pipeline run once so main.sales has Delta tables with history.
describe.skipIf(!!browserSkipReason)('catalog UI in a real browser', () => {
  let dir = '';
  let web: WebUi | undefined;
  let weir: Weir;
  let server: Awaited<ReturnType<typeof startApiServer>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let pipelineId = '';

  beforeAll(async () => {
    web = await buildWebUi();
    dir = mkdtempSync(join(tmpdir(), 'weir-ui-catalog-'));
    weir = await startWeir(loadConfig({ dataDir: join(dir, 'data'), port: 0, workspaceDir: EXAMPLES_DIR }, {}));
    await loadJobFiles(weir.store, EXAMPLES_DIR, Date.now());
    pipelineId = (await loadPipelineFiles(weir.pipelines, EXAMPLES_DIR)).get('sales_pipeline')!;
    expect((await weir.pipelines.waitForUpdate((await weir.pipelines.startUpdate(pipelineId, {})).update_id)).state).toBe('COMPLETED');
    const token = readFileSync(join(dir, 'data', 'admin-token'), 'utf8').trim();
    const links = new LoginLinks(weir.tokens, systemClock);
    server = await startApiServer({ ...weir, dir, adminToken: token } as never, {
      store: weir.store, runs: weir.runs, executor: weir.executor, tokens: weir.tokens, secrets: weir.secrets,
      catalog: weir.catalog, pipelines: weir.pipelines, statements: weir.statements, loginLinks: links, workspaceDir: EXAMPLES_DIR,
    });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(`${server.base}/login?code=${links.issue()}`);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await weir?.close();
    web?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const rowNames = (attr: string) => page.locator(`tr[${attr}]`).evaluateAll((rows, a) => rows.map((r) => r.getAttribute(a)), attr);

  it('walks catalogs → schemas → tables from the top bar', async () => {
    await page.goto(`${server.base}/#jobs`);
    await page.getByRole('link', { name: 'Catalog', exact: true }).click();
    await expect.poll(() => rowNames('data-catalog')).toEqual(['main']);
    await page.screenshot({ path: join(SHOTS, 'catalog-list.png') });
    await page.getByRole('link', { name: 'main', exact: true }).click();
    await expect.poll(() => rowNames('data-schema')).toEqual(['default', 'sales']);
    await page.getByRole('link', { name: 'sales', exact: true }).click();
    await expect.poll(() => rowNames('data-table')).toEqual(['customers', 'daily_revenue', 'orders', 'orders_raw']);
    expect(await page.locator('tr[data-table="orders"]').textContent()).toContain('Clean orders');
    await page.screenshot({ path: join(SHOTS, 'catalog-tables.png') });
  });

  it('shows a table\'s typed columns and its properties', async () => {
    await page.getByRole('link', { name: 'orders', exact: true }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('main.sales.orders');
    await expect.poll(() => rowNames('data-column')).toEqual(['order_id', 'order_date', 'customer_id', 'product_id', 'quantity', 'unit_price', 'amount', 'status']);
    expect(await page.locator('tr[data-column="order_date"]').textContent()).toContain('date');
    expect(await page.locator('.table-comment').textContent()).toBe('Clean orders');
    await page.screenshot({ path: join(SHOTS, 'catalog-table-columns.png') });
    await page.getByRole('tab', { name: 'Properties' }).click();
    await expect.poll(() => page.locator('.facts').textContent()).toContain(join(dir, 'data', 'warehouse', 'main', 'sales', 'orders'));
    expect(await rowNames('data-property')).toContain('delta.lastUpdateVersion');
  });

  it('previews rows and lists the history with operations and metrics through the SQL warehouse', async () => {
    await page.getByRole('tab', { name: 'Preview' }).click();
    await expect.poll(() => page.locator('.catalog-preview tbody tr').count()).toBe(50);
    expect(await page.locator('.catalog-preview thead').textContent()).toContain('order_id');
    await page.getByRole('tab', { name: 'History' }).click();
    await expect.poll(() => page.locator('tr[data-version]').count()).toBeGreaterThan(0);
    const first = page.locator('tr[data-version="0"]');
    expect(await first.locator('td').nth(2).textContent()).not.toBe('');
    expect(await first.textContent()).toMatch(/numOutputRows: 292/);
    await page.screenshot({ path: join(SHOTS, 'catalog-table-history.png') });
  });

  it('draws lineage with the pipeline between tables, linking to the pipeline and to neighbour tables', async () => {
    await page.getByRole('tab', { name: 'Lineage' }).click();
    const graph = page.getByTestId('lineage-graph');
    await expect.poll(() => graph.locator('[data-lineage-table]').evaluateAll((ns) => ns.map((n) => n.getAttribute('data-lineage-table')).sort())).toEqual(['main.sales.daily_revenue', 'main.sales.orders', 'main.sales.orders_raw']);
    expect(await graph.locator(`[data-lineage-pipeline="${pipelineId}"] a`).first().getAttribute('href')).toBe(`#pipelines/${pipelineId}`);
    expect(await graph.locator('.react-flow__edge').count()).toBe(4);
    // The pipeline engine records column lineage in flow_definition; the tab shows it under the graph.
    await expect.poll(() => page.locator('tr[data-column-lineage="amount"]').textContent()).toBe('amountmain.sales.orders_raw.quantity, main.sales.orders_raw.unit_priceexpression');
    await page.screenshot({ path: join(SHOTS, 'catalog-lineage.png'), fullPage: true });
    await graph.getByRole('link', { name: 'main.sales.orders_raw' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('main.sales.orders_raw');
    await expect.poll(() => page.getByTestId('lineage-graph').locator('[data-lineage-table]').count()).toBe(2);
  });

  it('pages a big schema on the server and names a missing table', async () => {
    await weir.sql.execute(`CREATE SCHEMA main.bulk; ${Array.from({ length: 105 }, (_, i) => `CREATE TABLE main.bulk.t${String(i).padStart(3, '0')} (x INT)`).join(';')}`);
    await page.goto(`${server.base}/#catalog/main/bulk`);
    await expect.poll(() => page.locator('tr[data-table]').count()).toBe(100);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => rowNames('data-table')).toEqual(['t100', 't101', 't102', 't103', 't104']);
    await page.getByRole('button', { name: 'Previous' }).click();
    await expect.poll(() => page.locator('tr[data-table]').first().getAttribute('data-table')).toBe('t000');
    await page.goto(`${server.base}/#catalog/main/bulk/nope`);
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/TABLE_DOES_NOT_EXIST: table main\.bulk\.nope does not exist/);
  }, 60_000);
});
