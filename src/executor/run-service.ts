import type { Clock } from '../domain/clock.js';
import type { JobSettings } from '../domain/job-settings.js';
import { parseJobSettings } from '../domain/parse-job-settings.js';
import { isTerminal, type TriggerType } from '../domain/run-state.js';
import { isWeirError, WeirError } from '../domain/weir-error.js';
import type { JobStore } from '../store/ports/job-store.js';
import type { RunStore } from '../store/ports/run-store.js';
import type { JobRecord, RunRecord, TaskRunRecord } from '../store/records.js';
import type { Executor } from './executor.js';
import { resolveString } from './references.js';
import { newTaskRun } from './task-run-factory.js';

/** run-now's options (Jobs API 2.2 RunNow, minus job_id). */
export interface RunNowOptions {
  job_parameters?: Record<string, string>;
  notebook_params?: Record<string, string>;
  python_params?: string[];
  python_named_params?: Record<string, string>;
  jar_params?: string[];
  sql_params?: Record<string, string>;
  idempotency_token?: string;
  trigger?: TriggerType;
  parentTaskRunId?: number;
  /** Scheduler-fired runs: the tick's logical time and what the trigger passes on. */
  trigger_time?: number;
  trigger_info?: Record<string, unknown>;
}

/** runs/repair's options. */
export interface RepairOptions {
  rerun_tasks?: string[];
  rerun_all_failed_tasks?: boolean;
  rerun_dependent_tasks?: boolean;
  latest_repair_id?: number;
  job_parameters?: Record<string, string>;
  notebook_params?: Record<string, string>;
  python_params?: string[];
  python_named_params?: Record<string, string>;
  jar_params?: string[];
  sql_params?: Record<string, string>;
}

const FAILED_RESULTS = new Set(['FAILED', 'TIMEDOUT', 'CANCELED', 'UPSTREAM_FAILED', 'UPSTREAM_CANCELED', 'MAXIMUM_CONCURRENT_RUNS_REACHED']);

/** Creates runs (run-now, runs/submit, run_job_task children), repairs them and hands them to the executor. */
export class RunService {
  constructor(
    private readonly store: JobStore & RunStore,
    private readonly executor: Executor,
    private readonly clock: Clock,
    private readonly dataDir: string,
  ) {
    executor.createChildRun = async (spec, parentTaskRunId) => {
      const run = await this.runNow(spec.job_id, {
        job_parameters: spec.job_parameters,
        notebook_params: spec.notebook_params,
        python_params: spec.python_params,
        jar_params: spec.jar_params,
        sql_params: spec.sql_params,
        trigger: 'RUN_JOB_TASK',
        parentTaskRunId,
      }, false);
      return run.run_id;
    };
  }

  /** Starts a run of a stored job; returns the existing run for a repeated idempotency token. */
  async runNow(jobId: number, o: RunNowOptions = {}, enqueue = true): Promise<RunRecord> {
    const job = await this.store.getJob(jobId);
    if (!job) throw new WeirError('JOB.NOT_FOUND', `Job ${jobId} does not exist.`, { params: { job_id: jobId } });
    if (o.idempotency_token) {
      const prior = await this.store.findRunByIdempotencyToken(jobId, o.idempotency_token);
      if (prior) return prior;
    }
    const params = this.jobParameters(job, o.job_parameters ?? {});
    const overriding = pickDefined({
      notebook_params: o.notebook_params,
      python_params: o.python_params,
      python_named_params: o.python_named_params,
      jar_params: o.jar_params,
      sql_params: o.sql_params,
    });
    return this.create({
      job,
      settings: job.settings,
      runName: job.settings.name ?? `job-${jobId}`,
      runType: 'JOB_RUN',
      trigger: o.trigger ?? 'ONE_TIME',
      params,
      overriding,
      token: o.idempotency_token ?? null,
      parent: o.parentTaskRunId ?? null,
      sourceDir: job.source_dir,
      enqueue,
      triggerTime: o.trigger_time,
      triggerInfo: o.trigger_info,
    });
  }

  /** runs/submit: a one-time run of settings that are not stored as a job. */
  async submit(body: Record<string, unknown>, sourceDir: string): Promise<RunRecord> {
    const settings = parseJobSettings(legacySingleTask(body));
    const token = typeof body.idempotency_token === 'string' ? body.idempotency_token : null;
    if (token) {
      const prior = await this.store.findRunByIdempotencyToken(null, token);
      if (prior) return prior;
    }
    return this.create({
      job: null,
      settings,
      runName: typeof body.run_name === 'string' ? body.run_name : 'Untitled',
      runType: 'SUBMIT_RUN',
      trigger: 'ONE_TIME',
      params: {},
      overriding: null,
      token,
      parent: null,
      sourceDir,
      enqueue: true,
      submitJobId: await this.store.reserveJobId(),
    });
  }

