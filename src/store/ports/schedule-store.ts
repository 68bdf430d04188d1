/** A fired (or being fired) scheduler tick; `tick_key` is its idempotency key. */
export interface TickRecord {
  tick_key: string;
  job_id: number;
  kind: 'cron' | 'periodic' | 'continuous' | 'file_arrival' | 'table_update' | 'backfill';
  /** The logical fire time (ms): the cron/periodic instant, or when the trigger condition was met. */
  scheduled_time: number;
  created_time: number;
  run_id: number | null;
  /** What the run is told about its trigger (e.g. the new files of a file-arrival trigger). */
  info?: Record<string, unknown>;
}

/** What the scheduler remembers per job between evaluations (and restarts). */
export interface TriggerState {
  /** Fingerprint of the trigger settings this state belongs to; a changed trigger starts afresh. */
  fingerprint: string;
  /** Ticks at or before this instant (ms) have been handled. */
  cursor: number;
  /** Periodic triggers: the anchor their intervals count from. */
  anchor?: number;
  /** When the last run was triggered (min_time_between_triggers_seconds). */
  last_fired?: number;
  /** File arrival: files already seen, path → "mtime:size". */
  seen_files?: Record<string, string>;
  /** Table update: last seen version per table. */
  table_versions?: Record<string, number>;
  /** Continuous: consecutive failed runs (for backoff). */
  failures?: number;
}

/** A backfill: one run per schedule tick in [from, to] that has not succeeded yet, at most `concurrency` at once. */
export interface BackfillRecord {
  backfill_id: number;
  job_id: number;
  from: number;
  to: number;
  concurrency: number;
  only_failed: boolean;
  state: 'RUNNING' | 'DONE' | 'CANCELED';
  created_time: number;
  end_time: number | null;
  /** Logical times still to launch, earliest first. */
  pending: number[];
  /** Runs this backfill started. */
  launched: { time: number; run_id: number }[];
  /** Launched runs not known to be finished yet. */
  active: number[];
  /** Intervals skipped because they had already succeeded (or, with only_failed, never ran). */
  skipped: number;
}

/** Persistence of scheduler ticks and trigger cursors. */
export interface ScheduleStore {
  /** Inserts the tick unless its key exists; returns the stored tick (the existing one when it was already there). */
  claimTick(tick: TickRecord): Promise<{ tick: TickRecord; created: boolean }>;
  /** claimTick for many ticks in one round trip: returns the stored tick of each, in the given order. */
  claimTicks(ticks: TickRecord[]): Promise<TickRecord[]>;
  /** Records the run a tick created. */
  setTickRun(tickKey: string, runId: number): Promise<void>;
  /** setTickRun for many ticks at once. */
  setTickRuns(pairs: { tick_key: string; run_id: number }[]): Promise<void>;
  /** The latest scheduled time among a job's ticks of the given kinds that got their run, if any. */
  latestTickTime(jobId: number, kinds: TickRecord['kind'][]): Promise<number | undefined>;
  /** Ticks of a job, newest scheduled time first. */
  listTicks(jobId: number, opts?: { from?: number; to?: number; limit?: number }): Promise<TickRecord[]>;
  getTriggerState(jobId: number): Promise<TriggerState | undefined>;
  putTriggerState(jobId: number, state: TriggerState): Promise<void>;
  /** putTriggerState for many jobs in one transaction. */
  putTriggerStates(states: { job_id: number; state: TriggerState }[]): Promise<void>;
  deleteTriggerState(jobId: number): Promise<void>;
  /** Stores a new backfill and returns it with its id. */
  createBackfill(b: Omit<BackfillRecord, 'backfill_id'>): Promise<BackfillRecord>;
  getBackfill(backfillId: number): Promise<BackfillRecord | undefined>;
  updateBackfill(b: BackfillRecord): Promise<void>;
  /** Backfills still RUNNING, oldest first. */
  runningBackfills(): Promise<BackfillRecord[]>;
  listBackfills(jobId: number): Promise<BackfillRecord[]>;
}
