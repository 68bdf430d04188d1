import { WeirError } from '../domain/weir-error.js';
import type { DeliveryTarget, NotificationMessage } from '../store/ports/notification-store.js';
import type { Channel } from './channel.js';
import { postJson } from './webhook-channel.js';

/** PagerDuty's public Events API v2 endpoint (the default of WEIR_PAGERDUTY_EVENTS_URL). */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/**
 * An Events API v2 body: a failure or duration warning triggers an incident keyed by the job run, and a later
 * success resolves it; on_start has no PagerDuty meaning and yields undefined.
 */
export function pagerDutyEvent(routingKey: string, m: NotificationMessage): Record<string, unknown> | undefined {
  if (m.event === 'on_success') return { routing_key: routingKey, event_action: 'resolve', dedup_key: m.dedup_key };
  if (m.event === 'on_start') return undefined;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: m.dedup_key,
    payload: {
      summary: m.subject.slice(0, 1024),
      source: 'weir',
      severity: m.event === 'on_failure' ? 'error' : 'warning',
      timestamp: new Date(m.occurred_time).toISOString(),
      component: m.task_key ?? m.job_name,
      class: m.event_type,
      custom_details: { job_id: m.job_id, run_id: m.run_id, task_key: m.task_key, state: m.life_cycle_state, result: m.result_state, duration_ms: m.duration_ms, error: m.error },
    },
    links: [{ href: m.url, text: 'weir run page' }],
  };
}

/** PagerDuty Events API v2 at `eventsUrl` (configurable so tests and proxies can receive the events). */
export function pagerDutyChannel(eventsUrl: string): Channel {
  return {
    async send(target: DeliveryTarget, m: NotificationMessage) {
      if (!target.integration_key) {
        throw new WeirError('NOTIFICATION.DELIVERY_FAILED', `PagerDuty destination ${target.destination} has no integration_key: set config.pagerduty.integration_key.`);
      }
      const body = pagerDutyEvent(target.integration_key, m);
      if (body) await postJson(eventsUrl, body);
    },
  };
}