  private jobParameters(job: JobRecord, given: Record<string, string>): Record<string, string> {
    const defs = job.settings.parameters ?? [];
    const known = new Set(defs.map((p) => p.name));
    for (const name of Object.keys(given)) {
      if (!known.has(name)) {
        throw new WeirError(
          'RUN.PARAMETER',
          `job_parameters.${name}: job ${job.job_id} has no parameter "${name}" (defined: ${[...known].join(', ') || 'none'}); add it to the job's parameters or remove it`,
          { params: { name } },
        );
      }
    }
    return Object.fromEntries(defs.map((p) => [p.name, given[p.name] ?? p.default]));
  }

  private async create(o: {
    job: JobRecord | null;
    settings: JobSettings;
    runName: string;
    runType: RunRecord['run_type'];
    trigger: TriggerType;
    params: Record<string, string>;
    overriding: Record<string, unknown> | null;
    token: string | null;
    parent: number | null;
    sourceDir: string;
    enqueue: boolean;
    triggerTime?: number;
    triggerInfo?: Record<string, unknown>;
    submitJobId?: number;
  }): Promise<RunRecord> {
    const tasks = o.settings.tasks ?? [];
    if (tasks.length === 0) {
      throw new WeirError('VALIDATION.INVALID', `tasks: the job has no tasks; add at least one task before running it`);
    }
    const now = this.clock.now();
    const first = await this.store.allocateIds(tasks.length + 1);
    const run: RunRecord = {
      run_id: first,
      job_id: o.job?.job_id ?? null,
      run_name: o.runName,
      run_type: o.runType,
      trigger: o.trigger,
      submit_job_id: o.submitJobId ?? null,
      trigger_time: o.triggerTime ?? null,
      trigger_info: o.triggerInfo ?? null,
      life_cycle_state: 'QUEUED',
      result_state: null,
      state_message: '',
      user_cancelled_or_timedout: false,
      settings: o.settings,
      job_parameters: {},
      overriding_parameters: o.overriding,
      source_dir: o.sourceDir,
      parent_task_run_id: o.parent,
      idempotency_token: o.token,
      created_time: now,
      start_time: null,
      end_time: null,
      repair_history: [],
      pool: o.settings.tags?.weir_pool ?? 'default',
    };
    // Parameter defaults may hold references such as {{job.id}} or {{job.start_time.iso_date}}.
    const scope = { jobId: run.job_id, jobName: run.run_name, runId: run.run_id, repairCount: 0, startTime: now, triggerType: o.trigger, triggerTime: o.triggerTime, triggerInfo: o.triggerInfo, parameters: {}, tasks: {}, workspaceUrl: '' };
    run.job_parameters = Object.fromEntries(Object.entries(o.params).map(([k, v]) => [k, resolveString(v, scope)]));
    const taskRuns = tasks.map((t, i) => newTaskRun({ id: first + 1 + i, run, task: t, now, dataDir: this.dataDir, repairId: 0 }));
    run.repair_history = [{ id: 0, type: 'ORIGINAL', start_time: now, end_time: 0, task_run_ids: taskRuns.map((t) => t.task_run_id) }];
    try {
      await this.store.createRun(run, taskRuns);
    } catch (e) {
      // Another process created the run of this token meanwhile (two schedulers firing one tick): that run is it.
      const prior = o.token && isWeirError(e) && e.params?.duplicate_token ? await this.store.findRunByIdempotencyToken(run.job_id, o.token) : undefined;
      if (prior) return prior;
      throw e;
    }
    if (o.enqueue) await this.executor.enqueue(run.run_id);
    return run;
  }

