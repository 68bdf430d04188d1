import { z } from 'zod';
import { BoolLike, IntLike, ParamMap } from './wire.js';

/** run_if values (Databricks Jobs 2.2). */
export const RunIf = z.enum([
  'ALL_SUCCESS',
  'AT_LEAST_ONE_SUCCESS',
  'NONE_FAILED',
  'ALL_DONE',
  'AT_LEAST_ONE_FAILED',
  'ALL_FAILED',
]);
export type RunIf = z.infer<typeof RunIf>;

/** One edge of the task graph; `outcome` only when the parent is a condition task. */
export const TaskDependency = z.looseObject({
  task_key: z.string().min(1),
  outcome: z.enum(['true', 'false']).optional(),
});
export type TaskDependency = z.infer<typeof TaskDependency>;

/** Cluster spec: weir keeps every field (spark_version, node_type_id …) and acts on few. */
export const ClusterSpec = z.looseObject({
  spark_version: z.string().optional(),
  node_type_id: z.string().optional(),
  num_workers: IntLike.optional(),
  autoscale: z.looseObject({ min_workers: IntLike, max_workers: IntLike }).optional(),
  spark_conf: z.record(z.string(), z.string()).optional(),
  spark_env_vars: z.record(z.string(), z.string()).optional(),
  custom_tags: z.record(z.string(), z.string()).optional(),
});
export type ClusterSpec = z.infer<typeof ClusterSpec>;

/** A task library: one of jar, whl, egg, requirements, pypi, maven, cran. */
export const Library = z.looseObject({
  jar: z.string().optional(),
  whl: z.string().optional(),
  egg: z.string().optional(),
  requirements: z.string().optional(),
  pypi: z.looseObject({ package: z.string(), repo: z.string().optional() }).optional(),
  maven: z.looseObject({ coordinates: z.string() }).optional(),
  cran: z.looseObject({ package: z.string() }).optional(),
});
export type Library = z.infer<typeof Library>;

const Source = z.enum(['WORKSPACE', 'GIT']);

/** notebook_task. */
export const NotebookTask = z.looseObject({
  notebook_path: z.string().min(1),
  base_parameters: ParamMap.optional(),
  source: Source.optional(),
  warehouse_id: z.string().optional(),
});
/** spark_python_task. */
export const SparkPythonTask = z.looseObject({
  python_file: z.string().min(1),
  parameters: z.array(z.string()).optional(),
  source: Source.optional(),
});
/** python_wheel_task. */
export const PythonWheelTask = z.looseObject({
  package_name: z.string().min(1),
  entry_point: z.string().min(1),
  parameters: z.array(z.string()).optional(),
  named_parameters: ParamMap.optional(),
});
/** spark_jar_task. */
export const SparkJarTask = z.looseObject({
  main_class_name: z.string().min(1),
  parameters: z.array(z.string()).optional(),
  jar_uri: z.string().optional(),
});
/** sql_task: an inline query (weir: `query.query`), a saved query id, or a file. */
export const SqlTask = z.looseObject({
  warehouse_id: z.string().optional(),
  parameters: ParamMap.optional(),
  query: z.looseObject({ query_id: z.string().optional(), query: z.string().optional() }).optional(),
  file: z.looseObject({ path: z.string().min(1), source: Source.optional() }).optional(),
  alert: z.looseObject({}).optional(),
  dashboard: z.looseObject({}).optional(),
});
/** pipeline_task. */
export const PipelineTask = z.looseObject({
  pipeline_id: z.string().min(1),
  full_refresh: BoolLike.optional(),
});
/** run_job_task. */
export const RunJobTask = z.looseObject({
  job_id: IntLike,
  job_parameters: ParamMap.optional(),
  notebook_params: ParamMap.optional(),
  python_params: z.array(z.string()).optional(),
  jar_params: z.array(z.string()).optional(),
  sql_params: ParamMap.optional(),
});
/** condition_task: string compare for (NOT_)EQUAL, numeric for the orderings. */
export const ConditionTask = z.looseObject({
  left: z.string(),
  op: z.enum(['EQUAL_TO', 'NOT_EQUAL', 'GREATER_THAN', 'GREATER_THAN_OR_EQUAL', 'LESS_THAN', 'LESS_THAN_OR_EQUAL']),
  right: z.string(),
});
/** shell_task (weir extension): a command run by /bin/sh. */
export const ShellTask = z.looseObject({
  command: z.string().min(1),
  env: z.record(z.string(), z.string()).optional(),
  parameters: z.array(z.string()).optional(),
});
/** node_task (weir extension): a .js/.mjs/.ts script with argv parameters. */
export const NodeTask = z.looseObject({
  script: z.string().min(1),
  parameters: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).optional(),
});

