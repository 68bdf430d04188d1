import type { JobSettings } from '../domain/job-settings.js';
import type { LifeCycleState, ResultState, RunType, TriggerType } from '../domain/run-state.js';
import type { Task } from '../domain/task.js';

/** A stored job. */
export interface JobRecord {
  job_id: number;
  settings: JobSettings;
  creator_user_name: string;
  created_time: number;
  /** Folder that relative paths of the job's tasks resolve against. */
  source_dir: string;
}

/** One entry of a run's repair_history. */
export interface RepairEntry {
  id: number;
  type: 'ORIGINAL' | 'REPAIR';
  start_time: number;
  end_time: number;
  task_run_ids: number[];
  rerun_tasks?: string[];
}

/** A stored job run (one row per run; task attempts are TaskRunRecords). */
export interface RunRecord {
  run_id: number;
  job_id: number | null;
  /** A one-time (runs/submit) run's job id as the API shows it: Databricks gives it a hidden job, Airflow reads it. */
  submit_job_id?: number | null;
  run_name: string;
  run_type: RunType;
  trigger: TriggerType;
  /** Logical time of a scheduler-fired run (the cron tick), for {{job.trigger.time.*}}. */
  trigger_time?: number | null;
  /** What the trigger passed on: {file_arrival: {location, new_files}} or {table_update: {updated_tables}}. */
  trigger_info?: Record<string, unknown> | null;
  life_cycle_state: LifeCycleState;
  result_state: ResultState | null;
  state_message: string;
  user_cancelled_or_timedout: boolean;
  /** The job settings as they were when the run was created (tasks, timeout, clusters). */
  settings: JobSettings;
  job_parameters: Record<string, string>;
  overriding_parameters: Record<string, unknown> | null;
  source_dir: string;
  /** The task run (run_job_task) that started this run, if any. */
  parent_task_run_id: number | null;
  idempotency_token: string | null;
  created_time: number;
  start_time: number | null;
  end_time: number | null;
  repair_history: RepairEntry[];
  /** Worker pool that runs it (scale-out, ADR 0007): the job's `weir_pool` tag, else "default". */
  pool?: string;
}

/** Output of a finished attempt, as runs/get-output returns it. */
export interface AttemptOutput {
  notebook_output?: { result: string; truncated: boolean };
  sql_output?: { columns: { name: string; type: string }[]; rows: unknown[][]; row_count: number; truncated: boolean };
  run_job_output?: { run_id: number };
}

/** One attempt of one task (or of one for_each iteration) in a run. */
export interface TaskRunRecord {
  task_run_id: number;
  run_id: number;
  task_key: string;
  attempt_number: number;
  /** The for_each task run that owns this iteration, if any. */
  parent_task_run_id: number | null;
  iteration_index: number | null;
  /** The for_each element of this iteration (JSON), if any. */
  input: string | null;
  task: Task;
  /** False once a later attempt (retry or repair) replaced this one. */
  is_current: boolean;
  repair_id: number;
  life_cycle_state: LifeCycleState;
  result_state: ResultState | null;
  state_message: string;
  created_time: number;
  start_time: number | null;
  end_time: number | null;
  /** When a WAITING_FOR_RETRY attempt may start. */
  not_before: number | null;
  outcome: 'true' | 'false' | null;
  pid: number | null;
  /** Host name of the process that ran the attempt (its pid means something only there). */
  host?: string | null;
  exit_code: number | null;
  error: string | null;
  error_trace: string | null;
  output: AttemptOutput;
  resolved_values: Record<string, unknown> | null;
  child_run_id: number | null;
  task_values: Record<string, unknown>;
  /** Folder of the run's logs; this attempt's are `<task_run_id>.stdout` and `.stderr` in it (see logPath). */
  log_dir: string;
}

/** Columns of a task run that change after it was created. */
export type TaskRunPatch = Partial<Omit<TaskRunRecord, 'task_run_id' | 'run_id' | 'task_key'>>;
/** Columns of a run that change after it was created. */
export type RunPatch = Partial<Omit<RunRecord, 'run_id'>>;
