import type { z } from 'zod';
import type { EmailNotifications, NotificationSettings, WebhookNotifications } from '../domain/task.js';
import type { LifeCycleState, ResultState } from '../domain/run-state.js';
import type { RunEvent } from '../executor/run-events.js';
import type { NotificationEvent } from '../store/ports/notification-store.js';
import type { RunRecord, TaskRunRecord } from '../store/records.js';

/** Who is told about one condition: the email addresses and destination ids listed for it. */
export interface Trigger {
  event: NotificationEvent;
  level: 'job' | 'task';
  emails: string[];
  destinationIds: string[];
  /**
   * For on_success: destinations listed under on_failure or on_duration_warning_threshold_exceeded, so that a
   * PagerDuty incident a failure or warning of this run opened is resolved.
   */
  resolveIds: string[];
  /** The task attempt, for task-level triggers. */
  taskRun?: TaskRunRecord;
}

/** Where notifications are configured: job settings or one task. */
interface NotificationSource {
  email_notifications?: z.infer<typeof EmailNotifications>;
  webhook_notifications?: z.infer<typeof WebhookNotifications>;
  notification_settings?: z.infer<typeof NotificationSettings>;
}

/** How a run or task ended, as far as notifications care. */
export type Ending = 'success' | 'failure' | 'canceled' | 'skipped' | 'silent';

/** Classifies a terminal state: canceled and skipped runs alert on_failure unless the settings say not to. */
export function endingOf(life: LifeCycleState, result: ResultState | null): Ending {
  if (result === 'SUCCESS' || result === 'SUCCESS_WITH_FAILURES') return 'success';
  if (result === 'EXCLUDED' || result === 'DISABLED') return 'silent';
  if (result === 'CANCELED' || result === 'UPSTREAM_CANCELED') return 'canceled';
  if (life === 'SKIPPED' || result === 'MAXIMUM_CONCURRENT_RUNS_REACHED' || result === 'UPSTREAM_FAILED') return 'skipped';
  return 'failure';
}

const truthy = (v: unknown): boolean => v === true || v === 'true';

/** The addresses and destination ids configured for `event` in `src` (empty when none). */
function recipients(src: NotificationSource, event: NotificationEvent): { emails: string[]; destinationIds: string[] } {
  const emails = (src.email_notifications?.[event] as string[] | undefined) ?? [];
  const hooks = (src.webhook_notifications?.[event] as { id: string }[] | undefined) ?? [];
  return { emails: [...new Set(emails)], destinationIds: [...new Set(hooks.map((h) => h.id))] };
}

function trigger(src: NotificationSource, event: NotificationEvent, level: 'job' | 'task', taskRun?: TaskRunRecord): Trigger[] {
  const r = recipients(src, event);
  const alarms = event === 'on_success' ? ['on_failure', 'on_duration_warning_threshold_exceeded'] as const : [];
  const resolveIds = [...new Set(alarms.flatMap((a) => recipients(src, a).destinationIds))].filter((id) => !r.destinationIds.includes(id));
  return r.emails.length || r.destinationIds.length || resolveIds.length ? [{ event, level, ...r, resolveIds, taskRun }] : [];
}

/** The event an ending maps to, or none when notification_settings silence it. */
function endingEvent(src: NotificationSource, ending: Ending): NotificationEvent | undefined {
  const s = src.notification_settings ?? {};
  if (ending === 'success') return 'on_success';
  if (ending === 'silent') return undefined;
  if (ending === 'canceled' && truthy(s.no_alert_for_canceled_runs)) return undefined;
  if (ending === 'skipped' && (truthy(s.no_alert_for_skipped_runs) || truthy(src.email_notifications?.no_alert_for_skipped_runs))) return undefined;
  return 'on_failure';
}

/** A task attempt's own notifications apply to top-level tasks; for_each iterations report through their parent. */
const isTopLevel = (tr: TaskRunRecord): boolean => tr.parent_task_run_id === null;

/**
 * The notifications a run event triggers. Job-level settings answer run start and end; task-level settings answer
 * attempt start and end. With alert_on_last_attempt, retried attempts send no on_start and failures only alert on
 * the final attempt.
 */
export function triggersFor(e: RunEvent): Trigger[] {
  const job: NotificationSource = e.run.settings;
  switch (e.type) {
    case 'run_started':
      return trigger(job, 'on_start', 'job');
    case 'run_ended': {
      const event = endingEvent(job, endingOf(e.run.life_cycle_state, e.run.result_state));
      return event ? trigger(job, event, 'job') : [];
    }
    case 'task_started': {
      const task: NotificationSource = e.taskRun.task;
      if (!isTopLevel(e.taskRun)) return [];
      if (e.taskRun.attempt_number > 0 && truthy(task.notification_settings?.alert_on_last_attempt)) return [];
      return trigger(task, 'on_start', 'task', e.taskRun);
    }
    case 'task_ended': {
      const task: NotificationSource = e.taskRun.task;
      if (!isTopLevel(e.taskRun)) return [];
      const event = endingEvent(task, endingOf(e.taskRun.life_cycle_state, e.taskRun.result_state));
      if (event === 'on_failure' && !e.lastAttempt && truthy(task.notification_settings?.alert_on_last_attempt)) return [];
      return event ? trigger(task, event, 'task', e.taskRun) : [];
    }
  }
}

/** The duration-warning notifications of a run (job level) or of one of its tasks. */
export function durationTriggers(run: RunRecord, taskRun?: TaskRunRecord): Trigger[] {
  return taskRun
    ? trigger(taskRun.task, 'on_duration_warning_threshold_exceeded', 'task', taskRun)
    : trigger(run.settings, 'on_duration_warning_threshold_exceeded', 'job');
}

/** The smallest RUN_DURATION_SECONDS GREATER_THAN threshold of a health block, in seconds. */
export function durationThreshold(health: { rules?: { metric: string; op: string; value: number | string }[] } | undefined): number | undefined {
  const values = (health?.rules ?? [])
    .filter((r) => r.metric === 'RUN_DURATION_SECONDS' && r.op === 'GREATER_THAN')
    .map((r) => Number(r.value))
    .filter((v) => Number.isFinite(v) && v >= 0);
  return values.length ? Math.min(...values) : undefined;
}
