import { z } from 'zod';
import { BoolLike, IntLike } from './wire.js';
import {
  ClusterSpec,
  EmailNotifications,
  JobsHealthRules,
  NotificationSettings,
  Task,
  WebhookNotifications,
} from './task.js';

const PauseStatus = z.enum(['PAUSED', 'UNPAUSED']);

/** A job-level parameter: name and default. */
export const JobParameterDefinition = z.looseObject({
  name: z.string().regex(/^[\w\-.]+$/, 'parameter names may only hold letters, digits, _, - and .'),
  default: z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v)),
});
export type JobParameterDefinition = z.infer<typeof JobParameterDefinition>;

/** A cron schedule (Quartz syntax). */
export const CronSchedule = z.looseObject({
  quartz_cron_expression: z.string().min(1),
  timezone_id: z.string().min(1),
  pause_status: PauseStatus.optional(),
});

/** trigger settings: file arrival, table update, periodic. */
export const TriggerSettings = z.looseObject({
  pause_status: PauseStatus.optional(),
  file_arrival: z
    .looseObject({
      url: z.string(),
      min_time_between_triggers_seconds: IntLike.optional(),
      wait_after_last_change_seconds: IntLike.optional(),
    })
    .optional(),
  table_update: z
    .looseObject({
      table_names: z.array(z.string()),
      condition: z.enum(['ANY_UPDATED', 'ALL_UPDATED']).optional(),
      min_time_between_triggers_seconds: IntLike.optional(),
      wait_after_last_change_seconds: IntLike.optional(),
    })
    .optional(),
  periodic: z.looseObject({ interval: IntLike, unit: z.enum(['MINUTES', 'HOURS', 'DAYS', 'WEEKS']) }).optional(),
});

/** A job cluster shared by tasks of one run. */
export const JobCluster = z.looseObject({ job_cluster_key: z.string().min(1), new_cluster: ClusterSpec });

/** JobSettings (Databricks Jobs 2.2): the body of jobs/create and the content of a job file. */
export const JobSettings = z.looseObject({
  name: z.string().max(4096).optional(),
  description: z.string().optional(),
  tasks: z.array(Task).max(1000).optional(),
  job_clusters: z.array(JobCluster).optional(),
  parameters: z.array(JobParameterDefinition).optional(),
  max_concurrent_runs: IntLike.optional(),
  timeout_seconds: IntLike.optional(),
  tags: z.record(z.string(), z.string()).optional(),
  health: JobsHealthRules.optional(),
  email_notifications: EmailNotifications.optional(),
  webhook_notifications: WebhookNotifications.optional(),
  notification_settings: NotificationSettings.optional(),
  schedule: CronSchedule.optional(),
  trigger: TriggerSettings.optional(),
  continuous: z.looseObject({ pause_status: PauseStatus.optional() }).optional(),
  queue: z.looseObject({ enabled: BoolLike }).optional(),
  run_as: z.looseObject({}).optional(),
  git_source: z.looseObject({ git_url: z.string() }).optional(),
  format: z.enum(['SINGLE_TASK', 'MULTI_TASK']).optional(),
  /** weir extension: cancel a run once its compute cost reaches max_cost, and notify (docs/compute.md). */
  weir_cost_limit: z.looseObject({ max_cost: z.number().positive(), currency: z.literal('USD').optional() }).optional(),
});
export type JobSettings = z.infer<typeof JobSettings>;
