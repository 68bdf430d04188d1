import type { Kysely } from 'kysely';
import type {
  DeliveryAttemptRecord,
  DeliveryPatch,
  DeliveryRecord,
  DestinationRecord,
  NewDelivery,
  NotificationStore,
} from '../ports/notification-store.js';

interface Db {
  id_seq: { name: string; next_id: number };
  notification_destinations: { id: string; created_time: number; data: string };
  notification_deliveries: { delivery_id: number; run_id: number; state: string; next_attempt_time: number; data: string };
  notification_attempts: { delivery_id: number; attempt: number; run_id: number; data: string };
}

/** Kysely implementation of the notification store (SQLite and PostgreSQL); rows keep their record as JSON. */
export class NotificationSqlStore implements NotificationStore {
  private readonly db: Kysely<Db>;
  constructor(db: Kysely<any>) {
    this.db = db as Kysely<Db>;
  }

  async createDestination(d: DestinationRecord): Promise<void> {
    await this.db.insertInto('notification_destinations').values({ id: d.id, created_time: d.created_time, data: JSON.stringify(d) }).execute();
  }

  async getDestination(id: string): Promise<DestinationRecord | undefined> {
    const row = await this.db.selectFrom('notification_destinations').select('data').where('id', '=', id).executeTakeFirst();
    return row ? (JSON.parse(row.data) as DestinationRecord) : undefined;
  }

  async listDestinations(): Promise<DestinationRecord[]> {
    const rows = await this.db.selectFrom('notification_destinations').select('data').orderBy('created_time').orderBy('id').execute();
    return rows.map((r) => JSON.parse(r.data) as DestinationRecord);
  }

  async replaceDestination(d: DestinationRecord): Promise<boolean> {
    const r = await this.db.updateTable('notification_destinations').set({ data: JSON.stringify(d) }).where('id', '=', d.id).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async deleteDestination(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('notification_destinations').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async insertDeliveries(ds: NewDelivery[]): Promise<number[]> {
    if (ds.length === 0) return [];
    return this.db.transaction().execute(async (tx) => {
      const row = await tx
        .updateTable('id_seq')
        .set((eb) => ({ next_id: eb('next_id', '+', ds.length) }))
        .where('name', '=', 'notification_delivery')
        .returning('next_id')
        .executeTakeFirstOrThrow();
      const first = Number(row.next_id) - ds.length;
      const recs: DeliveryRecord[] = ds.map((d, i) => ({ delivery_id: first + i, ...d }));
      await tx.insertInto('notification_deliveries').values(recs.map(deliveryRow)).execute();
      return recs.map((r) => r.delivery_id);
    });
  }

  async dueDeliveries(now: number, limit: number): Promise<DeliveryRecord[]> {
    const rows = await this.db
      .selectFrom('notification_deliveries')
      .select('data')
      .where('state', '=', 'PENDING')
      .where('next_attempt_time', '<=', now)
      .orderBy('delivery_id')
      .limit(limit)
      .execute();
    return rows.map((r) => JSON.parse(r.data) as DeliveryRecord);
  }

  async nextAttemptTime(): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('notification_deliveries')
      .select((eb) => eb.fn.min('next_attempt_time').as('t'))
      .where('state', '=', 'PENDING')
      .executeTakeFirst();
    return row?.t === null || row?.t === undefined ? undefined : Number(row.t);
  }

  async recordAttempt(deliveryId: number, patch: DeliveryPatch, attempt: DeliveryAttemptRecord): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('notification_deliveries').select('data').where('delivery_id', '=', deliveryId).executeTakeFirst();
      if (!row) return;
      const rec: DeliveryRecord = { ...(JSON.parse(row.data) as DeliveryRecord), ...patch };
      await tx.updateTable('notification_deliveries').set(deliveryRow(rec)).where('delivery_id', '=', deliveryId).execute();
      await tx
        .insertInto('notification_attempts')
        .values({ delivery_id: deliveryId, attempt: attempt.attempt, run_id: attempt.run_id, data: JSON.stringify(attempt) })
        .execute();
    });
  }

  async postponeDeliveries(deliveryIds: number[], time: number): Promise<void> {
    if (deliveryIds.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      const rows = await tx.selectFrom('notification_deliveries').select('data').where('delivery_id', 'in', deliveryIds).where('state', '=', 'PENDING').execute();
      for (const r of rows) {
        const rec: DeliveryRecord = { ...(JSON.parse(r.data) as DeliveryRecord), next_attempt_time: time };
        await tx.updateTable('notification_deliveries').set(deliveryRow(rec)).where('delivery_id', '=', rec.delivery_id).execute();
      }
    });
  }

  async listDeliveries(runId: number): Promise<DeliveryRecord[]> {
    const rows = await this.db.selectFrom('notification_deliveries').select('data').where('run_id', '=', runId).orderBy('delivery_id').execute();
    return rows.map((r) => JSON.parse(r.data) as DeliveryRecord);
  }

  async listAttempts(runId: number): Promise<DeliveryAttemptRecord[]> {
    const rows = await this.db
      .selectFrom('notification_attempts')
      .select('data')
      .where('run_id', '=', runId)
      .orderBy('delivery_id')
      .orderBy('attempt')
      .execute();
    return rows.map((r) => JSON.parse(r.data) as DeliveryAttemptRecord);
  }
}

function deliveryRow(d: DeliveryRecord) {
  return { delivery_id: d.delivery_id, run_id: d.run_id, state: d.state, next_attempt_time: d.next_attempt_time, data: JSON.stringify(d) };
}
