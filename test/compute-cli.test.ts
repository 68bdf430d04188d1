import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/domain/clock.js';
import { nodeTypeCatalog } from '../src/domain/node-types.js';
import { createCompute } from '../src/executor/compute/create-compute.js';
import { ClusterSqlStore } from '../src/store/sql/cluster-sql-store.js';
import { runRecord, taskRunRecord } from './support/store-fixtures.js';
import { startApiServer } from './support/api-server.js';
import { startHarness, type Harness } from './support/weir-harness.js';

const ROOT = resolve(import.meta.dirname, '..');
let h: Harness;
let server: { base: string; close(): Promise<void> };

beforeAll(async () => {
  h = await startHarness();
  const compute = createCompute({ store: new ClusterSqlStore(h.store.kysely), clock: systemClock, catalog: nodeTypeCatalog(), dataDir: h.dir, workspaceDir: h.dir });
  server = await startApiServer(h, { compute });
});
afterAll(async () => {
  await server?.close();
  await h?.close();
});

/** Runs the real `weir` CLI (from source) against the test server; asynchronous, so the server keeps answering. */
function weir(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((ok) => {
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args, '--url', server.base, '--token', h.adminToken], { cwd: ROOT, timeout: 60_000 }, (e, out, err) =>
      ok({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out: String(out), err: String(err) }),
    );
  });
}

describe('weir clusters, cluster-policies and jobs cost', () => {
  it('creates a cluster and waits for RUNNING, lists it, shows events, terminates it', async () => {
    const created = await weir(['clusters', 'create', '--json', JSON.stringify({ cluster_name: 'cli-pool', node_type_id: 'weir.small', num_workers: 1 })]);
    expect(created.err).toBe('');
    const id = created.out.trim();
    expect(id).toMatch(/^\d{4}-\d{6}-[a-z0-9]{8}$/);
    const list = await weir(['clusters', 'list']);
    expect(list.out).toMatch(new RegExp(`^${id}\\tRUNNING\\tweir.small x1\\t\\d+\\.\\d{4} USD\\tcli-pool$`, 'm'));
    const events = await weir(['clusters', 'events', id]);
    expect(events.out.split('\n').filter(Boolean).map((l) => l.split('\t')[1])).toEqual(['RUNNING', 'CREATING']);
    const deleted = await weir(['clusters', 'delete', id]);
    expect(deleted.out).toBe(`terminated cluster ${id}\n`);
    const missing = await weir(['clusters', 'get', 'nope']);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe('weir: INVALID_PARAMETER_VALUE: Cluster nope does not exist\n');
  }, 60_000);

  it('creates and lists policies; a refused definition says why', async () => {
    const created = await weir(['cluster-policies', 'create', '--name', 'cli-policy', '--definition', '{"num_workers":{"type":"range","maxValue":1}}']);
    const id = created.out.trim();
    expect(id).toMatch(/^[0-9A-F]{16}$/);
    expect((await weir(['cluster-policies', 'list'])).out).toContain(`${id}\tcli-policy\n`);
    const bad = await weir(['cluster-policies', 'create', '--name', 'x', '--definition', '{"a":{"type":"fixed"}}']);
    expect(bad.err).toBe('weir: INVALID_PARAMETER_VALUE: definition.a: a "fixed" rule needs "value"\n');
  }, 60_000);

  it('jobs cost prints one line per day and the total', async () => {
    const jobId = await h.createJob({ name: 'cli-cost', tasks: [{ task_key: 'a', new_cluster: { node_type_id: 'weir.large', num_workers: 1 }, shell_task: { command: 'true' } }] });
    const job = (await h.store.getJob(jobId))!;
    const start = Date.UTC(2026, 0, 5, 10);
    const id = await h.store.allocateIds(2);
    await h.store.createRun(runRecord(id, { job_id: jobId, settings: job.settings, start_time: start }), [
      taskRunRecord(id + 1, id, 'a', { task: job.settings.tasks![0], start_time: start, end_time: start + 1_800_000 }),
    ]);
    const r = await weir(['jobs', 'cost', String(jobId), '--from', '2026-01-01T00:00:00Z']);
    expect(r.err).toBe('');
    expect(r.out).toBe('date\truns\tcompute_s\tcost\n2026-01-05\t1\t1800\t0.4000 USD\ntotal\t1\t1800\t0.4000 USD\n');
  }, 60_000);
});
