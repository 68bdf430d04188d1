import type { NotificationEvent, NotificationMessage } from '../store/ports/notification-store.js';
import type { RunRecord, TaskRunRecord } from '../store/records.js';

/** What a message is about: the event, the run snapshot and, for task-level events, the attempt. */
export interface MessageInput {
  event: NotificationEvent;
  level: 'job' | 'task';
  run: RunRecord;
  taskRun?: TaskRunRecord;
  now: number;
  baseUrl: string;
  /** For a job-level failure: the tasks that failed, with their errors. */
  failedTasks?: { task_key: string; result_state: string | null; error: string | null }[];
}

const VERBS: Record<NotificationEvent, string> = {
  on_start: 'started',
  on_success: 'succeeded',
  on_failure: 'failed',
  on_duration_warning_threshold_exceeded: 'is running longer than its duration threshold',
  on_streaming_backlog_exceeded: 'exceeded its streaming backlog threshold',
};

/** "1h 2m 3s" style duration. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const parts = [[Math.floor(s / 3600), 'h'], [Math.floor((s % 3600) / 60), 'm'], [s % 60, 's']] as const;
  const shown = parts.filter(([n], i) => n > 0 || i === 2);
  return shown.map(([n, u]) => `${n}${u}`).join(' ');
}

/** The run page in weir's UI. */
export function runLink(baseUrl: string, run: Pick<RunRecord, 'job_id' | 'run_id'>): string {
  const root = baseUrl.replace(/\/+$/, '');
  return run.job_id === null ? `${root}/#/runs/${run.run_id}` : `${root}/#/jobs/${run.job_id}/runs/${run.run_id}`;
}

/** What a canceled or skipped ending reads as, since its event is on_failure. */
function verbOf(event: NotificationEvent, result: string | null): string {
  if (event !== 'on_failure' || result === null || result === 'FAILED') return VERBS[event];
  return `ended ${result}`;
}

/** Builds the subject, plain-text body and fields of one notification. */
export function buildMessage(m: MessageInput): NotificationMessage {
  const { run, taskRun } = m;
  const subjectOf = taskRun ?? run;
  const start = subjectOf.start_time;
  const end = subjectOf.end_time ?? m.now;
  const duration = start === null ? null : Math.max(0, end - start);
  const jobName = run.settings.name ?? run.run_name ?? `run ${run.run_id}`;
  const result = subjectOf.result_state;
  const error = taskRun ? taskRun.error ?? (result && result !== 'SUCCESS' ? taskRun.state_message || null : null) : runError(run);
  const url = runLink(m.baseUrl, run);
  const what = m.level === 'task' ? `Task "${taskRun?.task_key}" of job "${jobName}"` : `Job "${jobName}"`;
  const subject = `[weir] ${what} run ${run.run_id} ${verbOf(m.event, result)}`;
  const lines = [
    `${what} run ${run.run_id} ${verbOf(m.event, result)}.`,
    '',
    `Job: ${jobName}${run.job_id === null ? '' : ` (job_id ${run.job_id})`}`,
    `Run: ${run.run_name} (run_id ${run.run_id})`,
    ...(taskRun ? [`Task: ${taskRun.task_key} (attempt ${taskRun.attempt_number})`] : []),
    `State: ${subjectOf.life_cycle_state}`,
    `Result: ${result ?? '-'}`,
    `Duration: ${duration === null ? '-' : formatDuration(duration)}`,
    ...(error ? [`Error: ${error}`] : []),
    ...(m.failedTasks ?? []).map((t) => `Task ${t.task_key}: ${t.result_state ?? ''}${t.error ? ` - ${t.error}` : ''}`),
    '',
    `Run page: ${url}`,
  ];
  return {
    event: m.event,
    event_type: `jobs.${m.event}`,
    level: m.level,
    job_id: run.job_id,
    job_name: jobName,
    run_id: run.run_id,
    run_name: run.run_name,
    task_key: taskRun?.task_key ?? null,
    attempt_number: taskRun?.attempt_number ?? null,
    life_cycle_state: subjectOf.life_cycle_state,
    result_state: result,
    duration_ms: duration,
    error,
    url,
    subject,
    text: lines.join('\n'),
    dedup_key: `weir-job-${run.job_id ?? 'none'}-run-${run.run_id}`,
    occurred_time: m.now,
  };
}

/** A failed run's message, when it says something beyond the state. */
function runError(run: RunRecord): string | null {
  if (run.result_state === null || run.result_state === 'SUCCESS') return null;
  return run.state_message || null;
}
