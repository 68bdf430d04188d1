import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { tempDir } from '../bench/lib.js';
import { systemClock } from '../src/domain/clock.js';
import { DuckDbWarehouse } from '../src/engine/duckdb-warehouse.js';
import { startPipelines } from '../src/start-pipelines.js';
import { PipelineSqlStore } from '../src/store/sql/pipeline-sql-store.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import type { UpdateRecord } from '../src/store/ports/pipeline-store.js';

const dir = tempDir('pipelines-recover');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('only a process that recovers (the API) fails pipeline updates left running; workers and schedulers leave them', async () => {
  mkdirSync(join(dir, 'data'));
  const store = await openSqliteStore(join(dir, 'data', 'weir.sqlite'));
  const warehouse = await DuckDbWarehouse.open(':memory:');
  try {
    const first = await startPipelines(store, warehouse, systemClock, join(dir, 'data'));
    const p = await first.create({ name: 'p', libraries: [] }, { sourceDir: dir });
    await first.close();
    const pipelines = new PipelineSqlStore(store.kysely);
    // An update another process is running (as a worker's pipeline_task would).
    const running: UpdateRecord = { update_id: 'u-1', pipeline_id: p.pipeline_id, state: 'RUNNING', cause: 'JOB_TASK', creation_time: 1, end_time: null, full_refresh: false, refresh_selection: [], full_refresh_selection: [], validate_only: false, parameters: {}, config: p.spec };
    await pipelines.createUpdate(running);

    const worker = await startPipelines(store, warehouse, systemClock, join(dir, 'data'), { recover: false });
    await worker.close();
    expect((await pipelines.getUpdate('u-1'))?.state).toBe('RUNNING');

    const api = await startPipelines(store, warehouse, systemClock, join(dir, 'data'), { recover: true });
    await api.close();
    expect((await pipelines.getUpdate('u-1'))?.state).toBe('FAILED');
  } finally {
    await warehouse.close();
    await store.close();
  }
});
