import { WorkspaceClient } from '@databricks/sdk-experimental';
import { serve, type ServerType } from '@hono/node-server';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp } from '../src/api/app.js';
import { loadConfig } from '../src/config/config.js';
import { startWeir, type Weir } from '../src/main.js';

let dir: string;
let weir: Weir;
let server: ServerType;
let base = '';
let token = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-sqlapi-'));
  weir = await startWeir(loadConfig({ dataDir: join(dir, 'data'), port: 0 }, {}));
  const app = createApiApp({ store: weir.store, runs: weir.runs, executor: weir.executor, workspaceDir: dir, baseUrl: () => base, tokens: weir.tokens, secrets: weir.secrets, pipelines: weir.pipelines, statements: weir.statements });
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((ok) => (server.listening ? ok() : server.once('listening', () => ok())));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  token = readFileSync(join(dir, 'data', 'admin-token'), 'utf8').trim();
});
afterAll(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
  await weir.close();
  rmSync(dir, { recursive: true, force: true });
});

const client = () => new WorkspaceClient({ host: base, token, authType: 'pat' });

describe('SQL Statement Execution API with the official JS SDK', () => {
  it('lists one warehouse and runs statements with :name parameters, answering INLINE JSON_ARRAY rows', async () => {
    const w = client();
    const warehouses = [];
    for await (const wh of w.warehouses.list({})) warehouses.push(wh);
    expect(warehouses.map((x) => x.id)).toEqual(['weir']);
    await w.statementExecution.executeStatement({ warehouse_id: 'weir', statement: `CREATE SCHEMA sales; CREATE TABLE main.sales.orders AS SELECT * FROM (VALUES (1, 'eu', 10.5), (2, 'us', 4.0), (3, 'eu', 1.0)) AS t(id, region, amount)`, wait_timeout: '30s' });
    const r = await w.statementExecution.executeStatement({
      warehouse_id: 'weir',
      catalog: 'main',
      schema: 'sales',
      statement: 'SELECT region, count(*) AS n, sum(amount) AS total, CAST(NULL AS STRING) AS nothing FROM orders WHERE region = :region AND id >= :min_id GROUP BY region',
      parameters: [{ name: 'region', value: 'eu' }, { name: 'min_id', value: '1', type: 'INT' }],
      wait_timeout: '10s',
    });
    expect(r.status?.state).toBe('SUCCEEDED');
    expect(r.manifest?.format).toBe('JSON_ARRAY');
    expect(r.manifest?.schema?.column_count).toBe(4);
    expect(r.manifest?.schema?.columns?.map((c) => [c.name, c.type_name, c.position])).toEqual([['region', 'STRING', 0], ['n', 'LONG', 1], ['total', 'DECIMAL', 2], ['nothing', 'STRING', 3]]);
    expect(r.manifest?.total_row_count).toBe(1);
    expect(r.result?.data_array).toEqual([['eu', '2', '11.5', null]]);
  });

  it('runs a statement asynchronously (wait_timeout 0s) and reports it by GET until it ends', async () => {
    const w = client();
    const started = await w.statementExecution.executeStatement({ warehouse_id: 'weir', statement: 'SELECT count(*) AS n FROM range(3000000) a, range(20) b', wait_timeout: '0s' });
    expect(['PENDING', 'RUNNING', 'SUCCEEDED']).toContain(started.status?.state);
    let got = started;
    while (got.status?.state === 'PENDING' || got.status?.state === 'RUNNING') {
      await new Promise((r) => setTimeout(r, 50));
      got = await w.statementExecution.getStatement({ statement_id: started.statement_id! });
    }
    expect(got.statement_id).toBe(started.statement_id);
    expect(got.status?.state).toBe('SUCCEEDED');
    expect(got.result?.data_array).toEqual([['60000000']]);
  });

  it('reports failures in status.error, cancels, and answers 404 for unknown statements', async () => {
    const w = client();
    const failed = await w.statementExecution.executeStatement({ warehouse_id: 'weir', statement: 'SELECT * FROM main.sales.nope', wait_timeout: '5s' });
    expect(failed.status?.state).toBe('FAILED');
    expect(failed.status?.error?.error_code).toBe('NOT_FOUND');
    const long = await w.statementExecution.executeStatement({ warehouse_id: 'weir', statement: 'SELECT count(*) FROM range(200000000) a, range(1000) b', wait_timeout: '0s' });
    await w.statementExecution.cancelExecution({ statement_id: long.statement_id! });
    expect((await w.statementExecution.getStatement({ statement_id: long.statement_id! })).status?.state).toBe('CANCELED');
    await expect(w.statementExecution.getStatement({ statement_id: 'no-such-id' })).rejects.toThrow(/does not exist/);
    const gaveUp = await w.statementExecution.executeStatement({ warehouse_id: 'weir', statement: 'SELECT count(*) FROM range(200000000) a, range(1000) b', wait_timeout: '5s', on_wait_timeout: 'CANCEL' });
    expect(gaveUp.status?.state).toBe('CANCELED');
    expect(gaveUp.result).toBeUndefined();
    const bad = await fetch(`${base}/api/2.0/sql/statements`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ statement: 'SELECT 1', wait_timeout: '3s' }) });
    expect(bad.status).toBe(400);
  });
});

describe('sql_task on the warehouse', () => {
  it('queries a table a pipeline made, by its three-part name', async () => {
    mkdirSync(join(dir, 'pipe'), { recursive: true });
    writeFileSync(join(dir, 'pipe', 'p.sql'), `CREATE OR REFRESH MATERIALIZED VIEW revenue COMMENT 'revenue by region' AS SELECT * FROM (VALUES ('eu', 30), ('us', 12)) t(region, revenue);\n`);
    const p = await weir.pipelines.create({ name: 'rev', libraries: [{ file: { path: 'pipe/p.sql' } }], catalog: 'main', schema: 'gold' }, { sourceDir: dir });
    const u = await weir.pipelines.waitForUpdate((await weir.pipelines.startUpdate(p.pipeline_id, {})).update_id);
    expect(u.state).toBe('COMPLETED');
    const w = client();
    // Nothing has named the table yet: SHOW finds the pipeline's schema and table in the warehouse folder.
    const shown = await w.statementExecution.executeStatement({ warehouse_id: 'weir', statement: 'SHOW TABLES IN main.gold', wait_timeout: '5s' });
    expect(shown.result?.data_array).toEqual([['gold', 'revenue', 'false']]);
    const described = await w.statementExecution.executeStatement({ warehouse_id: 'weir', statement: 'DESCRIBE TABLE EXTENDED main.gold.revenue', wait_timeout: '5s' });
    expect(described.result?.data_array).toContainEqual(['Comment', 'revenue by region', '']);
    const job = await w.jobs.create({ name: 'report', tasks: [{ task_key: 'q', sql_task: { warehouse_id: 'weir', query: { query: 'SELECT region, revenue FROM main.gold.revenue WHERE revenue > :min ORDER BY region' }, parameters: { min: '20' } } }] as never });
    const run = await (await w.jobs.runNow({ job_id: job.job_id! })).wait();
    expect(run.state?.result_state).toBe('SUCCESS');
    const out = await w.jobs.getRunOutput({ run_id: run.tasks![0].run_id! });
    expect(JSON.stringify(out)).toContain('"eu"');
    expect(JSON.stringify(out)).not.toContain('"us"');
  });
});
