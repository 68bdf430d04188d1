import { Hono } from 'hono';
import { guardedHandle } from './job-permission-guard.js';
import { z } from 'zod';
import { WeirError } from '../domain/weir-error.js';
import { IntLike } from '../domain/wire.js';
import type { Destinations } from '../notifications/destinations.js';
import { wireDestination } from '../notifications/destinations.js';
import type { NotificationStore } from '../store/ports/notification-store.js';
import type { ApiDeps } from './app.js';
import { API_VERSIONS } from './app.js';
import { ApiError, runNotFound } from './errors.js';
import { handle } from './handle.js';
import { parseParams } from './params.js';

/** What the notification routes need from the notification system. */
export interface NotificationsApi {
  destinations: Destinations;
  store: NotificationStore;
}

const RunIdParams = z.object({ run_id: IntLike });

/** DESTINATION_NOT_FOUND answers 404 RESOURCE_DOES_NOT_EXIST, as Databricks does. */
async function mapNotFound<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof WeirError && e.code === 'NOTIFICATION.DESTINATION_NOT_FOUND') throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', e.message);
    throw e;
  }
}

/**
 * Databricks' Notification Destinations API (`/api/2.0/notification-destinations`) and weir's
 * `GET /api/2.x/jobs/runs/notifications?run_id=`: every delivery of a run with each of its attempts.
 */
export function notificationsRoutes(deps: ApiDeps): Hono {
  // The job permission rules (job-permission-guard.ts) apply here as on the jobs and runs routes.
  const guarded = guardedHandle(deps);
  const app = new Hono();
  const n = (): NotificationsApi => {
    if (!deps.notifications) throw new ApiError(501, 'NOT_IMPLEMENTED', 'This weir process has no notification system; start `weir server`.');
    return deps.notifications;
  };
  const base = '/api/2.0/notification-destinations';

  app.post(base, handle(async (p) => wireDestination(await n().destinations.create(p))));
  app.get(base, handle(async () => ({ results: (await n().destinations.list()).map((d) => ({ id: d.id, display_name: d.display_name, destination_type: d.destination_type })) })));
  app.get(`${base}/:id`, handle(async (_p, c) => wireDestination(await mapNotFound(n().destinations.get(c.req.param('id') as string)))));
  app.patch(`${base}/:id`, handle(async (p, c) => wireDestination(await mapNotFound(n().destinations.update(c.req.param('id') as string, p)))));
  app.delete(`${base}/:id`, handle(async (_p, c) => {
    await mapNotFound(n().destinations.delete(c.req.param('id') as string));
    return {};
  }));

  for (const v of API_VERSIONS) {
    app.get(`/api/${v}/jobs/runs/notifications`, guarded(async (p) => {
      const { run_id } = parseParams(RunIdParams, p);
      if (!(await deps.store.getRun(run_id))) throw runNotFound(run_id);
      const store = n().store;
      const [deliveries, attempts] = await Promise.all([store.listDeliveries(run_id), store.listAttempts(run_id)]);
      return {
        run_id,
        deliveries: deliveries.map((d) => ({
          delivery_id: d.delivery_id,
          event: d.event,
          level: d.message.level,
          task_key: d.message.task_key,
          channel: d.target.channel,
          destination: d.target.destination,
          destination_name: d.target.destination_name,
          state: d.state,
          attempts: d.attempts,
          next_attempt_time: d.state === 'PENDING' ? d.next_attempt_time : undefined,
          last_error: d.last_error,
        })),
        attempts: attempts.map((a) => ({ ...a })),
      };
    }));
  }
  return app;
}
