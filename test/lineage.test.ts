import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipelineFiles } from '../src/bundle/load-pipeline-files.js';
import { buildLineageGraph, tableLineage, type PipelineLineage } from '../src/catalog/lineage-graph.js';
import { sqlTableLinks } from '../src/catalog/lineage-sql.js';
import { loadConfig } from '../src/config/config.js';
import { parseJobSettings } from '../src/domain/parse-job-settings.js';
import { startWeir, type Weir } from '../src/main.js';
import { callApi, startApiServer } from './support/api-server.js';

const EXAMPLES = resolve(import.meta.dirname, '../examples');

describe('lineage derivation (pure)', () => {
  const pipeline: PipelineLineage = {
    pipeline_id: 'p1', name: 'etl', update_id: 'u1', timestamp: Date.UTC(2026, 0, 2, 3, 4, 5),
    datasetTypes: { 'm.s.raw': 'STREAMING_TABLE', 'm.s.v': 'VIEW', 'm.s.gold': 'MATERIALIZED_VIEW' },
    flows: [
      { name: 'm.s.raw', output: 'm.s.raw', inputs: ['m.ext.src'] },
      { name: 'm.s.v', output: 'm.s.v', inputs: ['m.s.raw', 'm.ext.dim'] },
      { name: 'm.s.gold', output: 'm.s.gold', inputs: ['m.s.v'], column_lineage: [{ column: 'x', inputs: ['m.s.raw.x'] }] },
    ],
  };
  const jobs = [
    { job_id: 7, name: 'nightly', pipelineTasks: [{ task_key: 'run_etl', pipeline_id: 'p1' }], tableLinks: [] },
    { job_id: 8, name: 'report', pipelineTasks: [], tableLinks: [{ task_key: 'sum', reads: ['m.s.gold'], writes: ['m.r.summary'] }, { task_key: 'peek', reads: ['m.s.gold'], writes: [] }] },
  ];

  it('looks through temporary views, names the pipeline and the jobs running it, and passes column lineage through', () => {
    const g = buildLineageGraph([pipeline], jobs);
    const gold = tableLineage(g, 'm.s.gold');
    expect(gold.upstreams.map((u) => u.table)).toEqual(['m.ext.dim', 'm.s.raw']);
    expect(gold.upstreams[1].pipelines).toEqual([{ pipeline_id: 'p1', name: 'etl', update_id: 'u1', timestamp: pipeline.timestamp, flow_name: 'm.s.gold', column_lineage: [{ column: 'x', inputs: ['m.s.raw.x'] }] }]);
    expect(gold.upstreams[1].jobs).toEqual([{ job_id: 7, name: 'nightly', task_keys: ['run_etl'] }]);
    expect(gold.downstreams).toEqual([{ table: 'm.r.summary', pipelines: [], jobs: [{ job_id: 8, name: 'report', task_keys: ['sum'] }] }]);
    // Job 8 also reads gold in a task that writes nothing: it is a reader, shown without a table.
    expect(gold.otherReaders).toEqual({ pipelines: [], jobs: [] });
    expect(g.tableTypes.get('m.s.gold')).toBe('MATERIALIZED_VIEW');
    expect(g.tableTypes.has('m.s.v')).toBe(false);
    const raw = tableLineage(g, 'm.s.raw');
    expect(raw.upstreams.map((u) => u.table)).toEqual(['m.ext.src']);
    expect(raw.downstreams.map((u) => u.table)).toEqual(['m.s.gold']);
  });

  it('lists writers that read no table (files) and readers that write none', () => {
    const g = buildLineageGraph([{ ...pipeline, flows: [{ name: 'm.s.raw', output: 'm.s.raw', inputs: [] }] }], [{ job_id: 9, name: 'peek', pipelineTasks: [], tableLinks: [{ task_key: 'q', reads: ['m.s.raw'], writes: [] }] }]);
    const raw = tableLineage(g, 'm.s.raw');
    expect(raw.upstreams).toEqual([]);
    expect(raw.otherWriters.pipelines.map((p) => p.pipeline_id)).toEqual(['p1']);
    expect(raw.otherReaders.jobs.map((j) => j.job_id)).toEqual([9]);
  });

  it('finds the tables SQL statements read and write, following USE, without CTE names or path tables', () => {
    const sql = `
      CREATE OR REPLACE TABLE bronze AS SELECT * FROM read_csv('x.csv');
      INSERT INTO gold SELECT * FROM silver s JOIN dim.customers c ON s.id = c.id;
      MERGE INTO tgt AS t USING updates u ON t.id = u.id WHEN MATCHED THEN UPDATE SET *;
      USE CATALOG other;
      CREATE TABLE IF NOT EXISTS out.x AS WITH c AS (SELECT 1 FROM main.a.b) SELECT * FROM c JOIN delta.\`/tmp/p\`;
      DELETE FROM out.x WHERE 1 = :p;
      SELECT 42;`;
    expect(sqlTableLinks(sql)).toEqual([
      { reads: [], writes: ['main.default.bronze'] },
      { reads: ['main.default.silver', 'main.dim.customers'], writes: ['main.default.gold'] },
      { reads: ['main.default.updates'], writes: ['main.default.tgt'] },
      { reads: ['main.a.b'], writes: ['other.out.x'] },
      { reads: ['other.out.x'], writes: ['other.out.x'] },
    ]);
  });
});

