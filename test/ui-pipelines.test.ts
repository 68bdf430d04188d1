import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginLinks } from '../src/api/ui-login.js';
import { loadPipelineFiles } from '../src/bundle/load-pipeline-files.js';
import { EXAMPLES_DIR } from '../src/cli/server-command.js';
import { systemClock } from '../src/domain/clock.js';
import { DuckDbWarehouse } from '../src/engine/duckdb-warehouse.js';
import type { PipelineService } from '../src/pipelines/pipeline-service.js';
import { startPipelines } from '../src/start-pipelines.js';
import { callApi, startApiServer } from './support/api-server.js';
import { browserSkipReason, buildWebUi, launchBrowser, type WebUi } from './support/browser.js';
import { startHarness, type Harness } from './support/weir-harness.js';

const SHOTS = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const ORDERS = 'main.sales.orders';
const BIG_DATASETS = 300;
const BIG_UPDATES = 200;
/** Of the updates, the newest this many ran every flow (the others failed at once). */
const BIG_FULL_UPDATES = 20;

type NewEvent = Parameters<PipelineService['store']['appendEvents']>[0][number];

/** The events of one update of a 300-dataset pipeline: definitions, then RUNNING and COMPLETED per flow (every 3rd with an expectation). */
function bigUpdateEvents(pipelineId: string, updateId: string, t: number, full: boolean): NewEvent[] {
  const base = (n: number, event_type: string, message: string, origin: Record<string, unknown>, details: Record<string, unknown>): NewEvent => ({
    id: randomUUID(), pipeline_id: pipelineId, update_id: updateId, timestamp: t + n, level: 'INFO', event_type, message, origin: { pipeline_id: pipelineId, update_id: updateId, ...origin }, details,
  });
  const ids = Array.from({ length: BIG_DATASETS }, (_, i) => `main.big.t${i}`);
  const progress = (state: string, n: number) => base(n, 'update_progress', `Update is ${state}.`, {}, { update_progress: { state } });
  if (!full) return [progress('INITIALIZING', 0), progress('FAILED', 900)];
  const inputs = (i: number) => (i < 10 ? [] : [ids[i - 10], ...(i % 7 === 0 ? [ids[i - 3]] : [])]);
  return [
    progress('INITIALIZING', 0),
    ...ids.map((id, i) => base(1, 'dataset_definition', '', { dataset_name: id }, { dataset_definition: { dataset_type: i < 10 ? 'STREAMING_TABLE' : 'MATERIALIZED_VIEW', expectations: i % 3 ? [] : [{ name: `check_${i}`, expression: 'n > 0', action: 'DROP' }] } })),
    ...ids.map((id, i) => base(2, 'flow_definition', '', { dataset_name: id, flow_name: id }, { flow_definition: { output_dataset: id, input_datasets: inputs(i) } })),
    ...ids.flatMap((id, i) => [
      base(3 + i, 'flow_progress', `Flow '${id}' is RUNNING.`, { dataset_name: id, flow_name: id }, { flow_progress: { status: 'RUNNING' } }),
      base(4 + i, 'flow_progress', `Flow '${id}' is COMPLETED.`, { dataset_name: id, flow_name: id }, {
        flow_progress: { status: 'COMPLETED', metrics: { num_output_rows: 1000 - (i % 3 ? 0 : 10) }, data_quality: { dropped_records: i % 3 ? 0 : 10, expectations: i % 3 ? [] : [{ name: `check_${i}`, dataset: id, passed_records: 1000, failed_records: 10 }] } },
      }),
    ]),
    progress('COMPLETED', 2000),
  ];
}

