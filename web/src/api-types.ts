/** Wire types of the Jobs API 2.2 that the UI reads (only the fields it uses). */

/** A task of a job's settings. */
export interface TaskSettings {
  task_key: string;
  depends_on?: { task_key: string; outcome?: string }[];
  condition_task?: { op: string; left: string; right: string };
  for_each_task?: { inputs: string; task: TaskSettings; concurrency?: number };
  run_job_task?: { job_id: number };
  [kind: string]: unknown;
}

/** A job parameter definition. */
export interface JobParameter {
  name: string;
  default: string;
}

/** JobSettings. */
export interface JobSettings {
  name?: string;
  tasks?: TaskSettings[];
  parameters?: JobParameter[];
  schedule?: { quartz_cron_expression: string; timezone_id: string; pause_status?: string };
  trigger?: { pause_status?: string; [k: string]: unknown };
  continuous?: { pause_status?: string };
  [k: string]: unknown;
}

/** A Job of jobs/get and jobs/list. */
export interface Job {
  job_id: number;
  created_time?: number;
  creator_user_name?: string;
  settings: JobSettings;
}

/** The state of a run or task run. */
export interface RunState {
  life_cycle_state: string;
  result_state?: string;
  state_message?: string;
}

/** A task run within runs/get. */
export interface RunTask extends TaskSettings {
  run_id: number;
  attempt_number: number;
  state: RunState;
  start_time?: number;
  end_time?: number;
  setup_duration?: number;
  execution_duration?: number;
  cleanup_duration?: number;
  run_duration?: number;
  queue_duration?: number;
  condition_task?: { op: string; left: string; right: string; outcome?: string };
  run_job_output?: { run_id: number };
  for_each_task?: TaskSettings['for_each_task'] & { stats?: { task_run_stats?: Record<string, number> } };
}

/** A Run of runs/get and runs/list. */
export interface Run {
  job_id?: number;
  run_id: number;
  run_name?: string;
  trigger?: string;
  state: RunState;
  start_time?: number;
  end_time?: number;
  run_duration?: number;
  queue_duration?: number;
  job_parameters?: { name: string; default?: string; value?: string }[];
  overriding_parameters?: Record<string, unknown>;
  trigger_info?: { run_id: number };
  tasks?: RunTask[];
  repair_history?: { id: number; type: string; start_time?: number; end_time?: number }[];
}

/** The answer of runs/get-output. */
export interface RunOutput {
  error?: string;
  error_trace?: string;
  logs?: string;
  logs_truncated?: boolean;
  notebook_output?: { result?: string };
  sql_output?: unknown;
  run_job_output?: { run_id: number };
  [k: string]: unknown;
}

/** The answer of jobs/schedule/next. */
export interface ScheduleNext {
  description?: string;
  next_fire_times: string[];
  pause_status?: string;
}
