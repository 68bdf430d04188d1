import { describe, expect, test } from 'vitest';
import type { PipelineSpec } from '../src/domain/pipeline-settings.js';
import type { PipelineEventRecord, PipelineRecord, UpdateRecord } from '../src/store/ports/pipeline-store.js';
import { PipelineSqlStore } from '../src/store/sql/pipeline-sql-store.js';
import { storeDialects, useStore } from './support/store-fixtures.js';

const pipeline = (pipeline_id: string, name: string | undefined): PipelineRecord => ({
  pipeline_id,
  spec: (name === undefined ? {} : { name }) as PipelineSpec,
  state: 'IDLE',
  cause: null,
  creator_user_name: 'contract@weir',
  created_time: 1,
  last_modified: 1,
  source_dir: '/p',
});

const update = (update_id: string, pipeline_id: string, creation_time: number, state: UpdateRecord['state']): UpdateRecord => ({
  update_id,
  pipeline_id,
  state,
  cause: 'API_CALL',
  creation_time,
  end_time: null,
  full_refresh: false,
  refresh_selection: [],
  full_refresh_selection: [],
  validate_only: false,
  parameters: {},
  config: {} as PipelineSpec,
});

const event = (id: string, level: PipelineEventRecord['level'], timestamp: number): Omit<PipelineEventRecord, 'seq'> => ({
  id,
  pipeline_id: 'p1',
  update_id: 'u1',
  timestamp,
  level,
  event_type: level === 'ERROR' ? 'update_progress' : 'flow_progress',
  message: id,
  origin: {},
  details: {},
});

describe.each(storeDialects())('store contract: pipelines on %s', (name, dialect, skip) => {
  if (skip) {
    test.skip(`${name}: ${skip}`, () => undefined);
    return;
  }
  const s = useStore(dialect);
  const st = () => new PipelineSqlStore(s.store.kysely);

  test('pipelines: create, find by name, save, delete with their updates and events', async () => {
    const p = st();
    await p.createPipeline(pipeline('p1', 'Sales'));
    expect(await p.getPipeline('p1')).toEqual(pipeline('p1', 'Sales'));
    expect((await p.findPipelineByName('Sales'))?.pipeline_id).toBe('p1');
    await p.savePipeline({ ...pipeline('p1', 'Orders'), state: 'RUNNING' });
    expect(await p.findPipelineByName('Sales')).toBeUndefined();
    expect((await p.getPipeline('p1'))?.state).toBe('RUNNING');
    await p.createUpdate(update('u1', 'p1', 5, 'RUNNING'));
    await p.appendEvents([event('e1', 'INFO', 5)]);
    await p.deletePipeline('p1');
    expect(await p.getPipeline('p1')).toBeUndefined();
    expect(await p.getUpdate('u1')).toBeUndefined();
    expect((await p.listEvents('p1', { ascending: true, offset: 0, limit: 10 })).events).toEqual([]);
  });

  test('pipelines: list filters with LIKE ignoring case, orders by name (unnamed first) or id, pages', async () => {
    const p = st();
    await p.createPipeline(pipeline('p3', 'sales_daily'));
    await p.createPipeline(pipeline('p1', 'Sales_hourly'));
    await p.createPipeline(pipeline('p2', 'orders'));
    await p.createPipeline(pipeline('p4', undefined));
    const ids = async (q: Partial<Parameters<PipelineSqlStore['listPipelines']>[0]>) =>
      (await p.listPipelines({ orderBy: 'id', ascending: true, offset: 0, limit: 10, ...q })).pipelines.map((x) => x.pipeline_id);
    expect(await ids({ nameLike: '%sales%' })).toEqual(['p1', 'p3']);
    expect(await ids({ nameLike: 'SALES%' })).toEqual(['p1', 'p3']);
    // The unnamed pipeline first, then code-point order: 'Sales_hourly' < 'orders' < 'sales_daily'.
    expect(await ids({ orderBy: 'name' })).toEqual(['p4', 'p1', 'p2', 'p3']);
    expect(await ids({ orderBy: 'id', ascending: false, offset: 1, limit: 2 })).toEqual(['p3', 'p2']);
    const page = await p.listPipelines({ orderBy: 'id', ascending: true, offset: 0, limit: 3 });
    expect(page.hasMore).toBe(true);
  });

  test('updates: newest first per pipeline, by state oldest first, saved in place', async () => {
    const p = st();
    await p.createUpdate(update('u1', 'p1', 10, 'COMPLETED'));
    await p.createUpdate(update('u2', 'p1', 20, 'RUNNING'));
    await p.createUpdate(update('u3', 'p2', 15, 'QUEUED'));
    expect((await p.listUpdates('p1', { offset: 0, limit: 10 })).updates.map((u) => u.update_id)).toEqual(['u2', 'u1']);
    expect((await p.updatesInStates(['RUNNING', 'QUEUED'])).map((u) => u.update_id)).toEqual(['u3', 'u2']);
    await p.saveUpdate({ ...update('u2', 'p1', 20, 'COMPLETED'), end_time: 30 });
    expect(await p.getUpdate('u2')).toMatchObject({ state: 'COMPLETED', end_time: 30 });
    expect((await p.updatesInStates(['RUNNING'])).length).toBe(0);
  });

  test('events: appended in order with consecutive seq, filtered by level, type, update and time', async () => {
    const p = st();
    await p.appendEvents([event('e1', 'INFO', 100), event('e2', 'ERROR', 200)]);
    await p.appendEvents([event('e3', 'INFO', 300)]);
    await p.appendEvents([]);
    const all = (await p.listEvents('p1', { ascending: true, offset: 0, limit: 10 })).events;
    expect(all.map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
    expect(all.map((e) => e.seq - all[0]!.seq)).toEqual([0, 1, 2]);
    const q = async (o: Partial<Parameters<PipelineSqlStore['listEvents']>[1]>) =>
      (await p.listEvents('p1', { ascending: false, offset: 0, limit: 10, ...o })).events.map((e) => e.id);
    expect(await q({})).toEqual(['e3', 'e2', 'e1']);
    expect(await q({ levels: ['ERROR'] })).toEqual(['e2']);
    expect(await q({ eventTypes: ['flow_progress'], updateId: 'u1' })).toEqual(['e3', 'e1']);
    expect(await q({ timestamp: [{ op: '>', value: 100 }, { op: '<=', value: 300 }] })).toEqual(['e3', 'e2']);
    expect(await q({ id: 'e1' })).toEqual(['e1']);
  });
});

