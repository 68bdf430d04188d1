import { sql, type Kysely } from 'kysely';
import type { UpdateState } from '../../domain/pipeline-settings.js';
import type { EventQuery, PipelineEventRecord, PipelineRecord, PipelineStore, UpdateRecord } from '../ports/pipeline-store.js';

interface Db {
  id_seq: { name: string; next_id: number };
  pipelines: { pipeline_id: string; name: string | null; data: string };
  pipeline_updates: { update_id: string; pipeline_id: string; state: string; creation_time: number; data: string };
  pipeline_events: { seq: number; id: string; pipeline_id: string; update_id: string | null; timestamp: number; level: string; event_type: string; data: string };
}

/** Kysely implementation of the pipeline store (SQLite and PostgreSQL). */
export class PipelineSqlStore implements PipelineStore {
  private readonly db: Kysely<Db>;
  constructor(db: Kysely<any>) {
    this.db = db as Kysely<Db>;
  }

  async createPipeline(p: PipelineRecord): Promise<void> {
    await this.db.insertInto('pipelines').values({ pipeline_id: p.pipeline_id, name: p.spec.name ?? null, data: JSON.stringify(p) }).execute();
  }

  async getPipeline(id: string): Promise<PipelineRecord | undefined> {
    const row = await this.db.selectFrom('pipelines').select('data').where('pipeline_id', '=', id).executeTakeFirst();
    return row ? (JSON.parse(row.data) as PipelineRecord) : undefined;
  }

  async findPipelineByName(name: string): Promise<PipelineRecord | undefined> {
    const row = await this.db.selectFrom('pipelines').select('data').where('name', '=', name).orderBy('pipeline_id').executeTakeFirst();
    return row ? (JSON.parse(row.data) as PipelineRecord) : undefined;
  }

  async listPipelines(q: { nameLike?: string; orderBy: 'id' | 'name'; ascending: boolean; offset: number; limit: number }): Promise<{ pipelines: PipelineRecord[]; hasMore: boolean }> {
    let query = this.db.selectFrom('pipelines').select('data');
    // lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not; coalesce: SQLite sorts NULL
    // names first, PostgreSQL last. Both written out so the two stores agree.
    if (q.nameLike !== undefined) query = query.where((eb) => eb(eb.fn('lower', ['name']), 'like', q.nameLike!.toLowerCase()));
    const dir = q.ascending ? 'asc' : 'desc';
    query = q.orderBy === 'name' ? query.orderBy(sql`coalesce(name, '')`, dir).orderBy('pipeline_id', dir) : query.orderBy('pipeline_id', dir);
    const rows = await query.limit(q.limit + 1).offset(q.offset).execute();
    return { pipelines: rows.slice(0, q.limit).map((r) => JSON.parse(r.data) as PipelineRecord), hasMore: rows.length > q.limit };
  }

  async savePipeline(p: PipelineRecord): Promise<void> {
    await this.db.updateTable('pipelines').set({ name: p.spec.name ?? null, data: JSON.stringify(p) }).where('pipeline_id', '=', p.pipeline_id).execute();
  }

  async deletePipeline(id: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('pipeline_events').where('pipeline_id', '=', id).execute();
      await tx.deleteFrom('pipeline_updates').where('pipeline_id', '=', id).execute();
      await tx.deleteFrom('pipelines').where('pipeline_id', '=', id).execute();
    });
  }

  async createUpdate(u: UpdateRecord): Promise<void> {
    await this.db.insertInto('pipeline_updates').values({ update_id: u.update_id, pipeline_id: u.pipeline_id, state: u.state, creation_time: u.creation_time, data: JSON.stringify(u) }).execute();
  }

  async getUpdate(id: string): Promise<UpdateRecord | undefined> {
    const row = await this.db.selectFrom('pipeline_updates').select('data').where('update_id', '=', id).executeTakeFirst();
    return row ? (JSON.parse(row.data) as UpdateRecord) : undefined;
  }

  async saveUpdate(u: UpdateRecord): Promise<void> {
    await this.db.updateTable('pipeline_updates').set({ state: u.state, data: JSON.stringify(u) }).where('update_id', '=', u.update_id).execute();
  }

  async listUpdates(pipelineId: string, q: { offset: number; limit: number }): Promise<{ updates: UpdateRecord[]; hasMore: boolean }> {
    const rows = await this.db
      .selectFrom('pipeline_updates')
      .select('data')
      .where('pipeline_id', '=', pipelineId)
      .orderBy('creation_time', 'desc')
      .orderBy('update_id', 'desc')
      .limit(q.limit + 1)
      .offset(q.offset)
      .execute();
    return { updates: rows.slice(0, q.limit).map((r) => JSON.parse(r.data) as UpdateRecord), hasMore: rows.length > q.limit };
  }

  async updatesInStates(states: UpdateState[]): Promise<UpdateRecord[]> {
    const rows = await this.db.selectFrom('pipeline_updates').select('data').where('state', 'in', states).orderBy('creation_time').execute();
    return rows.map((r) => JSON.parse(r.data) as UpdateRecord);
  }

  async appendEvents(events: Omit<PipelineEventRecord, 'seq'>[]): Promise<void> {
    if (events.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable('id_seq')
        .set((eb) => ({ next_id: eb('next_id', '+', events.length) }))
        .where('name', '=', 'pipeline_event')
        .returning('next_id')
        .executeTakeFirstOrThrow();
      const first = Number(row.next_id) - events.length;
      const rows = events.map((e, i) => {
        const rec: PipelineEventRecord = { ...e, seq: first + i };
        return { seq: rec.seq, id: e.id, pipeline_id: e.pipeline_id, update_id: e.update_id, timestamp: e.timestamp, level: e.level, event_type: e.event_type, data: JSON.stringify(rec) };
      });
      for (let i = 0; i < rows.length; i += 500) await tx.insertInto('pipeline_events').values(rows.slice(i, i + 500)).execute();
    });
  }

  async listEvents(pipelineId: string, q: EventQuery): Promise<{ events: PipelineEventRecord[]; hasMore: boolean }> {
    let query = this.db.selectFrom('pipeline_events').select('data').where('pipeline_id', '=', pipelineId);
    if (q.levels) query = query.where('level', 'in', q.levels);
    if (q.eventTypes) query = query.where('event_type', 'in', q.eventTypes);
    if (q.updateId !== undefined) query = query.where('update_id', '=', q.updateId);
    if (q.id !== undefined) query = query.where('id', '=', q.id);
    for (const t of q.timestamp ?? []) query = query.where('timestamp', t.op, t.value);
    const rows = await query.orderBy('seq', q.ascending ? 'asc' : 'desc').limit(q.limit + 1).offset(q.offset).execute();
    return { events: rows.slice(0, q.limit).map((r) => JSON.parse(r.data) as PipelineEventRecord), hasMore: rows.length > q.limit };
  }
}
