import { describe, expect, test } from 'vitest';
import type { ClusterPolicyRecord, ClusterRecord } from '../src/store/ports/cluster-store.js';
import { ClusterSqlStore } from '../src/store/sql/cluster-sql-store.js';
import { storeDialects, useStore } from './support/store-fixtures.js';

const cluster = (cluster_id: string, o: Partial<ClusterRecord> = {}): ClusterRecord => ({
  cluster_id,
  spec: { cluster_name: cluster_id, node_type_id: 'i3.xlarge', num_workers: 2, unknown_field: { kept: true } } as ClusterRecord['spec'],
  state: 'PENDING',
  state_message: '',
  cluster_source: 'API',
  creator_user_name: 'admin',
  created_time: 1_700_000_000_000,
  state_since: 1_700_000_000_000,
  last_restarted_time: null,
  terminated_time: null,
  termination_reason: null,
  current_workers: 2,
  accrued_seconds: 0,
  accrued_cost: 0,
  running_since: null,
  last_activity_time: 1_700_000_000_000,
  ...o,
});

const policy = (policy_id: string, name: string): ClusterPolicyRecord => ({
  policy_id,
  name,
  definition: '{"node_type_id":{"type":"fixed","value":"i3.xlarge"}}',
  creator_user_name: 'admin',
  created_at_timestamp: 5,
});

describe.each(storeDialects())('store contract: clusters on %s', (name, dialect, skip) => {
  if (skip) {
    test.skip(`${name}: ${skip}`, () => undefined);
    return;
  }
  const s = useStore(dialect);
  const clusters = () => new ClusterSqlStore(s.store.kysely);

  test('clusters round-trip with every field (unknown spec fields kept), list by created time with state filter and paging', async () => {
    const st = clusters();
    await st.createCluster(cluster('b', { created_time: 2 }));
    await st.createCluster(cluster('a', { created_time: 1, state: 'RUNNING', running_since: 9 }));
    await st.createCluster(cluster('c', { created_time: 3, state: 'TERMINATED' }));
    expect(await st.getCluster('a')).toEqual(cluster('a', { created_time: 1, state: 'RUNNING', running_since: 9 }));
    expect(await st.getCluster('zzz')).toBeUndefined();
    const page1 = await st.listClusters({ offset: 0, limit: 2 });
    expect(page1.clusters.map((c) => c.cluster_id)).toEqual(['a', 'b']);
    expect(page1.hasMore).toBe(true);
    const page2 = await st.listClusters({ offset: 2, limit: 2 });
    expect(page2).toEqual({ clusters: [cluster('c', { created_time: 3, state: 'TERMINATED' })], hasMore: false });
    const running = await st.listClusters({ offset: 0, limit: 10, states: ['RUNNING', 'PENDING'] });
    expect(running.clusters.map((c) => c.cluster_id)).toEqual(['a', 'b']);
  });

  test('saveCluster replaces the record (state column too); deleteCluster removes it and its events', async () => {
    const st = clusters();
    await st.createCluster(cluster('a'));
    expect(await st.saveCluster(cluster('a', { state: 'TERMINATED', accrued_cost: 1.25 }))).toBe(true);
    expect(await st.saveCluster(cluster('missing'))).toBe(false);
    expect((await st.getCluster('a'))?.accrued_cost).toBe(1.25);
    expect((await st.listClusters({ offset: 0, limit: 5, states: ['TERMINATED'] })).clusters).toHaveLength(1);
    await st.addClusterEvent({ cluster_id: 'a', timestamp: 1, type: 'CREATING', details: {} });
    expect(await st.deleteCluster('a')).toBe(true);
    expect(await st.deleteCluster('a')).toBe(false);
    expect(await st.listClusterEvents({ cluster_id: 'a', order: 'ASC', offset: 0, limit: 10 })).toEqual({ events: [], total: 0 });
  });

  test('events: ordered by time (ties by insertion), filtered by window and type, paged with the total', async () => {
    const st = clusters();
    await st.createCluster(cluster('a'));
    await st.addClusterEvent({ cluster_id: 'a', timestamp: 10, type: 'CREATING', details: { n: 1 } });
    await st.addClusterEvent({ cluster_id: 'a', timestamp: 20, type: 'INIT_SCRIPTS_STARTED', details: { n: 2 } });
    await st.addClusterEvent({ cluster_id: 'a', timestamp: 20, type: 'INIT_SCRIPTS_FINISHED', details: { n: 3 } });
    await st.addClusterEvent({ cluster_id: 'a', timestamp: 30, type: 'RUNNING', details: { n: 4 } });
    await st.addClusterEvent({ cluster_id: 'other', timestamp: 15, type: 'CREATING', details: {} });
    const asc = await st.listClusterEvents({ cluster_id: 'a', order: 'ASC', offset: 0, limit: 10 });
    expect(asc.events.map((e) => e.details.n)).toEqual([1, 2, 3, 4]);
    expect(asc.total).toBe(4);
    const desc = await st.listClusterEvents({ cluster_id: 'a', order: 'DESC', offset: 1, limit: 2 });
    expect(desc).toEqual({ events: [{ cluster_id: 'a', timestamp: 20, type: 'INIT_SCRIPTS_FINISHED', details: { n: 3 } }, { cluster_id: 'a', timestamp: 20, type: 'INIT_SCRIPTS_STARTED', details: { n: 2 } }], total: 4 });
    const window = await st.listClusterEvents({ cluster_id: 'a', order: 'ASC', offset: 0, limit: 10, start_time: 15, end_time: 25, event_types: ['INIT_SCRIPTS_FINISHED', 'RUNNING'] });
    expect(window.events.map((e) => e.details.n)).toEqual([3]);
    expect(window.total).toBe(1);
  });

  test('events from two store instances at once all land with distinct ids', async () => {
    const st = clusters();
    const other = new ClusterSqlStore((await s.another()).kysely);
    await st.createCluster(cluster('a'));
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? other : st).addClusterEvent({ cluster_id: 'a', timestamp: i, type: 'RESIZING', details: { i } })));
    const all = await st.listClusterEvents({ cluster_id: 'a', order: 'ASC', offset: 0, limit: 100 });
    expect(all.events.map((e) => e.details.i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  test('policies: names are unique on create and on save; list by name; delete', async () => {
    const st = clusters();
    expect(await st.createPolicy(policy('P2', 'zeta'))).toBe(true);
    expect(await st.createPolicy(policy('P1', 'alpha'))).toBe(true);
    expect(await st.createPolicy(policy('P3', 'alpha'))).toBe(false);
    expect(await st.getPolicy('P1')).toEqual(policy('P1', 'alpha'));
    expect((await st.listPolicies()).map((p) => p.name)).toEqual(['alpha', 'zeta']);
    expect(await st.savePolicy({ ...policy('P2', 'alpha') })).toBe('name_taken');
    expect(await st.savePolicy({ ...policy('P2', 'beta'), description: 'renamed' })).toBe('ok');
    expect(await st.savePolicy(policy('P9', 'nine'))).toBe('missing');
    expect((await st.getPolicy('P2'))?.description).toBe('renamed');
    expect(await st.deletePolicy('P2')).toBe(true);
    expect(await st.deletePolicy('P2')).toBe(false);
    expect((await st.listPolicies()).map((p) => p.policy_id)).toEqual(['P1']);
  });
});
