import { isTerminal, statusStateOf, terminationOf, type LifeCycleState, type ResultState } from '../domain/run-state.js';
import { taskKindOf } from '../domain/task.js';
import type { RepairEntry, RunRecord, TaskRunRecord } from '../store/records.js';
import { encodePageToken } from './params.js';
import { defaultCostModel, runCost, taskRunCost, type CostModel } from '../executor/compute/cost.js';

type Json = Record<string, unknown>;

/** Drops null and undefined fields: every Databricks SDK model is `omitempty`. */
export function compact<T extends Json>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as T;
}

/** RunState of a run or task run; result_state only once terminal. */
export function wireState(life: LifeCycleState, result: ResultState | null, message: string, userCanceled: boolean): Json {
  return compact({
    life_cycle_state: life,
    result_state: isTerminal(life) ? (result ?? undefined) : undefined,
    state_message: message,
    user_cancelled_or_timedout: userCanceled,
  });
}

/** 2.2 RunStatus of a run or task run. */
export function wireStatus(life: LifeCycleState, result: ResultState | null, message: string, userCanceled: boolean): Json {
  const t = terminationOf(life, result, userCanceled);
  return compact({ state: statusStateOf(life), termination_details: t ? { ...t, message } : undefined });
}

function durations(created: number, start: number | null, end: number | null, now: number): Json {
  const finished = end !== null && end > 0;
  const ran = start === null ? 0 : Math.max(0, (finished ? (end as number) : now) - start);
  return {
    start_time: start ?? 0,
    end_time: finished ? end : 0,
    setup_duration: 0,
    execution_duration: finished && start !== null ? ran : 0,
    cleanup_duration: 0,
    run_duration: ran,
    queue_duration: start === null ? Math.max(0, now - created) : Math.max(0, start - created),
  };
}

/** URL of a run's page in the UI. */
export function runPageUrl(baseUrl: string, jobId: number | null, runId: number): string {
  return `${baseUrl}/#job/${jobId ?? 0}/run/${runId}`;
}

/** Context shared by the wire forms of a run's task runs. */
export interface WireContext {
  baseUrl: string;
  now: number;
  /** All attempts of the run (for for_each statistics and repair history). */
  all: TaskRunRecord[];
  /** Prices for the weir `compute_seconds` and `cost` fields (default: weir's default price list). */
  cost?: CostModel;
}

/** RunTask: one task run of a run, as runs/get lists it in `tasks`. */
/** A run's tasks, 100 per page from `taskOffset` (2.2 paging: next_page_token while more remain). */
function taskPage(run: RunRecord, ctx: WireContext, o: WireRunOptions): Json {
  if (!o.tasks) return {};
  const all = currentTopTaskRuns(run, ctx.all);
  const from = o.taskOffset ?? 0;
  const page = all.slice(from, from + TASKS_PER_PAGE).map((t) => wireTaskRun(run, t, ctx, o.resolvedValues ?? false));
  return { tasks: page.length ? page : undefined, next_page_token: all.length > from + TASKS_PER_PAGE ? encodePageToken(from + TASKS_PER_PAGE) : undefined };
}

const TASKS_PER_PAGE = 100;

/** The resolved parameters of a task attempt (include_resolved_values), by task kind as Databricks names them. */
function resolvedValues(tr: TaskRunRecord): Json | undefined {
  const r = tr.resolved_values as Record<string, Record<string, unknown> | undefined> | null;
  if (!r) return undefined;
  const pick = (kind: string, fields: string[]) => {
    const t = r[kind];
    return t ? compact(Object.fromEntries(fields.map((f) => [f, t[f]]))) : undefined;
  };
  return compact({
    notebook_task: pick('notebook_task', ['base_parameters']),
    spark_python_task: pick('spark_python_task', ['parameters']),
    python_wheel_task: pick('python_wheel_task', ['parameters', 'named_parameters']),
    spark_jar_task: pick('spark_jar_task', ['parameters']),
    sql_task: pick('sql_task', ['parameters']),
    condition_task: pick('condition_task', ['left', 'right']),
    run_job_task: pick('run_job_task', ['job_parameters']),
    shell_task: pick('shell_task', ['command']),
  });
}

export function wireTaskRun(run: RunRecord, tr: TaskRunRecord, ctx: WireContext, withResolved = false): Json {
  const userCanceled = tr.result_state === 'CANCELED' || tr.result_state === 'TIMEDOUT';
  const out: Json = {
    ...tr.task,
    run_id: tr.task_run_id,
    task_key: tr.task_key,
    attempt_number: tr.attempt_number,
    state: wireState(tr.life_cycle_state, tr.result_state, tr.state_message, userCanceled),
    status: wireStatus(tr.life_cycle_state, tr.result_state, tr.state_message, userCanceled),
    ...durations(tr.created_time, tr.start_time, tr.end_time, ctx.now),
    run_page_url: runPageUrl(ctx.baseUrl, run.job_id, tr.task_run_id),
    run_if: tr.task.run_if ?? 'ALL_SUCCESS',
  };
  const kind = taskKindOf(tr.task);
  if (kind === 'condition_task' && tr.task.condition_task) {
    out.condition_task = compact({ ...tr.task.condition_task, outcome: tr.outcome ?? undefined });
  }
  if (kind === 'for_each_task' && tr.task.for_each_task) {
    out.for_each_task = { ...tr.task.for_each_task, stats: { task_run_stats: iterationStats(tr, ctx.all) } };
  }
  if (kind === 'run_job_task' && tr.child_run_id !== null) out.run_job_output = { run_id: tr.child_run_id };
  if (withResolved) out.resolved_values = resolvedValues(tr);
  Object.assign(out, taskRunCost(run, tr, ctx.all, ctx.cost ?? defaultCostModel, ctx.now));
  return compact(out);
}

