import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/domain/clock.js';
import { DuckDbWarehouse } from '../src/engine/duckdb-warehouse.js';
import { DeltaTable } from '../src/lake/delta-table.js';
import { createSink } from '../src/pipelines/define/define-flows.js';
import { conf } from '../src/pipelines/define/pipeline-configuration.js';
import type { PipelineService } from '../src/pipelines/pipeline-service.js';
import { managedTablePath, startPipelines } from '../src/start-pipelines.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';

// TypeScript pipelines: Delta sinks written by append flows, and the pipeline configuration read with conf().
let dir: string;
let store: SqlStore;
let warehouse: DuckDbWarehouse;
let pipelines: PipelineService;
const define = join(process.cwd(), 'src/pipelines/define');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-pipe-sinks-'));
  store = await openSqliteStore(join(dir, 'weir.sqlite'));
  warehouse = await DuckDbWarehouse.open(':memory:');
  pipelines = await startPipelines(store, warehouse, systemClock, dir);
});
afterAll(async () => {
  await pipelines.close();
  await store.close();
  await warehouse.close();
  rmSync(dir, { recursive: true, force: true });
});

async function update(pipelineId: string, body: Record<string, unknown> = {}) {
  const u = await pipelines.waitForUpdate((await pipelines.startUpdate(pipelineId, body)).update_id);
  const errors = (await pipelines.store.listEvents(pipelineId, { levels: ['ERROR'], updateId: u.update_id, ascending: true, offset: 0, limit: 10 })).events.map((e) => e.message);
  return { ...u, summary: `${u.state} ${errors.join('\n')}`.trim() };
}

async function ids(path: string): Promise<number[]> {
  const conn = await warehouse.connect();
  try {
    const scan = await DeltaTable.forPath(conn, path).scanSql();
    return (await conn.runAndReadAll(`SELECT id FROM (${scan}) ORDER BY id`)).getRows().map((r) => Number(r[0]));
  } finally {
    conn.closeSync();
  }
}

describe('Delta sinks and conf()', () => {
  const folder = () => join(dir, 'sinks');
  const feed = () => join(dir, 'sinks', 'feed');
  let pipelineId: string;

  beforeAll(async () => {
    mkdirSync(feed(), { recursive: true });
    // An ESM package, as a TypeScript project is: CommonJS modules load without source positions for error messages.
    writeFileSync(join(folder(), 'package.json'), '{ "type": "module" }');
    writeFileSync(join(feed(), 'e1.json'), ['{"id":1,"kind":"a"}', '{"id":2,"kind":"b"}', '{"id":3,"kind":"a"}'].join('\n'));
    writeFileSync(
      join(folder(), 'p.ts'),
      `import { appendFlow, conf, createSink, definePipeline, streamingTable } from '${define}/index.ts';


export default definePipeline(
  streamingTable({ name: 'events' }, \`SELECT * FROM STREAM read_files('${feed()}', format => 'json') WHERE kind = '\${conf('kind')}'\`),
  createSink({ name: 'to_folder', format: 'delta', options: { path: conf('sink_dir', 'out/events') } }),
  appendFlow({ target: 'to_folder', name: 'events_to_folder' }, 'SELECT id, kind FROM STREAM(events)'),
  createSink({ name: 'to_table', format: 'delta', options: { tableName: 'exports.events_copy' } }),
  appendFlow({ target: 'to_table', name: 'events_to_table' }, 'SELECT id FROM STREAM(events)'),
);
`,
    );
    const p = await pipelines.create({ name: 'sinks', libraries: [{ file: { path: 'sinks/p.ts' } }], configuration: { kind: 'a' } }, { sourceDir: dir });
    pipelineId = p.pipeline_id;
  });

  it('append flows write Delta sinks at a path and as a catalog table; sink_definition events describe them', async () => {
    const u = await update(pipelineId);
    expect(u.summary).toBe('COMPLETED');
    expect(await ids(join(dir, 'out', 'events'))).toEqual([1, 3]);
    expect(await ids(managedTablePath(dir, 'main.exports.events_copy'))).toEqual([1, 3]);
    const defs = (await pipelines.store.listEvents(pipelineId, { updateId: u.update_id, ascending: true, offset: 0, limit: 100 })).events.filter((e) => e.event_type === 'sink_definition');
    expect(defs.map((e) => e.details.sink_definition)).toEqual([
      { format: 'delta', options: { path: 'out/events' }, num_flows: 1 },
      { format: 'delta', options: { tableName: 'exports.events_copy' }, num_flows: 1 },
    ]);
  });

  it('later updates append only what is new; a full refresh replays into the sink without clearing it', async () => {
    writeFileSync(join(feed(), 'e2.json'), '{"id":4,"kind":"a"}');
    expect((await update(pipelineId)).summary).toBe('COMPLETED');
    expect(await ids(join(dir, 'out', 'events'))).toEqual([1, 3, 4]);
    expect((await update(pipelineId, { full_refresh: true })).summary).toBe('COMPLETED');
    expect(await ids(join(dir, 'out', 'events'))).toEqual([1, 1, 3, 3, 4, 4]);
    expect(await ids(managedTablePath(dir, 'main.exports.events_copy'))).toEqual([1, 1, 3, 3, 4, 4]);
    expect(await ids(managedTablePath(dir, 'main.default.events'))).toEqual([1, 3, 4]);
  });

  it('conf() without a default fails the update naming the key and the module line', async () => {
    const p = await pipelines.create({ name: 'no-conf', libraries: [{ file: { path: 'sinks/p.ts' } }] }, { sourceDir: dir });
    const u = await update(p.pipeline_id);
    expect(u.state).toBe('FAILED');
    expect(u.summary).toMatch(/sinks\/p\.ts:\d+:\d+: the pipeline configuration has no key "kind"; add "kind" to the pipeline's configuration or give conf\(\) a default/);
    // The line is the conf() call's. (Inside vitest, whose stack traces bypass Node's source maps, only plain node shows it.)
    const script = `import { loadPipelineSources } from '${process.cwd()}/src/pipelines/sources/load-pipeline-sources.ts';
try { await loadPipelineSources(['${join(folder(), 'p.ts')}'], { other: '1' }); } catch (e) { console.log(e.message); }`;
    const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(out.stdout.trim().replace(/:5:\d+:/, ':5:N:')).toBe(`${join(folder(), 'p.ts')}:5:N: the pipeline configuration has no key "kind" (it has: other); add "kind" to the pipeline's configuration or give conf() a default: conf('kind', '…')`);
  });

  it('conf() outside a pipeline load has no configuration; createSink refuses what weir cannot write', () => {
    expect(conf('anything', 'fallback')).toBe('fallback');
    const message = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(message(() => conf('missing'))).toMatch(/pipeline-sinks\.test\.ts:\d+:\d+: the pipeline configuration has no key "missing"/);
    expect(message(() => createSink({ name: 'k', format: 'kafka', options: { topic: 't' } }))).toMatch(/sink k: format 'kafka' is not supported; weir writes sinks of format 'delta'/);
    expect(message(() => createSink({ name: 'd', format: 'delta', options: { path: 'a', tableName: 'b' } }))).toMatch(/exactly one of options.path .* got path and tableName$/);
    expect(message(() => createSink({ name: 'd', format: 'delta', options: { path: 'a' }, expectations: [] } as never))).toMatch(/expectations are not supported on sinks/);
  });
});
