import { createHash } from 'node:crypto';
import type { TickRecord, TriggerState } from '../store/ports/schedule-store.js';
import type { RunStore } from '../store/ports/run-store.js';
import type { TableVersionProbe } from './delta-version-probe.js';
import { dueTicks, nextTime } from './due-ticks.js';
import type { ListedFile } from '../engine/file-listing.js';
import type { JobTrigger } from './job-trigger.js';

/** What one evaluation of a job's trigger decided: ticks to fire, the state to keep, and when to look again. */
export interface Evaluation {
  fire: Omit<TickRecord, 'created_time' | 'run_id'>[];
  state: TriggerState;
  nextDue: number;
}

/** Knobs of trigger evaluation (ms). */
export interface EvaluationOptions {
  /** Ticks later than this are collapsed into one (Quartz's misfire threshold; default 60 s). */
  misfireMs: number;
  /** Databricks runs schedule-triggered runs at least 10 s apart, whatever the expression says. */
  minScheduleIntervalMs: number;
  /** How often polled triggers (continuous, file arrival, table update) look again. */
  pollMs: number;
}

/** What evaluation reads besides the state: the runs of the job, files and table versions. */
export interface EvaluationSources {
  runs: RunStore;
  listFiles: (url: string) => Promise<ListedFile[]>;
  tables: TableVersionProbe;
}

type TimeTrigger = Extract<JobTrigger, { kind: 'cron' | 'periodic' }>;

/** Cron and periodic: the due ticks since the cursor, each with a key made of the job and the logical time. */
export function evaluateTimeTrigger(jobId: number, t: TimeTrigger, state: TriggerState, now: number, o: EvaluationOptions): Evaluation {
  const anchor = state.anchor ?? state.cursor;
  const ticks = dueTicks(t, anchor, state.cursor, now, o.misfireMs);
  const fire: Evaluation['fire'] = [];
  let lastFired = state.last_fired;
  for (const tick of ticks) {
    if (t.kind === 'cron' && lastFired !== undefined && tick.time - lastFired < o.minScheduleIntervalMs) continue;
    fire.push({ tick_key: `${t.kind}:${jobId}:${tick.time}`, job_id: jobId, kind: t.kind, scheduled_time: tick.time, info: tick.misfire ? { misfire: true } : {} });
    lastFired = tick.time;
  }
  const cursor = ticks.length >= 1000 ? ticks[ticks.length - 1].time : Math.max(state.cursor, now);
  const next = nextTime(t, anchor, cursor);
  return { fire, state: { ...state, cursor, anchor, last_fired: lastFired }, nextDue: next ?? Number.POSITIVE_INFINITY };
}

const ACTIVE = ['QUEUED', 'PENDING', 'RUNNING', 'TERMINATING', 'BLOCKED'] as const;
const FAILED = new Set(['FAILED', 'TIMEDOUT', 'INTERNAL_ERROR']);

/**
 * Continuous: start a run whenever the job has none active. After consecutive failed runs the next start waits
 * 10 s, 20 s, 40 s … up to 1 h, so a broken continuous job does not spin. The key names the run it follows.
 */
export async function evaluateContinuous(jobId: number, state: TriggerState, now: number, src: EvaluationSources, o: EvaluationOptions): Promise<Evaluation> {
  const again = now + o.pollMs;
  if ((await src.runs.countRunsInStates(jobId, [...ACTIVE])) > 0) return { fire: [], state, nextDue: again };
  const { runs } = await src.runs.listRuns({ jobId, offset: 0, limit: 8 });
  let failures = 0;
  for (const r of runs) {
    if (r.result_state && FAILED.has(r.result_state)) failures++;
    else break;
  }
  const last = runs[0];
  if (failures > 0 && last?.end_time) {
    const wait = Math.min(10_000 * 2 ** (failures - 1), 3_600_000);
    if (now < last.end_time + wait) return { fire: [], state: { ...state, failures }, nextDue: Math.min(again, last.end_time + wait) };
  }
  const tick = { tick_key: `continuous:${jobId}:after:${last?.run_id ?? 0}`, job_id: jobId, kind: 'continuous' as const, scheduled_time: now, info: {} };
  return { fire: [tick], state: { ...state, failures, last_fired: now }, nextDue: again };
}

