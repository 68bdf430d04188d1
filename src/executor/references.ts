import { WeirError } from '../domain/weir-error.js';
import type { RunRecord, TaskRunRecord } from '../store/records.js';

/** What `{{…}}` references can see when a task starts. */
export interface ReferenceScope {
  jobId: number | null;
  jobName: string;
  runId: number;
  repairCount: number;
  startTime: number;
  triggerType: string;
  triggerTime?: number;
  /** What the trigger passed on (file arrival: location and new_files; table update: updated_tables). */
  triggerInfo?: Record<string, unknown>;
  parameters: Record<string, string>;
  taskKey?: string;
  taskRunId?: number;
  executionCount?: number;
  notebookPath?: string;
  /** Other tasks of the run by key: their latest attempt. */
  tasks: Record<string, { runId: number; resultState: string | null; values: Record<string, unknown> }>;
  /** The for_each element of the current iteration, when there is one. */
  input?: unknown;
  workspaceUrl: string;
}

const REF = /\{\{\s*([^{}]+?)\s*\}\}/g;

/** Time parts of `{{job.start_time.<arg>}}` (UTC). */
export function timePart(ms: number, arg: string, where: string): string {
  const d = new Date(ms);
  const iso = d.toISOString();
  const wd = d.getUTCDay() === 0 ? 7 : d.getUTCDay();
  const parts: Record<string, string> = {
    iso_date: iso.slice(0, 10),
    iso_datetime: iso.slice(0, 19),
    iso_weekday: String(wd),
    is_weekday: String(wd <= 5),
    year: String(d.getUTCFullYear()),
    month: String(d.getUTCMonth() + 1),
    day: String(d.getUTCDate()),
    hour: String(d.getUTCHours()),
    minute: String(d.getUTCMinutes()),
    second: String(d.getUTCSeconds()),
    timestamp_ms: String(ms),
  };
  const v = parts[arg];
  if (v === undefined) unknown(where, `time part "${arg}"; use one of ${Object.keys(parts).join(', ')}`);
  return v as string;
}

function unknown(ref: string, what: string): never {
  throw new WeirError('RUN.REFERENCE', `{{${ref}}}: unknown reference ${what}`, { params: { reference: ref } });
}

