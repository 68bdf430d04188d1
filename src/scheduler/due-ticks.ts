import { nextFireTime } from './quartz-cron.js';
import type { JobTrigger } from './job-trigger.js';

/** One tick the scheduler must fire: its logical time and whether it stands for ticks missed while weir was down. */
export interface DueTick {
  time: number;
  misfire: boolean;
}

/**
 * The ticks of a time-based trigger (cron or periodic) in (cursor, now], following Quartz's misfire rule
 * (smart policy = fire once now): ticks late by more than `misfireMs` are collapsed into one tick whose
 * logical time is the first missed one; ticks within the threshold fire one by one. At most `max` ticks.
 */
export function dueTicks(t: Extract<JobTrigger, { kind: 'cron' | 'periodic' }>, anchor: number, cursor: number, now: number, misfireMs: number, max = 1000): DueTick[] {
  const next = (after: number): number | null => nextTime(t, anchor, after);
  const out: DueTick[] = [];
  let at = next(cursor);
  if (at === null || at > now) return out;
  const cutoff = now - misfireMs;
  if (at < cutoff) {
    out.push({ time: at, misfire: true });
    // Skip to the first tick inside the threshold without walking every missed tick.
    at = next(Math.max(at, cutoff - 1));
  }
  while (at !== null && at <= now && out.length < max) {
    out.push({ time: at, misfire: false });
    at = next(at);
  }
  return out;
}

/** The first fire time strictly after `after`, or null when the trigger never fires again. */
export function nextTime(t: Extract<JobTrigger, { kind: 'cron' | 'periodic' }>, anchor: number, after: number): number | null {
  if (t.kind === 'cron') return nextFireTime(t.cron, after, t.timeZone);
  if (after < anchor) return anchor + t.intervalMs;
  const k = Math.floor((after - anchor) / t.intervalMs) + 1;
  return anchor + k * t.intervalMs;
}