describe('GET /api/2.0/lineage-tracking/table-lineage', () => {
  let dir: string;
  let weir: Weir;
  let server: Awaited<ReturnType<typeof startApiServer>>;
  let token = '';
  let pipelineId = '';
  let jobId = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weir-lineage-'));
    weir = await startWeir(loadConfig({ dataDir: join(dir, 'data'), port: 0 }, {}));
    token = readFileSync(join(dir, 'data', 'admin-token'), 'utf8').trim();
    server = await startApiServer({ ...weir, dir, adminToken: token } as never, { store: weir.store, runs: weir.runs, executor: weir.executor, tokens: weir.tokens, secrets: weir.secrets, catalog: weir.catalog, pipelines: weir.pipelines });
    pipelineId = (await loadPipelineFiles(weir.pipelines, EXAMPLES)).get('sales_pipeline')!;
    const u = await weir.pipelines.waitForUpdate((await weir.pipelines.startUpdate(pipelineId, {})).update_id);
    expect(u.state).toBe('COMPLETED');
    writeFileSync(join(dir, 'report.sql'), 'CREATE OR REPLACE TABLE main.default.revenue_report AS SELECT * FROM main.sales.daily_revenue;');
    jobId = await weir.store.createJob({
      settings: parseJobSettings({
        name: 'sales_nightly',
        tasks: [
          { task_key: 'refresh', pipeline_task: { pipeline_id: pipelineId } },
          { task_key: 'report', depends_on: [{ task_key: 'refresh' }], sql_task: { file: { path: 'report.sql' } } },
        ],
      }),
      creator_user_name: 'test', created_time: Date.now(), source_dir: dir,
    });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await weir?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const lineage = (table: string, entities = true) => callApi(server.base, 'GET', `/api/2.0/lineage-tracking/table-lineage?table_name=${table}&include_entity_lineage=${entities}`, { token });

  it('answers upstream and downstream tables with the pipeline and the job that connect them', async () => {
    const r = await lineage('main.sales.orders');
    expect(r.status).toBe(200);
    expect(r.body.upstreams).toEqual([
      {
        tableInfo: { name: 'orders_raw', catalog_name: 'main', schema_name: 'sales', table_type: 'STREAMING_TABLE', lineage_timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.0$/) },
        // objectContaining: column_lineage is there too when the pipeline engine derives it.
        pipelineInfos: [expect.objectContaining({ workspace_id: '0', pipeline_id: pipelineId, update_id: expect.any(String), lineage_timestamp: expect.any(String), name: 'sales_pipeline', flow_name: 'main.sales.orders' })],
        jobInfos: [{ workspace_id: '0', job_id: jobId, name: 'sales_nightly', task_keys: ['refresh'] }],
      },
    ]);
    expect(r.body.downstreams.map((d: { tableInfo: { name: string; table_type: string } }) => [d.tableInfo.name, d.tableInfo.table_type])).toEqual([['daily_revenue', 'MATERIALIZED_VIEW']]);
    const plain = await lineage('main.sales.orders', false);
    expect(plain.body.upstreams).toEqual([{ tableInfo: expect.objectContaining({ name: 'orders_raw' }) }]);
  });

  it('follows a sql_task from a pipeline table to the table it writes, and shows file-fed tables with their pipeline', async () => {
    const gold = await lineage('main.sales.daily_revenue');
    expect(gold.body.downstreams).toEqual([
      { tableInfo: { name: 'revenue_report', catalog_name: 'main', schema_name: 'default', table_type: 'TABLE' }, jobInfos: [{ workspace_id: '0', job_id: jobId, name: 'sales_nightly', task_keys: ['report'] }] },
    ]);
    const raw = await lineage('main.sales.orders_raw');
    // Entities that reach no table on that side come as entries of their own, one kind per entry.
    expect(raw.body.upstreams).toEqual([{ pipelineInfos: [expect.objectContaining({ pipeline_id: pipelineId, flow_name: 'main.sales.orders_raw' })] }, { jobInfos: [expect.objectContaining({ job_id: jobId, task_keys: ['refresh'] })] }]);
    // The report table was never written (the job did not run), yet lineage knows it from the job's SQL.
    const report = await lineage('main.default.revenue_report');
    expect(report.body.upstreams.map((u: { tableInfo: { name: string } }) => u.tableInfo.name)).toEqual(['daily_revenue']);
  });

  it('refuses partial names and names unknown tables', async () => {
    expect(await lineage('sales.orders')).toMatchObject({ status: 400, body: { message: expect.stringMatching(/table_name: 'sales.orders' is not catalog.schema.table/) } });
    expect(await lineage('main.sales.nope')).toMatchObject({ status: 404, body: { error_code: 'TABLE_DOES_NOT_EXIST', message: expect.stringMatching(/main\.sales\.nope does not exist/) } });
  });
});