function iterationStats(parent: TaskRunRecord, all: TaskRunRecord[]): Json {
  const its = all.filter((t) => t.parent_task_run_id === parent.task_run_id && t.is_current);
  const done = its.filter((t) => isTerminal(t.life_cycle_state));
  const succeeded = done.filter((t) => t.result_state === 'SUCCESS').length;
  return {
    total_iterations: its.length,
    succeeded_iterations: succeeded,
    failed_iterations: done.length - succeeded,
    active_iterations: its.length - done.length,
    completed_iterations: done.length,
  };
}

/** The current top-level task runs of a run, in the order of the job's tasks. */
export function currentTopTaskRuns(run: RunRecord, all: TaskRunRecord[]): TaskRunRecord[] {
  const order = new Map((run.settings.tasks ?? []).map((t, i) => [t.task_key, i]));
  return all
    .filter((t) => t.is_current && t.parent_task_run_id === null)
    .sort((a, b) => (order.get(a.task_key) ?? 1e9) - (order.get(b.task_key) ?? 1e9) || a.task_run_id - b.task_run_id);
}

function wireRepairHistory(run: RunRecord, ctx: WireContext): Json[] {
  return run.repair_history.map((h: RepairEntry, i) => {
    const last = i === run.repair_history.length - 1;
    let life: LifeCycleState = run.life_cycle_state;
    let result: ResultState | null = run.result_state;
    if (!last) {
      // Earlier repairs are over; their result is that of the attempts they started (latest attempt per task).
      const latest = new Map<string, TaskRunRecord>();
      for (const t of ctx.all) {
        if (t.repair_id !== h.id || t.parent_task_run_id !== null) continue;
        const p = latest.get(t.task_key);
        if (!p || t.attempt_number > p.attempt_number) latest.set(t.task_key, t);
      }
      life = 'TERMINATED';
      result = [...latest.values()].every((t) => t.result_state === 'SUCCESS' || t.result_state === 'EXCLUDED') ? 'SUCCESS' : 'FAILED';
    }
    return compact({
      id: h.id,
      type: h.type,
      start_time: h.start_time,
      end_time: h.end_time,
      state: wireState(life, result, last ? run.state_message : '', last && run.user_cancelled_or_timedout),
      status: wireStatus(life, result, last ? run.state_message : '', last && run.user_cancelled_or_timedout),
      task_run_ids: h.task_run_ids,
      rerun_tasks: h.rerun_tasks,
    });
  });
}

/** Options of a run's wire form. */
export interface WireRunOptions {
  /** Include `tasks` (runs/get always; runs/list only with expand_tasks). */
  tasks: boolean;
  /** The run that started this one, for trigger_info of RUN_JOB_TASK children. */
  parentRunId?: number;
  /** First task of the page (runs/get page_token). */
  taskOffset?: number;
  /** Add each task's resolved_values (include_resolved_values). */
  resolvedValues?: boolean;
}

/** Run: a RunRecord and its task runs in the Databricks Jobs 2.2 wire format. */
export function wireRun(run: RunRecord, ctx: WireContext, o: WireRunOptions): Json {
  const defs = run.settings.parameters ?? [];
  const jobParameters = defs.map((p) => ({ name: p.name, default: p.default, value: run.job_parameters[p.name] ?? p.default }));
  return compact({
    job_id: run.job_id ?? run.submit_job_id ?? undefined,
    run_id: run.run_id,
    job_run_id: run.run_id,
    number_in_job: run.run_id,
    original_attempt_run_id: run.run_id,
    attempt_number: 0,
    run_name: run.run_name,
    run_type: run.run_type,
    trigger: run.trigger,
    trigger_info: o.parentRunId !== undefined ? { run_id: o.parentRunId } : undefined,
    creator_user_name: 'admin',
    run_page_url: runPageUrl(ctx.baseUrl, run.job_id, run.run_id),
    state: wireState(run.life_cycle_state, run.result_state, run.state_message, run.user_cancelled_or_timedout),
    status: wireStatus(run.life_cycle_state, run.result_state, run.state_message, run.user_cancelled_or_timedout),
    ...durations(run.created_time, run.start_time, run.end_time, ctx.now),
    // Multi-task runs report the three phase durations as 0 (Databricks does the same).
    execution_duration: 0,
    format: 'MULTI_TASK',
    description: run.settings.description,
    job_parameters: jobParameters.length ? jobParameters : undefined,
    overriding_parameters: run.overriding_parameters ?? undefined,
    repair_history: wireRepairHistory(run, ctx),
    job_clusters: run.settings.job_clusters,
    git_source: run.settings.git_source,
    ...taskPage(run, ctx, o),
    // weir extension: the run's compute cost so far (needs its attempts, so runs/list shows it with expand_tasks).
    ...(o.tasks ? runCost(run, ctx.all, ctx.cost ?? defaultCostModel, ctx.now) : {}),
  });
}
