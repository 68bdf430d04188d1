import { WeirError } from '../domain/weir-error.js';
import type { DeliveryTarget, NotificationMessage } from '../store/ports/notification-store.js';
import type { Channel } from './channel.js';

/** How long one HTTP delivery may take before it counts as failed (and is retried). */
const HTTP_TIMEOUT_MS = 10_000;

/** POSTs JSON; a network error, a timeout or a non-2xx answer throws a retryable NOTIFICATION.DELIVERY_FAILED. */
export async function postJson(url: string | undefined, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  if (!url) throw new WeirError('NOTIFICATION.DELIVERY_FAILED', 'The destination has no url: set config.<type>.url on the notification destination.');
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (e as Error).message;
    throw new WeirError('NOTIFICATION.DELIVERY_FAILED', `POST ${url} failed: ${why}`, { cause: e, retryable: true });
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) {
    // 4xx other than 408/429 means the request itself is wrong (bad key, bad URL): retrying cannot help.
    const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
    throw new WeirError('NOTIFICATION.DELIVERY_FAILED', `POST ${url} answered HTTP ${res.status}: ${text.slice(0, 300)}`, { retryable, params: { status: res.status } });
  }
}

/** The generic webhook payload: Databricks' fields (event_type, job, run, task) plus the state and a link. */
export function webhookPayload(m: NotificationMessage): Record<string, unknown> {
  return {
    event_type: m.event_type,
    job: { job_id: m.job_id === null ? null : String(m.job_id), name: m.job_name },
    run: { run_id: String(m.run_id), run_name: m.run_name, life_cycle_state: m.life_cycle_state, result_state: m.result_state, run_page_url: m.url },
    ...(m.task_key === null ? {} : { task: { task_key: m.task_key, attempt_number: m.attempt_number } }),
    duration_ms: m.duration_ms,
    error: m.error,
    subject: m.subject,
    text: m.text,
    timestamp: new Date(m.occurred_time).toISOString(),
  };
}

/** A generic webhook destination: JSON POST, with basic auth when the destination has a username. */
export const webhookChannel: Channel = {
  async send(target: DeliveryTarget, m: NotificationMessage) {
    const headers: Record<string, string> = {};
    if (target.username) headers.authorization = `Basic ${Buffer.from(`${target.username}:${target.password ?? ''}`).toString('base64')}`;
    await postJson(target.url, webhookPayload(m), headers);
  },
};
