/** The channel kinds a notification destination (or an email list) delivers through. */
export type ChannelType = 'EMAIL' | 'WEBHOOK' | 'SLACK' | 'MICROSOFT_TEAMS' | 'PAGERDUTY';

/** The five notification conditions of email_notifications / webhook_notifications. */
export type NotificationEvent =
  | 'on_start'
  | 'on_success'
  | 'on_failure'
  | 'on_duration_warning_threshold_exceeded'
  | 'on_streaming_backlog_exceeded';

/** Channel settings of a destination; which fields apply depends on the destination type. */
export interface DestinationConfig {
  /** Webhook, Slack and Teams URL. */
  url?: string;
  /** Basic-auth user and password of a generic webhook. */
  username?: string;
  password?: string;
  /** PagerDuty Events API v2 routing (integration) key. */
  integration_key?: string;
  /** Email recipients. */
  addresses?: string[];
}

/** A stored notification destination (referenced by id from webhook_notifications). */
export interface DestinationRecord {
  id: string;
  display_name: string;
  destination_type: ChannelType;
  config: DestinationConfig;
  created_time: number;
  updated_time: number;
}

/** Where one delivery goes: the channel, a readable destination name and a snapshot of the channel settings. */
export interface DeliveryTarget extends DestinationConfig {
  channel: ChannelType;
  /** An email address or a destination id. */
  destination: string;
  /** The destination's display name, when it is one. */
  destination_name?: string;
}

/** What a notification says; built once per event and sent by every channel in its own format. */
export interface NotificationMessage {
  event: NotificationEvent;
  /** Databricks' webhook event type, e.g. `jobs.on_failure`. */
  event_type: string;
  level: 'job' | 'task';
  job_id: number | null;
  job_name: string;
  run_id: number;
  run_name: string;
  task_key: string | null;
  attempt_number: number | null;
  life_cycle_state: string;
  result_state: string | null;
  duration_ms: number | null;
  error: string | null;
  url: string;
  subject: string;
  text: string;
  /** Stable per job run, so a PagerDuty resolve closes the incident its trigger opened. */
  dedup_key: string;
  occurred_time: number;
}

/** Lifecycle of one delivery. */
export type DeliveryState = 'PENDING' | 'DELIVERED' | 'FAILED';

/** One message to one destination, retried until delivered or out of attempts. */
export interface DeliveryRecord {
  delivery_id: number;
  run_id: number;
  event: NotificationEvent;
  target: DeliveryTarget;
  message: NotificationMessage;
  state: DeliveryState;
  attempts: number;
  next_attempt_time: number;
  created_time: number;
  last_error: string | null;
}

/** A delivery before it is stored. */
export type NewDelivery = Omit<DeliveryRecord, 'delivery_id'>;

/** One try of one delivery. */
export interface DeliveryAttemptRecord {
  delivery_id: number;
  run_id: number;
  attempt: number;
  channel: ChannelType;
  event: NotificationEvent;
  destination: string;
  status: 'DELIVERED' | 'ERROR';
  error: string | null;
  time: number;
}

/** Columns of a delivery that change after it was stored. */
export type DeliveryPatch = Partial<Pick<DeliveryRecord, 'state' | 'attempts' | 'next_attempt_time' | 'last_error'>>;

/** Notification destinations, queued deliveries and their attempts. */
export interface NotificationStore {
  createDestination(d: DestinationRecord): Promise<void>;
  getDestination(id: string): Promise<DestinationRecord | undefined>;
  listDestinations(): Promise<DestinationRecord[]>;
  /** Replaces a destination; false when it does not exist. */
  replaceDestination(d: DestinationRecord): Promise<boolean>;
  /** False when it does not exist. */
  deleteDestination(id: string): Promise<boolean>;

  /** Stores deliveries and returns their ids, in order. */
  insertDeliveries(ds: NewDelivery[]): Promise<number[]>;
  /** PENDING deliveries whose next attempt is due at `now`, oldest first. */
  dueDeliveries(now: number, limit: number): Promise<DeliveryRecord[]>;
  /** The earliest next_attempt_time of a PENDING delivery. */
  nextAttemptTime(): Promise<number | undefined>;
  /** Writes a delivery's new state together with the attempt that led to it. */
  recordAttempt(deliveryId: number, patch: DeliveryPatch, attempt: DeliveryAttemptRecord): Promise<void>;
  /** Moves the next attempt of PENDING deliveries to `time` (without counting an attempt). */
  postponeDeliveries(deliveryIds: number[], time: number): Promise<void>;
  listDeliveries(runId: number): Promise<DeliveryRecord[]>;
  listAttempts(runId: number): Promise<DeliveryAttemptRecord[]>;
}
