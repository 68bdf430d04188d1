import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkspaceClient } from '@databricks/sdk-experimental';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/domain/clock.js';
import { nodeTypeCatalog } from '../src/domain/node-types.js';
import { createCompute, type Compute } from '../src/executor/compute/create-compute.js';
import { ClusterSqlStore } from '../src/store/sql/cluster-sql-store.js';
import { callApi, startApiServer } from './support/api-server.js';
import { startHarness, type Harness } from './support/weir-harness.js';

// The Clusters and Cluster Policies APIs over real HTTP: the official Databricks JS SDK where it has the call,
// plain requests elsewhere; clusters really run their init scripts (bash) on this machine.
let h: Harness;
let compute: Compute;
let server: { base: string; close(): Promise<void> };
beforeAll(async () => {
  h = await startHarness();
  compute = createCompute({ store: new ClusterSqlStore(h.store.kysely), clock: systemClock, catalog: nodeTypeCatalog(), dataDir: h.dir, workspaceDir: h.dir });
  server = await startApiServer(h, { compute });
  mkdirSync(join(h.dir, 'init'), { recursive: true });
  writeFileSync(join(h.dir, 'init', 'ok.sh'), 'echo "init on $DB_CLUSTER_ID team=$TEAM" > "$MARKER"\necho done\n');
  writeFileSync(join(h.dir, 'init', 'bad.sh'), 'echo "cannot install the driver" >&2\nexit 3\n');
});
afterAll(async () => {
  await server?.close();
  await h?.close();
});

const client = () => new WorkspaceClient({ host: server.base, token: h.adminToken, authType: 'pat' });
const api = (method: string, path: string, body?: unknown) => callApi(server.base, method, path, { token: h.adminToken, body });

