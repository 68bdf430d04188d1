import type { RunRecord, TaskRunRecord } from '../records.js';

/** A worker process as the store knows it (scale-out, ADR 0007). Times are the database's clock, in epoch ms. */
export interface WorkerRecord {
  worker_id: string;
  host: string;
  pid: number;
  pool: string;
  slots: number;
  started_at: number;
  heartbeat_at: number;
}

/** A run a worker won: the run, its task runs, the claim epoch its writes are fenced with, and the admission. */
export interface ClaimedRun {
  run: RunRecord;
  taskRuns: TaskRunRecord[];
  epoch: number;
  /** False when the job was at max_concurrent_runs without queueing: the run is to end SKIPPED. */
  admitted: boolean;
}

/** What a request asks of a run's owner. */
export type RunRequestKind = 'cancel' | 'timeout';

/** A cancel asked for by a process that does not own the run; its owner acts on it. */
export interface RunRequest {
  request_id: string;
  run_id: number;
  task_run_id: number | null;
  kind: RunRequestKind;
}

/** Work sharing between processes through the store: worker heartbeats, run claims, requests and wake-ups. */
export interface ClaimStore {
  /** Registers a worker; its heartbeat starts now. */
  registerWorker(w: Omit<WorkerRecord, 'started_at' | 'heartbeat_at'>): Promise<void>;
  /** Records a heartbeat; false when the worker was declared lost meanwhile (its row is gone). */
  heartbeat(workerId: string): Promise<boolean>;
  /** Removes a worker and gives back every run it claimed (the next claimer recovers them). */
  removeWorker(workerId: string): Promise<void>;
  listWorkers(): Promise<WorkerRecord[]>;
  /**
   * Claims up to `limit` unclaimed, non-terminal runs of `pool` in run id order, in one transaction that also
   * checks each job's max_concurrent_runs against the runs every worker holds.
   */
  claimRuns(workerId: string, pool: string, limit: number): Promise<ClaimedRun[]>;
  /** Gives back a finished run's claim (only while it is still this worker's at this epoch). */
  releaseRun(runId: number, workerId: string, epoch: number): Promise<void>;
  /** Declares lost the workers silent for longer than `timeoutMs`: their runs become claimable again. Returns their ids. */
  sweepLostWorkers(timeoutMs: number): Promise<string[]>;
  /** Stores a request for the owner of a run and wakes the workers. */
  requestRunAction(r: Omit<RunRequest, 'request_id'>): Promise<void>;
  /** Takes (removes and returns) the requests for runs this worker claims. */
  takeRequests(workerId: string): Promise<RunRequest[]>;
  /** Wakes every listening worker (delivered at commit). */
  notifyWork(): Promise<void>;
  /** Calls `onWake` on every wake-up until the returned function is called. */
  listen(onWake: () => void): Promise<() => Promise<void>>;
}