describe.skipIf(!!browserSkipReason)('Pipelines pages in a real browser', () => {
  let h: Harness;
  let web: WebUi | undefined;
  let warehouse: DuckDbWarehouse;
  let pipelines: PipelineService;
  let server: Awaited<ReturnType<typeof startApiServer>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let salesId = '';

  beforeAll(async () => {
    web = await buildWebUi();
    h = await startHarness();
    mkdirSync(join(h.dir, 'p'), { recursive: true });
    warehouse = await DuckDbWarehouse.open(':memory:');
    pipelines = await startPipelines(h.store, warehouse, systemClock, h.dir);
    const links = new LoginLinks(h.tokens, systemClock);
    server = await startApiServer(h, { loginLinks: links, pipelines });
    // The example workspace's pipeline, as `weir server --examples` loads it (its tables go to the harness folder).
    salesId = (await loadPipelineFiles(pipelines, EXAMPLES_DIR)).get('sales_pipeline')!;
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(`${server.base}/login?code=${links.issue()}`);
  }, 120_000);

  afterAll(async () => {
    web?.remove();
    await browser?.close();
    await server?.close();
    await pipelines?.close();
    await warehouse?.close();
    await h?.close();
  });

  const node = (dataset: string) => page.locator(`.react-flow__node [data-dataset="${dataset}"]`);
  const updateState = () => page.getByTestId('update-state').textContent();
  /** Clicks what starts an update, waits for the page to move to the new update, then for it to end in `state`. */
  const runs = async (click: () => Promise<void>, state = 'COMPLETED') => {
    const before = await page.evaluate(() => location.hash);
    await click();
    await expect.poll(() => page.evaluate(() => location.hash)).not.toBe(before);
    await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/\/update\/[0-9a-f-]{36}$/);
    // The page shows the new update (not the previous one's facts, still on screen while it loads).
    const id = (await page.evaluate(() => location.hash)).split('/').at(-1);
    await expect.poll(() => page.getByTestId('update-facts').getAttribute('data-update-id')).toBe(id);
    await finished(state);
  };
  const finished = async (state = 'COMPLETED') => {
    await expect.poll(updateState, { timeout: 60_000 }).toBe(state);
    // The actions come back once the pipeline is IDLE again.
    await expect.poll(() => page.getByTestId('pipeline-state').textContent(), { timeout: 30_000 }).toBe('IDLE');
  };

  it('starts an update of the example pipeline and reads its expectation metrics on the graph', async () => {
    await page.goto(`${server.base}/#pipelines`);
    const row = page.locator(`tr[data-pipeline-id="${salesId}"]`);
    await expect.poll(() => row.getByTestId('last-update').textContent()).toBe('never run');
    await row.getByRole('link', { name: 'sales_pipeline' }).click();
    await expect.poll(() => page.getByTestId('no-updates').isVisible()).toBe(true);
    await runs(() => page.getByRole('button', { name: 'Start update' }).click());
    expect(await page.evaluate(() => location.hash)).toMatch(new RegExp(`^#pipelines/${salesId}/update/[0-9a-f-]{36}$`));

    await expect.poll(() => page.locator('.react-flow__node').count()).toBe(4);
    // React Flow draws edges only after it has measured the nodes, a frame or more later (CI read 0 here once).
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
    // orders: 300 raw rows, 8 dropped by valid_quantity (DROP ROW), 31 warned about by known_status (269 of 300 passed).
    const orders = node(ORDERS);
    expect(await orders.getAttribute('data-status')).toBe('COMPLETED');
    expect(await orders.getByTestId('written').textContent()).toBe('292 written');
    expect(await orders.getByTestId('dropped').textContent()).toContain('8 dropped');
    expect(await orders.getByTestId('expectation-badge').textContent()).toContain('89.7%');
    expect(await node('main.sales.orders_raw').getByTestId('written').textContent()).toBe('300 written');
    expect(await node('main.sales.orders_raw').getByTestId('dropped').count()).toBe(0);
    expect(await node('main.sales.daily_revenue').textContent()).toContain('materialized view');
    expect(await node('main.sales.customers').getByTestId('expectation-badge').count()).toBe(0);

    await orders.click();
    const detail = page.getByTestId('dataset-detail');
    const cells = (name: string) => detail.locator(`tr[data-expectation="${name}"] td`).allTextContents();
    await expect.poll(() => cells('valid_quantity')).toEqual([expect.stringContaining('quantity >= ${min_quantity}'), 'DROP ROW', '292', '8', '97.3%']);
    expect(await cells('known_status')).toEqual([expect.stringContaining("status IN ('complete'"), 'WARN', '269', '31', '89.7%']);
    expect(await detail.textContent()).toContain('292 rows written, 8 dropped');
    await page.screenshot({ path: join(SHOTS, 'pipeline-graph.png'), fullPage: true });
  }, 120_000);

  it('refreshes selected tables and refreshes all fully; shows the history with durations and the quality chart', async () => {
    await page.goto(`${server.base}/#pipelines/${salesId}`);
    await expect.poll(() => page.locator('.react-flow__node').count()).toBe(4);
    await page.getByRole('button', { name: 'Refresh selected tables' }).click();
    const dialog = page.getByRole('dialog', { name: 'Refresh selected tables' });
    // The four tables (the pipeline has no views) and the full-refresh switch.
    expect(await dialog.getByRole('checkbox').count()).toBe(5);
    await dialog.getByRole('checkbox', { name: 'daily_revenue' }).check();
    await runs(() => dialog.getByRole('button', { name: 'Refresh 1 table' }).click());
    expect(await page.getByTestId('update-kind').textContent()).toBe('Refresh: daily_revenue');
    await expect.poll(() => node('main.sales.orders_raw').getAttribute('data-status')).toBe('EXCLUDED');
    // Its input (orders) is at the version of the last refresh, so the materialized view is not recomputed: the graph says why.
    expect(await node('main.sales.daily_revenue').getAttribute('data-status')).toBe('SKIPPED');
    await node('main.sales.daily_revenue').click();
    await expect.poll(() => page.getByTestId('dataset-note').textContent()).toBe('its inputs have not changed since the last refresh');
    const selectionUpdate = (await pipelines.store.listUpdates(salesId, { offset: 0, limit: 1 })).updates[0];
    expect(selectionUpdate.refresh_selection).toEqual(['main.sales.daily_revenue']);

    await page.getByRole('button', { name: 'Full refresh all' }).click();
    await runs(() => page.getByRole('button', { name: 'Confirm full refresh' }).click());
    expect(await page.getByTestId('update-kind').textContent()).toBe('Full refresh');
    // A full refresh forgets the checkpoints: the same files are read again, with the same expectation results.
    await expect.poll(() => node(ORDERS).getByTestId('written').textContent()).toBe('292 written');

    const kinds = (await pipelines.store.listUpdates(salesId, { offset: 0, limit: 10 })).updates.map((u) => [u.full_refresh, u.refresh_selection]);
    expect(kinds).toEqual([[true, []], [false, ['main.sales.daily_revenue']], [false, []]]);

    await page.getByRole('tab', { name: 'Updates' }).click();
    const rows = page.getByTestId('updates').locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.locator('td:last-child').allTextContents()).toEqual(['Full refresh', 'Refresh: daily_revenue', 'Update']);
    for (const d of await page.getByTestId('duration').allTextContents()) expect(d).toMatch(/^\d+\.\ds$/);
    await page.screenshot({ path: join(SHOTS, 'pipeline-updates.png'), fullPage: true });

    await page.getByRole('tab', { name: 'Data quality' }).click();
    const chart = (name: string) => page.locator(`[data-testid="expectation-chart"][data-expectation="${ORDERS}.${name}"]`);
    await expect.poll(() => page.getByTestId('expectation-chart').count()).toBe(2);
    // Two of the three updates wrote orders (the first and the full refresh); the refresh of daily_revenue did not check them.
    const bars = chart('valid_quantity').getByTestId('dq-bar');
    expect(await bars.count()).toBe(2);
    for (const b of await bars.all()) expect([await b.getAttribute('data-passed'), await b.getAttribute('data-failed')]).toEqual(['292', '8']);
    expect(await chart('valid_quantity').getByTestId('latest-rate').textContent()).toBe('latest 97.3%');
    expect(await chart('known_status').getByTestId('latest-rate').textContent()).toBe('latest 89.7%');
    await page.screenshot({ path: join(SHOTS, 'pipeline-quality.png'), fullPage: true });

    await page.goto(`${server.base}/#pipelines`);
    const row = page.locator(`tr[data-pipeline-id="${salesId}"]`);
    await expect.poll(() => row.locator('.dot').count()).toBe(3);
    expect(await row.getByTestId('last-update').textContent()).toContain('COMPLETED');
    await page.screenshot({ path: join(SHOTS, 'pipeline-list.png') });
  }, 180_000);

  it('validates, shows a failed update with its error and filters the event log', async () => {
    writeFileSync(join(h.dir, 'p', 'strict.sql'), 'CREATE OR REFRESH MATERIALIZED VIEW checked (CONSTRAINT above_two EXPECT (n > 2) ON VIOLATION FAIL UPDATE) AS SELECT id AS n FROM range(5);\n');
    const created = await callApi(server.base, 'POST', '/api/2.0/pipelines', { token: h.adminToken, body: { name: 'strict_pipeline', catalog: 'main', schema: 'strict', libraries: [{ file: { path: 'p/strict.sql' } }] } });
    const id = created.body.pipeline_id as string;

    await page.goto(`${server.base}/#pipelines`);
    await page.getByLabel('Search pipelines by name').fill('strict');
    await expect.poll(() => page.getByTestId('pipelines').locator('tbody tr').count()).toBe(1);
    await page.getByLabel('Search pipelines by name').fill('no-such-pipeline');
    await expect.poll(() => page.getByTestId('pipelines').textContent()).toContain('No pipeline has "no-such-pipeline" in its name.');
    await page.getByLabel('Search pipelines by name').fill('strict');
    await page.getByRole('link', { name: 'strict_pipeline' }).click();
    // Validation binds the queries without evaluating expectations, so it passes; the update then fails on above_two.
    await runs(() => page.getByRole('button', { name: 'Validate' }).click());
    expect(await page.getByTestId('update-kind').textContent()).toBe('Validate');
    await runs(() => page.getByRole('button', { name: 'Start update' }).click(), 'FAILED');
    await expect.poll(() => page.getByTestId('update-errors').textContent()).toContain('above_two');
    expect(await node('main.strict.checked').getAttribute('data-status')).toBe('FAILED');

    await page.getByRole('tab', { name: 'Event log' }).click();
    const log = page.getByTestId('event-log');
    const levels = () => log.locator('tbody tr.pl-event').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-level')));
    await expect.poll(levels).toContain('INFO');
    await log.getByRole('checkbox', { name: 'INFO' }).uncheck();
    await expect.poll(async () => [...new Set(await levels())].sort()).toEqual(['ERROR']);
    await log.getByLabel('Event type').selectOption('flow_progress');
    await expect.poll(() => log.locator('tbody tr.pl-event').count()).toBe(1);
    await log.locator('tbody tr.pl-event').click();
    await expect.poll(() => log.getByTestId('event-details').textContent()).toContain('"status": "FAILED"');
    expect(await log.locator('.trace').textContent()).toContain('above_two');
    await log.getByRole('checkbox', { name: 'INFO' }).check();
    await log.getByRole('checkbox', { name: 'ERROR' }).uncheck();
    await expect.poll(() => log.locator('tbody tr.pl-event').evaluateAll((rows) => rows.map((r) => r.textContent))).toEqual([expect.stringContaining('is RUNNING')]);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    await page.goto(`${server.base}/#pipelines/${salesId}`);
    await page.getByRole('tab', { name: 'Event log' }).click();
    await log.getByLabel('Event type').selectOption('flow_progress');
    await log.getByRole('checkbox', { name: 'Only update' }).uncheck();
    await expect.poll(() => log.locator('tbody tr.pl-event').count()).toBeGreaterThan(8);
    await log.locator(`tbody tr.pl-event:has-text("orders' is COMPLETED")`).first().click();
    await expect.poll(() => log.getByTestId('event-details').textContent()).toContain('"dropped_records": 8');
    await page.screenshot({ path: join(SHOTS, 'pipeline-events.png'), fullPage: true });
  }, 120_000);

  it('follows a continuous update live and stops it', async () => {
    mkdirSync(join(h.dir, 'in'), { recursive: true });
    writeFileSync(join(h.dir, 'in', 'a.csv'), 'id,v\n1,x\n2,y\n');
    writeFileSync(join(h.dir, 'p', 'live.sql'), "CREATE OR REFRESH STREAMING TABLE landed AS SELECT * FROM STREAM read_files('in/*.csv', format => 'csv', header => true);\n");
    const body = { name: 'live_pipeline', catalog: 'main', schema: 'live', continuous: true, configuration: { 'pipelines.trigger.interval': '300 ms' }, libraries: [{ file: { path: 'p/live.sql' } }] };
    const id = (await callApi(server.base, 'POST', '/api/2.0/pipelines', { token: h.adminToken, body })).body.pipeline_id as string;
    await page.goto(`${server.base}/#pipelines/${id}`);
    await page.getByRole('button', { name: 'Start update' }).click();
    await expect.poll(updateState, { timeout: 60_000 }).toBe('RUNNING');
    const landed = node('main.live.landed').getByTestId('written');
    await expect.poll(() => landed.textContent(), { timeout: 30_000 }).toBe('2 written');
    expect(await page.getByRole('button', { name: 'Start update' }).isDisabled()).toBe(true);
    // A file landing while the update runs is picked up by the next micro-batch; the graph adds it up as it polls.
    writeFileSync(join(h.dir, 'in', 'b.csv'), 'id,v\n3,z\n4,w\n5,q\n');
    await expect.poll(() => landed.textContent(), { timeout: 30_000 }).toBe('5 written');
    await page.getByRole('button', { name: 'Stop' }).click();
    await finished('CANCELED');
    expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0);
  }, 120_000);

  it(`stays responsive with ${BIG_DATASETS} datasets and ${BIG_UPDATES} updates (numbers printed)`, async () => {
    // Updates and events stored directly (the executor would take minutes to run 300 flows 20 times on 2 cores).
    const id = (await pipelines.create({ name: 'big_pipeline', libraries: [{ file: { path: 'p/strict.sql' } }] }, { sourceDir: h.dir })).pipeline_id;
    const t0 = Date.UTC(2026, 0, 1);
    let latest = '';
    for (let i = 0; i < BIG_UPDATES; i++) {
      latest = randomUUID();
      const t = t0 + i * 60_000;
      const full = i >= BIG_UPDATES - BIG_FULL_UPDATES;
      await pipelines.store.createUpdate({ update_id: latest, pipeline_id: id, state: full ? 'COMPLETED' : 'FAILED', cause: 'API_CALL', creation_time: t, end_time: t + 2000, full_refresh: false, refresh_selection: [], full_refresh_selection: [], validate_only: false, parameters: {}, config: { name: 'big_pipeline' } });
      await pipelines.store.appendEvents(bigUpdateEvents(id, latest, t, full));
    }
    const timeUntil = async (url: string, ready: () => Promise<boolean>) => {
      await page.goto('about:blank');
      const start = performance.now();
      await page.goto(url);
      await expect.poll(ready, { timeout: 60_000, interval: 20 }).toBe(true);
      return performance.now() - start;
    };
    const graphMs = await timeUntil(`${server.base}/#pipelines/${id}`, async () => (await page.locator('.react-flow__node').count()) === BIG_DATASETS);
    const layoutMs = await page.evaluate(() => (window as unknown as { __weirPipelineLayoutMs: number }).__weirPipelineLayoutMs);
    expect(await node('main.big.t297').getByTestId('expectation-badge').textContent()).toContain('99.0%');
    await page.getByRole('tab', { name: 'Updates' }).click();
    let start = performance.now();
    await expect.poll(() => page.getByTestId('updates').locator('tbody tr').count(), { timeout: 60_000, interval: 20 }).toBe(25);
    const updatesMs = performance.now() - start;
    expect((await page.getByTestId('duration').allTextContents())[0]).toBe('2.0s');
    await page.getByRole('tab', { name: 'Data quality' }).click();
    start = performance.now();
    await expect.poll(() => page.getByTestId('expectation-chart').count(), { timeout: 60_000, interval: 20 }).toBe(BIG_DATASETS / 3);
    const qualityMs = performance.now() - start;
    expect(await page.locator('[data-expectation="main.big.t0.check_0"]').getByTestId('dq-bar').count()).toBe(BIG_FULL_UPDATES);
    await page.getByRole('tab', { name: 'Event log' }).click();
    start = performance.now();
    await expect.poll(() => page.getByTestId('event-log').locator('tbody tr.pl-event').count(), { timeout: 60_000, interval: 20 }).toBe(50);
    const eventsMs = performance.now() - start;
    console.log(`[ui-pipelines scale] ${BIG_DATASETS} datasets, ${BIG_UPDATES} updates: graph ${graphMs.toFixed(0)} ms (page load, ${BIG_DATASETS * 4 + 2} events, ELK layout ${layoutMs.toFixed(0)} ms, render), updates page ${updatesMs.toFixed(0)} ms, data quality over ${BIG_FULL_UPDATES} updates ${qualityMs.toFixed(0)} ms, event log page ${eventsMs.toFixed(0)} ms`);
    expect(latest).toBeTruthy();
  }, 180_000);
});