  /** runs/repair: new attempts for the chosen tasks (and dependents) inside the same run. */
  async repair(runId: number, o: RepairOptions): Promise<number> {
    const run = await this.store.getRun(runId);
    if (!run) throw new WeirError('RUN.NOT_FOUND', `Run ${runId} does not exist.`);
    if (!isTerminal(run.life_cycle_state) || this.executor.isActive(runId)) {
      throw new WeirError('RUN.INVALID_STATE', `Run ${runId} is still active; repair it after it finishes or cancel it first.`);
    }
    const latest = run.repair_history[run.repair_history.length - 1]?.id ?? 0;
    if (latest > 0 && o.latest_repair_id !== latest) {
      throw new WeirError('RUN.INVALID_STATE', `latest_repair_id: run ${runId} was last repaired by repair ${latest}; pass latest_repair_id=${latest}`);
    }
    const trs = await this.store.listTaskRuns(runId);
    const tops = trs.filter((t) => t.is_current && t.parent_task_run_id === null);
    const keys = new Set<string>();
    if (o.rerun_all_failed_tasks) for (const t of tops) if (t.result_state && FAILED_RESULTS.has(t.result_state)) keys.add(t.task_key);
    for (const k of o.rerun_tasks ?? []) {
      if (!tops.some((t) => t.task_key === k)) throw new WeirError('VALIDATION.INVALID', `rerun_tasks: run ${runId} has no task "${k}"`);
      keys.add(k);
    }
    if (keys.size === 0) throw new WeirError('VALIDATION.INVALID', 'runs/repair: nothing to rerun; pass rerun_tasks or rerun_all_failed_tasks=true on a run with failed tasks');
    if (o.rerun_dependent_tasks || o.rerun_all_failed_tasks) addDependents(tops, keys);
    const repairId = await this.store.allocateIds(keys.size + 1);
    const now = this.clock.now();
    if (o.job_parameters) {
      for (const [k, v] of Object.entries(o.job_parameters)) {
        if (!(k in run.job_parameters)) throw new WeirError('RUN.PARAMETER', `job_parameters.${k}: run ${runId} has no job parameter "${k}"`);
        run.job_parameters[k] = v;
      }
    }
    const legacy = pickDefined({ notebook_params: o.notebook_params, python_params: o.python_params, python_named_params: o.python_named_params, jar_params: o.jar_params, sql_params: o.sql_params });
    const overriding = legacy ? { ...run.overriding_parameters, ...legacy } : run.overriding_parameters;
    const fresh: TaskRunRecord[] = [];
    const retired: [number, { is_current: false }][] = [];
    let n = repairId + 1;
    for (const t of tops) {
      if (!keys.has(t.task_key)) continue;
      retired.push([t.task_run_id, { is_current: false }]);
      for (const it of trs) if (it.parent_task_run_id === t.task_run_id && it.is_current) retired.push([it.task_run_id, { is_current: false }]);
      fresh.push(newTaskRun({ id: n++, run, task: t.task, now, dataDir: this.dataDir, repairId }));
    }
    const history = [...run.repair_history, { id: repairId, type: 'REPAIR' as const, start_time: now, end_time: 0, task_run_ids: fresh.map((f) => f.task_run_id), rerun_tasks: [...keys] }];
    await this.store.batch({
      insert: fresh,
      taskRuns: retired,
      run: [runId, { life_cycle_state: 'RUNNING', result_state: null, state_message: '', end_time: null, user_cancelled_or_timedout: false, repair_history: history, job_parameters: run.job_parameters, overriding_parameters: overriding }],
    });
    await this.executor.reactivate(runId);
    return repairId;
  }
}

function addDependents(tops: TaskRunRecord[], keys: Set<string>): void {
  let grew = true;
  while (grew) {
    grew = false;
    for (const t of tops) {
      if (keys.has(t.task_key)) continue;
      if ((t.task.depends_on ?? []).some((d) => keys.has(d.task_key))) {
        keys.add(t.task_key);
        grew = true;
      }
    }
  }
}

function pickDefined(o: Record<string, unknown>): Record<string, unknown> | null {
  const e = Object.entries(o).filter(([, v]) => v !== undefined);
  return e.length ? Object.fromEntries(e) : null;
}

const LEGACY_KINDS = ['notebook_task', 'spark_python_task', 'spark_jar_task', 'python_wheel_task', 'sql_task', 'pipeline_task', 'spark_submit_task', 'dbt_task', 'shell_task', 'node_task'];

/** Airflow's DatabricksSubmitRunOperator puts one task's fields at the top level; turn that into tasks[0]. */
function legacySingleTask(body: Record<string, unknown>): Record<string, unknown> {
  if (Array.isArray(body.tasks)) return body;
  const kind = LEGACY_KINDS.find((k) => body[k] !== undefined);
  if (!kind) return body;
  const task: Record<string, unknown> = { task_key: String(body.run_name ?? 'task').replace(/[^\w\-.]/g, '_').slice(0, 100) || 'task' };
  // timeout_seconds stays on the run (it is the run's timeout); the task-level fields move into the task.
  const moved = [kind, 'new_cluster', 'existing_cluster_id', 'libraries', 'max_retries', 'min_retry_interval_millis', 'retry_on_timeout'];
  const rest: Record<string, unknown> = { ...body };
  for (const k of moved) {
    if (body[k] !== undefined) task[k] = body[k];
    delete rest[k];
  }
  return { ...rest, tasks: [task] };
}
