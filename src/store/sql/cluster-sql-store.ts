import type { Kysely } from 'kysely';
import type { ClusterState } from '../../domain/cluster-spec.js';
import type { ClusterEventQuery, ClusterEventRecord, ClusterPolicyRecord, ClusterRecord, ClusterStore } from '../ports/cluster-store.js';

interface Db {
  id_seq: { name: string; next_id: number };
  clusters: { cluster_id: string; state: string; created_time: number; data: string };
  cluster_events: { event_id: number; cluster_id: string; timestamp: number; type: string; data: string };
  cluster_policies: { policy_id: string; name: string; data: string };
}

/** Kysely implementation of the cluster store (SQLite and PostgreSQL); construct it from `SqlStore.kysely`. */
export class ClusterSqlStore implements ClusterStore {
  private readonly db: Kysely<Db>;
  constructor(db: Kysely<any>) {
    this.db = db as Kysely<Db>;
  }

  async createCluster(c: ClusterRecord): Promise<void> {
    await this.db.insertInto('clusters').values({ cluster_id: c.cluster_id, state: c.state, created_time: c.created_time, data: JSON.stringify(c) }).execute();
  }

  async getCluster(clusterId: string): Promise<ClusterRecord | undefined> {
    const row = await this.db.selectFrom('clusters').select('data').where('cluster_id', '=', clusterId).executeTakeFirst();
    return row ? (JSON.parse(row.data) as ClusterRecord) : undefined;
  }

  async listClusters(q: { offset: number; limit: number; states?: ClusterState[] }) {
    let s = this.db.selectFrom('clusters').select('data').orderBy('created_time').orderBy('cluster_id');
    if (q.states?.length) s = s.where('state', 'in', q.states);
    const rows = await s.offset(q.offset).limit(q.limit + 1).execute();
    return { clusters: rows.slice(0, q.limit).map((r) => JSON.parse(r.data) as ClusterRecord), hasMore: rows.length > q.limit };
  }

  async saveCluster(c: ClusterRecord): Promise<boolean> {
    const r = await this.db.updateTable('clusters').set({ state: c.state, data: JSON.stringify(c) }).where('cluster_id', '=', c.cluster_id).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async deleteCluster(clusterId: string): Promise<boolean> {
    // Two statements, no transaction: SQLite store instances in one process would block each other inside one.
    await this.db.deleteFrom('cluster_events').where('cluster_id', '=', clusterId).execute();
    const r = await this.db.deleteFrom('clusters').where('cluster_id', '=', clusterId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async addClusterEvent(e: ClusterEventRecord): Promise<void> {
    // The id comes from one atomic UPDATE … RETURNING; a crash before the insert only skips an id.
    const row = await this.db
      .updateTable('id_seq')
      .set((eb) => ({ next_id: eb('next_id', '+', 1) }))
      .where('name', '=', 'cluster_event')
      .returning('next_id')
      .executeTakeFirstOrThrow();
    const event_id = Number(row.next_id) - 1;
    await this.db.insertInto('cluster_events').values({ event_id, cluster_id: e.cluster_id, timestamp: e.timestamp, type: e.type, data: JSON.stringify(e) }).execute();
  }

  async listClusterEvents(q: ClusterEventQuery) {
    let s = this.db.selectFrom('cluster_events').where('cluster_id', '=', q.cluster_id);
    if (q.start_time !== undefined) s = s.where('timestamp', '>=', q.start_time);
    if (q.end_time !== undefined) s = s.where('timestamp', '<=', q.end_time);
    if (q.event_types?.length) s = s.where('type', 'in', q.event_types);
    const count = await s.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const dir = q.order === 'ASC' ? 'asc' : 'desc';
    const rows = await s.select('data').orderBy('timestamp', dir).orderBy('event_id', dir).offset(q.offset).limit(q.limit).execute();
    return { events: rows.map((r) => JSON.parse(r.data) as ClusterEventRecord), total: Number(count.n) };
  }

  async createPolicy(p: ClusterPolicyRecord): Promise<boolean> {
    const r = await this.db
      .insertInto('cluster_policies')
      .values({ policy_id: p.policy_id, name: p.name, data: JSON.stringify(p) })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async getPolicy(policyId: string): Promise<ClusterPolicyRecord | undefined> {
    const row = await this.db.selectFrom('cluster_policies').select('data').where('policy_id', '=', policyId).executeTakeFirst();
    return row ? (JSON.parse(row.data) as ClusterPolicyRecord) : undefined;
  }

  async listPolicies(): Promise<ClusterPolicyRecord[]> {
    const rows = await this.db.selectFrom('cluster_policies').select('data').orderBy('name').execute();
    return rows.map((r) => JSON.parse(r.data) as ClusterPolicyRecord);
  }

  async savePolicy(p: ClusterPolicyRecord): Promise<'ok' | 'missing' | 'name_taken'> {
    try {
      const r = await this.db.updateTable('cluster_policies').set({ name: p.name, data: JSON.stringify(p) }).where('policy_id', '=', p.policy_id).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0 ? 'ok' : 'missing';
    } catch (e) {
      if (isUniqueViolation(e)) return 'name_taken';
      throw e;
    }
  }

  async deletePolicy(policyId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('cluster_policies').where('policy_id', '=', policyId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}

/** A unique-constraint violation on SQLite (SQLITE_CONSTRAINT_UNIQUE) or PostgreSQL (23505). */
function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}