describe('Clusters API with the official SDK', () => {
  it('creates a cluster that runs its init script, then edits, restarts, terminates, starts and deletes it', async () => {
    const w = client();
    const marker = join(h.dir, 'marker.txt');
    const waiter = await w.clusters.create({
      cluster_name: 'etl-pool',
      spark_version: '15.4.x-scala2.12',
      node_type_id: 'm5d.large',
      num_workers: 2,
      autotermination_minutes: 30,
      spark_env_vars: { TEAM: 'data', MARKER: marker },
      init_scripts: [{ workspace: { destination: '/init/ok.sh' } }],
      custom_tags: { owner: 'me' },
    });
    const running = await waiter.wait();
    expect(running.state).toBe('RUNNING');
    expect(readFileSync(marker, 'utf8')).toBe(`init on ${waiter.cluster_id} team=data\n`);
    const got = await w.clusters.get({ cluster_id: waiter.cluster_id! });
    expect(got).toMatchObject({ cluster_name: 'etl-pool', spark_version: '15.4.x-scala2.12', node_type_id: 'm5d.large', driver_node_type_id: 'm5d.large', num_workers: 2, cluster_source: 'API', cluster_cores: 6, custom_tags: { owner: 'me' } });
    expect((got as Record<string, unknown>).hourly_rate).toEqual({ amount: 0.33, currency: 'USD' });

    const listed: string[] = [];
    for await (const c of w.clusters.list({})) listed.push(c.cluster_id!);
    expect(listed).toContain(waiter.cluster_id);

    await (await w.clusters.edit({ cluster_id: waiter.cluster_id!, cluster_name: 'etl-pool', spark_version: '15.4.x-scala2.12', node_type_id: 'm5d.xlarge', num_workers: 1, init_scripts: [{ workspace: { destination: '/init/ok.sh' } }], spark_env_vars: { TEAM: 'ops', MARKER: marker } })).wait();
    expect(readFileSync(marker, 'utf8')).toBe(`init on ${waiter.cluster_id} team=ops\n`);
    expect(await w.clusters.get({ cluster_id: waiter.cluster_id! })).toMatchObject({ node_type_id: 'm5d.xlarge', num_workers: 1, state: 'RUNNING' });

    await (await w.clusters.restart({ cluster_id: waiter.cluster_id! })).wait();
    const terminated = await (await w.clusters.delete({ cluster_id: waiter.cluster_id! })).wait();
    expect(terminated).toMatchObject({ state: 'TERMINATED', termination_reason: { code: 'USER_REQUEST' } });
    expect(await w.clusters.get({ cluster_id: waiter.cluster_id! })).toMatchObject({ state: 'TERMINATED' });
    await (await w.clusters.start({ cluster_id: waiter.cluster_id! })).wait();

    const types: string[] = [];
    for await (const e of w.clusters.events({ cluster_id: waiter.cluster_id!, order: 'ASC' as never, limit: 3 })) types.push(e.type!);
    expect(types.slice(0, 4)).toEqual(['CREATING', 'INIT_SCRIPTS_STARTED', 'INIT_SCRIPTS_FINISHED', 'RUNNING']);
    expect(types).toContain('EDITED');
    expect(types.filter((t) => t === 'TERMINATING')).toHaveLength(1);

    await w.clusters.permanentDelete({ cluster_id: waiter.cluster_id! });
    await expect(w.clusters.get({ cluster_id: waiter.cluster_id! })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message: `Cluster ${waiter.cluster_id} does not exist` });
  }, 60_000);

  it('a failing init script terminates the cluster with INIT_SCRIPT_FAILURE, naming the script, exit code and stderr; its log is kept', async () => {
    const waiter = await client().clusters.create({ cluster_name: 'broken', spark_version: '15.4.x-scala2.12', node_type_id: 'weir.small', num_workers: 0, init_scripts: [{ workspace: { destination: '/init/bad.sh' } }] });
    await expect(waiter.wait()).rejects.toThrow(/failed to reach RUNNING state, got TERMINATED: Init script init_scripts\[0\] .*bad\.sh\) exited with code 3: cannot install the driver/);
    const c = await client().clusters.get({ cluster_id: waiter.cluster_id! });
    expect(c.termination_reason).toMatchObject({ code: 'INIT_SCRIPT_FAILURE', type: 'CLIENT_ERROR' });
    const log = /full log: (\S+)\)/.exec(c.state_message!)![1];
    expect(existsSync(log) && readFileSync(log, 'utf8')).toBe('cannot install the driver\n');
  }, 30_000);

  it('lists node types with prices, spark versions, and refuses unknown node types and bad sizes', async () => {
    const types = await client().clusters.listNodeTypes();
    const ids = types.node_types!.map((t) => t.node_type_id);
    expect(ids).toEqual(expect.arrayContaining(['i3.xlarge', 'Standard_DS3_v2', 'n2-standard-4', 'weir.small', 'weir.medium', 'weir.large']));
    expect(types.node_types!.find((t) => t.node_type_id === 'i3.xlarge')).toMatchObject({ num_cores: 4, memory_mb: 31232, hourly_rate: { amount: 0.31, currency: 'USD' } });
    expect((await client().clusters.sparkVersions()).versions!.length).toBeGreaterThan(0);
    const bad = await api('POST', '/api/2.1/clusters/create', { cluster_name: 'x', node_type_id: 'p4d.24xlarge', num_workers: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^node_type_id: node type "p4d.24xlarge" is not supported; use one of weir.small, /);
    const size = await api('POST', '/api/2.0/clusters/create', { cluster_name: 'x', node_type_id: 'weir.small', autoscale: { min_workers: 3, max_workers: 1 } });
    expect(size.body.message).toBe('autoscale: min_workers (3) must be from 0 to max_workers (1)');
    // Fields weir does not act on are kept and returned (the SDK sends only fields it knows, so plain HTTP here).
    const kept = await api('POST', '/api/2.0/clusters/create', { cluster_name: 'k', node_type_id: 'weir.small', num_workers: 0, some_future_field: { kept: true }, aws_attributes: { availability: 'SPOT' } });
    expect((await api('GET', `/api/2.0/clusters/get?cluster_id=${kept.body.cluster_id}`)).body).toMatchObject({ some_future_field: { kept: true }, aws_attributes: { availability: 'SPOT' } });
    await compute.clusters.whenSettled(kept.body.cluster_id);
    await compute.clusters.permanentDelete(kept.body.cluster_id);
    const state = await api('POST', '/api/2.0/clusters/resize', { cluster_id: 'nope', num_workers: 1 });
    expect(state.body).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Cluster nope does not exist' });
  });
});