/** Splits a reference path on dots, honouring back-quoted segments (`my-param`). */
function splitPath(ref: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const c of ref) {
    if (c === '`') quoted = !quoted;
    else if (c === '.' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** Resolves one reference (without braces); undefined means "not a reference", left as written. */
export function resolveReference(ref: string, s: ReferenceScope): string | undefined {
  const p = splitPath(ref);
  const [ns, a, b, c] = p;
  switch (ns) {
    case 'job': {
      if (a === 'id') return String(s.jobId ?? '');
      if (a === 'name') return s.jobName;
      if (a === 'run_id') return String(s.runId);
      if (a === 'repair_count') return String(s.repairCount);
      if (a === 'start_time' && b) return timePart(s.startTime, b, ref);
      if (a === 'parameters' && b) {
        const v = s.parameters[b];
        if (v === undefined) unknown(ref, `job parameter "${b}" (defined: ${Object.keys(s.parameters).join(', ') || 'none'})`);
        return v;
      }
      if (a === 'trigger' && b === 'type') return s.triggerType.toLowerCase();
      if (a === 'trigger' && b === 'time' && c) return timePart(s.triggerTime ?? s.startTime, c, ref);
      if (a === 'trigger' && (b === 'file_arrival' || b === 'table_update') && c) return triggerInfoPart(s, b, c, ref);
      return unknown(ref, `in namespace job; known: id, name, run_id, repair_count, start_time.*, parameters.*, trigger.type, trigger.time.*, trigger.file_arrival.location, trigger.file_arrival.new_files, trigger.table_update.updated_tables`);
    }
    case 'task': {
      if (a === 'name') return s.taskKey ?? '';
      if (a === 'run_id') return String(s.taskRunId ?? '');
      if (a === 'execution_count') return String(s.executionCount ?? 0);
      if (a === 'notebook_path') return s.notebookPath ?? '';
      return unknown(ref, 'in namespace task; known: name, run_id, execution_count, notebook_path');
    }
    case 'tasks': {
      const t = a === undefined ? undefined : s.tasks[a];
      if (!t) unknown(ref, `task "${a}": no such task in this run, or it has not run yet`);
      if (b === 'run_id') return String(t.runId);
      if (b === 'result_state') return (t.resultState ?? '').toLowerCase();
      if (b === 'values' && c) {
        if (!(c in t.values)) unknown(ref, `task value "${c}": task "${a}" did not set it`);
        return asText(t.values[c]);
      }
      return unknown(ref, `for task "${a}"; known: run_id, result_state, values.<key>`);
    }
    case 'input': {
      if (s.input === undefined) unknown(ref, 'outside a for_each iteration');
      if (a === undefined) return asText(s.input);
      const v = (s.input as Record<string, unknown> | null)?.[a];
      if (v === undefined) unknown(ref, `field "${a}" of the iteration input`);
      return asText(v);
    }
    case 'workspace':
      if (a === 'id') return '0';
      if (a === 'url') return s.workspaceUrl;
      return unknown(ref, 'in namespace workspace; known: id, url');
    // Deprecated forms, still accepted by Databricks.
    case 'job_id':
      return p.length === 1 ? String(s.jobId ?? '') : undefined;
    case 'run_id':
      return p.length === 1 ? String(s.taskRunId ?? s.runId) : undefined;
    case 'parent_run_id':
      return p.length === 1 ? String(s.runId) : undefined;
    case 'start_date':
      return p.length === 1 ? timePart(s.startTime, 'iso_date', ref) : undefined;
    case 'start_time':
      return p.length === 1 ? String(s.startTime) : undefined;
    case 'task_retry_count':
      return p.length === 1 ? String(s.executionCount ?? 0) : undefined;
    case 'task_key':
      return p.length === 1 ? s.taskKey ?? '' : undefined;
    default:
      return undefined;
  }
}

/** Substitutes every `{{…}}` reference in a string. */
export function resolveString(text: string, s: ReferenceScope): string {
  return text.replace(REF, (whole, ref: string) => resolveReference(ref, s) ?? whole);
}

/** Substitutes references in every string of a JSON-like value; `skip` names keys left untouched. */
export function resolveDeep<T>(value: T, s: ReferenceScope, skip: ReadonlySet<string> = new Set()): T {
  if (typeof value === 'string') return resolveString(value, s) as T;
  if (Array.isArray(value)) return value.map((v) => resolveDeep(v, s, skip)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, skip.has(k) ? v : resolveDeep(v, s, skip)]),
    ) as T;
  }
  return value;
}

/** The scope a task attempt sees: its run, the current attempts of the run's tasks, and itself. */
export function referenceScope(run: RunRecord, current: readonly TaskRunRecord[], tr: TaskRunRecord, workspaceUrl: string): ReferenceScope {
  let tasks: ReferenceScope['tasks'] | undefined;
  return {
    // Built on first use: few tasks reference others, and building it for every start made big DAGs O(n²).
    get tasks() {
      if (!tasks) {
        tasks = {};
        for (const t of current) tasks[t.task_key] = { runId: t.task_run_id, resultState: t.result_state, values: t.task_values };
      }
      return tasks;
    },
    jobId: run.job_id,
    jobName: run.run_name,
    runId: run.run_id,
    repairCount: Math.max(0, run.repair_history.length - 1),
    startTime: run.start_time ?? run.created_time,
    triggerType: run.trigger,
    triggerTime: run.trigger_time ?? undefined,
    triggerInfo: run.trigger_info ?? undefined,
    parameters: run.job_parameters,
    taskKey: tr.task_key,
    taskRunId: tr.task_run_id,
    executionCount: tr.attempt_number,
    notebookPath: tr.task.notebook_task?.notebook_path,
    input: tr.input === null ? undefined : JSON.parse(tr.input),
    workspaceUrl,
  };
}

/** `{{job.trigger.file_arrival.location|new_files}}` and `{{job.trigger.table_update.updated_tables}}`; lists as JSON. */
function triggerInfoPart(s: ReferenceScope, kind: string, field: string, ref: string): string {
  const info = s.triggerInfo?.[kind] as Record<string, unknown> | undefined;
  const known = kind === 'file_arrival' ? ['location', 'new_files'] : ['updated_tables'];
  if (!known.includes(field)) return unknown(ref, `in job.trigger.${kind}; known: ${known.join(', ')}`);
  const v = info?.[field];
  if (v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}
