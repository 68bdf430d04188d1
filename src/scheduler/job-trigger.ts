import type { JobSettings } from '../domain/job-settings.js';
import { WeirError } from '../domain/weir-error.js';
import { nextFireTime, parseQuartzCron, type QuartzCron } from './quartz-cron.js';

/** What makes a job start on its own, as the scheduler evaluates it. */
export type JobTrigger =
  | { kind: 'cron'; expression: string; timeZone: string; cron: QuartzCron }
  | { kind: 'periodic'; intervalMs: number }
  | { kind: 'continuous' }
  | { kind: 'file_arrival'; url: string; minBetweenMs: number; waitAfterMs: number }
  | { kind: 'table_update'; tables: string[]; condition: 'ANY_UPDATED' | 'ALL_UPDATED'; minBetweenMs: number; waitAfterMs: number };

const UNIT_MS = { MINUTES: 60_000, HOURS: 3_600_000, DAYS: 86_400_000, WEEKS: 604_800_000 } as const;

/**
 * The active trigger of a job, or null when it has none or it is paused. Databricks allows one of schedule,
 * trigger and continuous; jobs/create already rejects settings with more than one.
 */
export function jobTrigger(settings: JobSettings): JobTrigger | null {
  const s = settings.schedule;
  if (s) {
    if (s.pause_status === 'PAUSED') return null;
    return { kind: 'cron', expression: s.quartz_cron_expression, timeZone: s.timezone_id, cron: parseQuartzCron(s.quartz_cron_expression) };
  }
  if (settings.continuous) return settings.continuous.pause_status === 'PAUSED' ? null : { kind: 'continuous' };
  const t = settings.trigger;
  if (!t || t.pause_status === 'PAUSED') return null;
  if (t.periodic) return { kind: 'periodic', intervalMs: Number(t.periodic.interval) * UNIT_MS[t.periodic.unit] };
  if (t.file_arrival) {
    return {
      kind: 'file_arrival',
      url: t.file_arrival.url,
      minBetweenMs: Number(t.file_arrival.min_time_between_triggers_seconds ?? 0) * 1000,
      waitAfterMs: Number(t.file_arrival.wait_after_last_change_seconds ?? 0) * 1000,
    };
  }
  if (t.table_update) {
    return {
      kind: 'table_update',
      tables: t.table_update.table_names,
      condition: t.table_update.condition ?? 'ANY_UPDATED',
      minBetweenMs: Number(t.table_update.min_time_between_triggers_seconds ?? 0) * 1000,
      waitAfterMs: Number(t.table_update.wait_after_last_change_seconds ?? 0) * 1000,
    };
  }
  return null;
}

/** A stable fingerprint of the trigger-relevant settings: when it changes, the trigger's state starts afresh. */
export function triggerFingerprint(t: JobTrigger): string {
  switch (t.kind) {
    case 'cron':
      return `cron|${t.expression}|${t.timeZone}`;
    case 'periodic':
      return `periodic|${t.intervalMs}`;
    case 'continuous':
      return 'continuous';
    case 'file_arrival':
      return `file_arrival|${t.url}`;
    case 'table_update':
      return `table_update|${[...t.tables].sort().join(',')}|${t.condition}`;
  }
}

/**
 * Checks a job's schedule and triggers when it is created or changed, so a wrong cron expression or time zone
 * is refused with its reason instead of silently never firing. `where` prefixes field paths (e.g. a file name).
 */
export function validateJobTrigger(settings: JobSettings, where = ''): void {
  const at = (field: string) => `${where ? `${where}: ` : ''}${field}`;
  const kinds = [settings.schedule && 'schedule', settings.continuous && 'continuous', settings.trigger && 'trigger'].filter(Boolean);
  if (kinds.length > 1) {
    throw new WeirError('VALIDATION.INVALID', `${at(kinds.join(', '))}: a job can have only one of schedule, continuous and trigger; remove all but one`);
  }
  const s = settings.schedule;
  if (s) {
    try {
      const cron = parseQuartzCron(s.quartz_cron_expression);
      nextFireTime(cron, 0, s.timezone_id);
    } catch (e) {
      if (!(e instanceof WeirError)) throw e;
      const field = e.code === 'SCHEDULE.INVALID_TIMEZONE' ? 'schedule.timezone_id' : 'schedule.quartz_cron_expression';
      throw new WeirError(e.code, `${at(field)}: ${e.message}`, { params: e.params, cause: e });
    }
  }
  const p = settings.trigger?.periodic;
  if (p && !(Number(p.interval) >= 1)) throw new WeirError('VALIDATION.INVALID', `${at('trigger.periodic.interval')}: must be a whole number of ${p.unit.toLowerCase()} ≥ 1`);
}