describe('Cluster Policies API and policy checks', () => {
  it('creates, gets, lists, edits and deletes policies with the SDK; names are unique; bad definitions are refused', async () => {
    const w = client();
    const { policy_id } = await w.clusterPolicies.create({ name: 'sdk-policy', definition: JSON.stringify({ num_workers: { type: 'range', maxValue: 2 } }), description: 'd' });
    expect(await w.clusterPolicies.get({ policy_id: policy_id! })).toMatchObject({ policy_id, name: 'sdk-policy', description: 'd', definition: '{"num_workers":{"type":"range","maxValue":2}}' });
    const names: string[] = [];
    for await (const p of w.clusterPolicies.list({})) names.push(p.name!);
    expect(names).toContain('sdk-policy');
    await w.clusterPolicies.edit({ policy_id: policy_id!, name: 'sdk-policy-2', definition: '{}' });
    expect((await w.clusterPolicies.get({ policy_id: policy_id! })).name).toBe('sdk-policy-2');
    await expect(w.clusterPolicies.create({ name: 'sdk-policy-2', definition: '{}' })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/already exists/) });
    await expect(w.clusterPolicies.create({ name: 'broken', definition: '{"a": {"type": "range"}}' })).rejects.toMatchObject({ message: 'definition.a: a "range" rule needs "minValue" or "maxValue"' });
    await w.clusterPolicies.delete({ policy_id: policy_id! });
    await expect(w.clusterPolicies.get({ policy_id: policy_id! })).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('checks clusters/create and edit, and jobs/create, update and reset against the policy, with field paths', async () => {
    const w = client();
    const definition = JSON.stringify({ node_type_id: { type: 'allowlist', values: ['i3.xlarge', 'm5d.large'], defaultValue: 'm5d.large' }, 'autoscale.max_workers': { type: 'range', maxValue: 4 }, spark_version: { type: 'fixed', value: '15.4.x-scala2.12' } });
    const { policy_id } = await w.clusterPolicies.create({ name: 'small-only', definition });
    const refused = await api('POST', '/api/2.1/clusters/create', { cluster_name: 'big', policy_id, node_type_id: 'i3.8xlarge', num_workers: 1 });
    expect(refused.body).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'node_type_id: "i3.8xlarge" is not allowed by policy "small-only"; allowed: i3.xlarge, m5d.large' });
    // Defaults and fixed values of the policy are filled in.
    const ok = await (await w.clusters.create({ cluster_name: 'small', policy_id, num_workers: 0 } as never)).wait();
    expect(ok).toMatchObject({ node_type_id: 'm5d.large', spark_version: '15.4.x-scala2.12', policy_id });
    const edit = await api('POST', '/api/2.1/clusters/edit', { cluster_id: ok.cluster_id, policy_id, cluster_name: 'small', autoscale: { min_workers: 1, max_workers: 9 } });
    expect(edit.body.message).toBe('autoscale.max_workers: 9 is out of the range allowed by policy "small-only"; use a value of at most 4');

    const task = (cluster: Record<string, unknown>) => ({ task_key: 't', shell_task: { command: 'true' }, new_cluster: { policy_id, ...cluster } });
    const created = await api('POST', '/api/2.2/jobs/create', { name: 'p', tasks: [task({ node_type_id: 'm5d.large' }), { ...task({ node_type_id: 'i3.8xlarge' }), task_key: 'u' }] });
    expect(created.body.message).toBe('tasks[1].new_cluster.node_type_id: "i3.8xlarge" is not allowed by policy "small-only"; allowed: i3.xlarge, m5d.large');
    const viaJobCluster = await api('POST', '/api/2.2/jobs/create', { name: 'p', job_clusters: [{ job_cluster_key: 'k', new_cluster: { policy_id, spark_version: '13.3.x-scala2.12' } }], tasks: [{ task_key: 't', job_cluster_key: 'k', shell_task: { command: 'true' } }] });
    expect(viaJobCluster.body.message).toBe('job_clusters[0].new_cluster.spark_version: "13.3.x-scala2.12" is not allowed by policy "small-only"; it is fixed to "15.4.x-scala2.12"');
    const missing = await api('POST', '/api/2.2/jobs/create', { name: 'p', tasks: [{ ...task({}), new_cluster: { policy_id: 'NOPE' } }] });
    expect(missing.body.message).toBe('tasks[0].new_cluster.policy_id: cluster policy "NOPE" does not exist; create it with policies/clusters/create or remove policy_id');

    const good = await api('POST', '/api/2.2/jobs/create', { name: 'p', tasks: [task({ node_type_id: 'i3.xlarge' })] });
    expect(good.status).toBe(200);
    const update = await api('POST', '/api/2.2/jobs/update', { job_id: good.body.job_id, new_settings: { tasks: [task({ node_type_id: 'r5d.xlarge' })] } });
    expect(update.body.message).toBe('new_settings.tasks[0].new_cluster.node_type_id: "r5d.xlarge" is not allowed by policy "small-only"; allowed: i3.xlarge, m5d.large');
    const reset = await api('POST', '/api/2.2/jobs/reset', { job_id: good.body.job_id, new_settings: { name: 'p', tasks: [task({ node_type_id: 'i3.xlarge', autoscale: { min_workers: 1, max_workers: 5 } })] } });
    expect(reset.body.message).toBe('new_settings.tasks[0].new_cluster.autoscale.max_workers: 5 is out of the range allowed by policy "small-only"; use a value of at most 4');

    // A policy tightened after a cluster was created: jobs naming that cluster are refused until it is edited.
    await w.clusterPolicies.edit({ policy_id: policy_id!, name: 'small-only', definition: JSON.stringify({ node_type_id: { type: 'fixed', value: 'i3.xlarge' } }) });
    const onCluster = await api('POST', '/api/2.2/jobs/create', { name: 'p', tasks: [{ task_key: 'a', existing_cluster_id: ok.cluster_id, shell_task: { command: 'true' } }] });
    expect(onCluster.body.message).toBe(`tasks[0].existing_cluster_id: cluster ${ok.cluster_id}'s node_type_id: "m5d.large" is not allowed by policy "small-only"; it is fixed to "i3.xlarge"; edit the cluster first`);
    await w.clusters.permanentDelete({ cluster_id: ok.cluster_id! });
  }, 30_000);
});