/**
 * File arrival: fires when files appeared (or changed) since the last look, once the newest change is at least
 * wait_after_last_change old and min_time_between_triggers has passed. Files present when the trigger was
 * set up are the baseline and do not fire.
 */
export async function evaluateFileArrival(jobId: number, t: Extract<JobTrigger, { kind: 'file_arrival' }>, state: TriggerState, now: number, src: EvaluationSources, o: EvaluationOptions): Promise<Evaluation> {
  const files = await src.listFiles(t.url);
  const current = Object.fromEntries(files.map((f) => [f.path, `${f.mtimeMs}:${f.size}`]));
  const again = now + o.pollMs;
  if (!state.seen_files) return { fire: [], state: { ...state, seen_files: current }, nextDue: again };
  const fresh = files.filter((f) => state.seen_files?.[f.path] !== current[f.path]);
  if (fresh.length === 0) return { fire: [], state, nextDue: again };
  const lastChange = Math.max(...fresh.map((f) => f.mtimeMs));
  const ready = Math.max(lastChange + t.waitAfterMs, (state.last_fired ?? -Infinity) + t.minBetweenMs);
  if (now < ready) return { fire: [], state, nextDue: Math.min(again, ready) };
  const newFiles = fresh.map((f) => f.path);
  const key = `file_arrival:${jobId}:${digest(fresh.map((f) => `${f.path}@${current[f.path]}`).join('\n'))}`;
  const info = { file_arrival: { location: t.url, new_files: newFiles } };
  return {
    fire: [{ tick_key: key, job_id: jobId, kind: 'file_arrival', scheduled_time: now, info }],
    state: { ...state, seen_files: { ...state.seen_files, ...current }, last_fired: now },
    nextDue: again,
  };
}

/**
 * Table update: fires when any (ANY_UPDATED) or every (ALL_UPDATED) listed table has a newer version than at
 * the last run, once the newest commit is wait_after_last_change old and min_time_between_triggers has passed.
 */
export async function evaluateTableUpdate(jobId: number, t: Extract<JobTrigger, { kind: 'table_update' }>, state: TriggerState, now: number, src: EvaluationSources, o: EvaluationOptions): Promise<Evaluation> {
  const again = now + o.pollMs;
  const seen = state.table_versions;
  const latest = await Promise.all(t.tables.map(async (name) => ({ name, v: await src.tables.latest(name) })));
  const versions = Object.fromEntries(latest.map(({ name, v }) => [name, v?.version ?? -1]));
  if (!seen) return { fire: [], state: { ...state, table_versions: versions }, nextDue: again };
  const updated = latest.filter(({ name, v }) => v !== undefined && v.version > (seen[name] ?? -1));
  const enough = t.condition === 'ALL_UPDATED' ? updated.length === t.tables.length : updated.length > 0;
  if (!enough) return { fire: [], state, nextDue: again };
  const lastChange = Math.max(...updated.map(({ v }) => v?.timestamp ?? 0));
  const ready = Math.max(lastChange + t.waitAfterMs, (state.last_fired ?? -Infinity) + t.minBetweenMs);
  if (now < ready) return { fire: [], state, nextDue: Math.min(again, ready) };
  const updatedTables = updated.map(({ name, v }) => ({ table_name: name, version: v?.version, commit_timestamp: v?.timestamp }));
  const key = `table_update:${jobId}:${updated.map(({ name, v }) => `${name}@${v?.version}`).join(',')}`;
  return {
    fire: [{ tick_key: key, job_id: jobId, kind: 'table_update', scheduled_time: now, info: { table_update: { updated_tables: updatedTables } } }],
    state: { ...state, table_versions: { ...seen, ...versions }, last_fired: now },
    nextDue: again,
  };
}

function digest(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}