/** The task-kind fields weir knows; a task has exactly one of them. */
export const TASK_KINDS = [
  'notebook_task',
  'spark_python_task',
  'python_script_task',
  'python_wheel_task',
  'spark_jar_task',
  'sql_task',
  'pipeline_task',
  'run_job_task',
  'condition_task',
  'for_each_task',
  'shell_task',
  'node_task',
] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** Kinds Databricks has that weir stores but cannot run; named in the error. */
export const UNSUPPORTED_TASK_KINDS = [
  'spark_submit_task',
  'dbt_task',
  'dashboard_task',
  'alert_task',
  'power_bi_task',
  'dbt_cloud_task',
  'dbt_platform_task',
  'clean_rooms_notebook_task',
  'gen_ai_compute_task',
] as const;

const NotificationList = z.array(z.string()).optional();
/** email_notifications (job and task level). */
export const EmailNotifications = z.looseObject({
  on_start: NotificationList,
  on_success: NotificationList,
  on_failure: NotificationList,
  on_duration_warning_threshold_exceeded: NotificationList,
  on_streaming_backlog_exceeded: NotificationList,
  no_alert_for_skipped_runs: BoolLike.optional(),
});
const WebhookList = z.array(z.looseObject({ id: z.string() })).optional();
/** webhook_notifications (job and task level). */
export const WebhookNotifications = z.looseObject({
  on_start: WebhookList,
  on_success: WebhookList,
  on_failure: WebhookList,
  on_duration_warning_threshold_exceeded: WebhookList,
  on_streaming_backlog_exceeded: WebhookList,
});
/** notification_settings. */
export const NotificationSettings = z.looseObject({
  no_alert_for_skipped_runs: BoolLike.optional(),
  no_alert_for_canceled_runs: BoolLike.optional(),
  alert_on_last_attempt: BoolLike.optional(),
});
/** health rules. */
export const JobsHealthRules = z.looseObject({
  rules: z.array(
    z.looseObject({
      metric: z.enum([
        'RUN_DURATION_SECONDS',
        'STREAMING_BACKLOG_BYTES',
        'STREAMING_BACKLOG_RECORDS',
        'STREAMING_BACKLOG_SECONDS',
        'STREAMING_BACKLOG_FILES',
      ]),
      op: z.literal('GREATER_THAN'),
      value: IntLike,
    }),
  ),
});

const taskCommon = {
  task_key: z
    .string()
    .min(1, 'task_key must not be empty')
    .max(100)
    .regex(/^[\w\-.]+$/, 'task_key may only hold letters, digits, _, - and .'),
  description: z.string().optional(),
  depends_on: z.array(TaskDependency).optional(),
  run_if: RunIf.optional(),
  disabled: BoolLike.optional(),
  timeout_seconds: IntLike.optional(),
  max_retries: IntLike.optional(),
  min_retry_interval_millis: IntLike.optional(),
  retry_on_timeout: BoolLike.optional(),
  job_cluster_key: z.string().optional(),
  existing_cluster_id: z.string().optional(),
  new_cluster: ClusterSpec.optional(),
  environment_key: z.string().optional(),
  libraries: z.array(Library).optional(),
  email_notifications: EmailNotifications.optional(),
  webhook_notifications: WebhookNotifications.optional(),
  notification_settings: NotificationSettings.optional(),
  health: JobsHealthRules.optional(),
  notebook_task: NotebookTask.optional(),
  spark_python_task: SparkPythonTask.optional(),
  python_script_task: SparkPythonTask.optional(),
  python_wheel_task: PythonWheelTask.optional(),
  spark_jar_task: SparkJarTask.optional(),
  sql_task: SqlTask.optional(),
  pipeline_task: PipelineTask.optional(),
  run_job_task: RunJobTask.optional(),
  condition_task: ConditionTask.optional(),
  shell_task: ShellTask.optional(),
  node_task: NodeTask.optional(),
};

/** The task nested in a for_each_task (it cannot itself be a for_each_task). */
export const NestedTask = z.looseObject(taskCommon);
export type NestedTask = z.infer<typeof NestedTask>;

/** for_each_task: inputs is a JSON array (string or literal) or a {{reference}}; `task` runs once per element. */
export const ForEachTask = z.looseObject({
  inputs: z.union([z.string(), z.array(z.unknown()).transform((a) => JSON.stringify(a))]),
  concurrency: IntLike.optional(),
  task: NestedTask,
});

/** A job task (Databricks Jobs 2.2 `Task`). */
export const Task = z.looseObject({ ...taskCommon, for_each_task: ForEachTask.optional() });
export type Task = z.infer<typeof Task>;

/** The one task-kind field of a task, or undefined when it has none. */
export function taskKindOf(task: Record<string, unknown>): TaskKind | undefined {
  // Asked for every ready task on every scheduling pass: remembered per task object (a task's kind never changes).
  if (kinds.has(task)) return kinds.get(task);
  const kind = TASK_KINDS.find((k) => task[k] !== undefined && task[k] !== null);
  kinds.set(task, kind);
  return kind;
}

const kinds = new WeakMap<object, TaskKind | undefined>();
