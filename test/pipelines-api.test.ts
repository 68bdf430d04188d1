import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkspaceClient } from '@databricks/sdk-experimental';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/domain/clock.js';
import { DuckDbWarehouse } from '../src/engine/duckdb-warehouse.js';
import type { PipelineService } from '../src/pipelines/pipeline-service.js';
import { pipelineTaskRunner, startPipelines } from '../src/start-pipelines.js';
import { callApi, startApiServer } from './support/api-server.js';
import { startHarness, type Harness } from './support/weir-harness.js';

let h: Harness;
let warehouse: DuckDbWarehouse;
let pipelines: PipelineService;
let api: { base: string; close(): Promise<void> };

beforeAll(async () => {
  h = await startHarness();
  warehouse = await DuckDbWarehouse.open(':memory:');
  pipelines = await startPipelines(h.store, warehouse, systemClock, h.dir);
  api = await startApiServer(h, { pipelines });
  mkdirSync(join(h.dir, 'p'), { recursive: true });
  writeFileSync(join(h.dir, 'p', 'gold.sql'), 'CREATE OR REFRESH MATERIALIZED VIEW numbers (CONSTRAINT small EXPECT (n < 8)) AS SELECT id AS n FROM range(10);\n');
});
afterAll(async () => {
  await pipelines.close();
  await api.close();
  await warehouse.close();
  await h.close();
});

const client = () => new WorkspaceClient({ host: api.base, token: h.adminToken, authType: 'pat' });
const call = (method: string, path: string, body?: unknown) => callApi(api.base, method, path, { token: h.adminToken, body });

describe('Pipelines API 2.0 with the official JS SDK', () => {
  it('creates a pipeline, runs an update to COMPLETED and reads its event log', async () => {
    const w = client();
    const created = await w.pipelines.create({ name: 'sdk-pipeline', libraries: [{ file: { path: 'p/gold.sql' } }], catalog: 'main', schema: 'sdk' });
    const id = created.pipeline_id!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const { update_id } = await w.pipelines.startUpdate({ pipeline_id: id });
    let state = '';
    for (let i = 0; i < 200 && !['COMPLETED', 'FAILED', 'CANCELED'].includes(state); i++) {
      state = (await w.pipelines.getUpdate({ pipeline_id: id, update_id: update_id! })).update?.state ?? '';
      if (state !== 'COMPLETED') await new Promise((r) => setTimeout(r, 50));
    }
    expect(state).toBe('COMPLETED');
    const got = await w.pipelines.get({ pipeline_id: id });
    expect(got).toMatchObject({ pipeline_id: id, name: 'sdk-pipeline', state: 'IDLE', health: 'HEALTHY', spec: { catalog: 'main', schema: 'sdk' } });
    expect(got.latest_updates?.[0]).toMatchObject({ update_id, state: 'COMPLETED' });
    const types: string[] = [];
    for await (const e of w.pipelines.listPipelineEvents({ pipeline_id: id, max_results: 5, order_by: ['timestamp asc'] })) types.push(e.event_type ?? '');
    expect(types.slice(0, 3)).toEqual(['user_action', 'create_update', 'user_action']);
    expect(types).toContain('flow_progress');
    const names: string[] = [];
    for await (const p of w.pipelines.listPipelines({ filter: "name LIKE '%sdk%'" })) names.push(p.name ?? '');
    expect(names).toEqual(['sdk-pipeline']);
  }, 60_000);

  it('filters events with the Databricks grammar and pages them', async () => {
    const id = (await call('GET', `/api/2.0/pipelines?filter=${encodeURIComponent("name LIKE 'sdk-%'")}`)).body.statuses[0].pipeline_id;
    const filter = encodeURIComponent("level in ('INFO','WARN') AND event_type = 'flow_progress'");
    const r = await call('GET', `/api/2.0/pipelines/${id}/events?filter=${filter}&max_results=1`);
    expect(r.status).toBe(200);
    expect(r.body.events).toHaveLength(1);
    expect(r.body.events[0].event_type).toBe('flow_progress');
    expect(r.body.next_page_token).toBeTruthy();
    const metrics = await call('GET', `/api/2.0/pipelines/${id}/events?filter=${encodeURIComponent("event_type='flow_progress'")}&max_results=100`);
    const done = metrics.body.events.find((e: any) => e.details.flow_progress.status === 'COMPLETED');
    expect(done.details.flow_progress.data_quality.expectations).toEqual([{ name: 'small', dataset: 'main.sdk.numbers', passed_records: 8, failed_records: 2 }]);
    const bad = await call('GET', `/api/2.0/pipelines/${id}/events?filter=${encodeURIComponent('level = INFO')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/quoted string/);
  });

  it('answers Databricks errors: unknown pipeline 404, duplicate name 409, invalid settings 400', async () => {
    await expect(client().pipelines.get({ pipeline_id: 'nope' })).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    const dup = await call('POST', '/api/2.0/pipelines', { name: 'sdk-pipeline' });
    expect(dup.status).toBe(409);
    const bad = await call('POST', '/api/2.0/pipelines', { name: 'x', schema: 'a', target: 'b' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/schema.*either schema or the legacy target/);
  });

  it('a job with a pipeline_task runs an update and succeeds when it completes, fails when it fails', async () => {
    h.executor.runPipelineUpdate = pipelineTaskRunner(pipelines);
    const good = (await call('GET', `/api/2.0/pipelines?filter=${encodeURIComponent("name LIKE 'sdk-pipeline'")}`)).body.statuses[0].pipeline_id;
    writeFileSync(join(h.dir, 'p', 'bad.sql'), 'CREATE OR REFRESH MATERIALIZED VIEW bad AS SELECT * FROM LIVE.missing;\n');
    const bad = (await call('POST', '/api/2.0/pipelines', { name: 'bad', libraries: [{ file: { path: 'p/bad.sql' } }] })).body.pipeline_id;
    const jobId = await h.createJob({ name: 'with-pipeline', tasks: [{ task_key: 'refresh', pipeline_task: { pipeline_id: good, full_refresh: true } }] });
    const ok = await h.runJob(jobId);
    expect(ok.run.result_state).toBe('SUCCESS');
    const updates = (await call('GET', `/api/2.0/pipelines/${good}/updates`)).body.updates;
    expect(updates[0]).toMatchObject({ cause: 'JOB_TASK', full_refresh: true, state: 'COMPLETED' });
    const failing = await h.createJob({ name: 'with-bad-pipeline', tasks: [{ task_key: 'refresh', pipeline_task: { pipeline_id: bad } }] });
    const failed = await h.runJob(failing);
    expect(failed.run.result_state).toBe('FAILED');
    expect(failed.tasks.refresh.state_message).toMatch(/ended FAILED; see its event log/);
  });

  it('edits, stops and deletes', async () => {
    const id = (await call('POST', '/api/2.0/pipelines', { name: 'to-delete', libraries: [{ file: { path: 'p/gold.sql' } }] })).body.pipeline_id;
    expect((await call('PUT', `/api/2.0/pipelines/${id}`, { name: 'renamed', libraries: [{ file: { path: 'p/gold.sql' } }] })).status).toBe(200);
    expect((await call('GET', `/api/2.0/pipelines/${id}`)).body.name).toBe('renamed');
    expect((await call('POST', `/api/2.0/pipelines/${id}/stop`)).status).toBe(200);
    expect((await call('DELETE', `/api/2.0/pipelines/${id}`)).status).toBe(200);
    expect((await call('GET', `/api/2.0/pipelines/${id}`)).status).toBe(404);
  });
});
