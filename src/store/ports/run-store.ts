import type { LifeCycleState } from '../../domain/run-state.js';
import type { RunPatch, RunRecord, TaskRunPatch, TaskRunRecord } from '../records.js';

/** Filters of runs/list. */
export interface RunQuery {
  jobId?: number;
  activeOnly?: boolean;
  completedOnly?: boolean;
  runType?: string;
  startTimeFrom?: number;
  startTimeTo?: number;
  offset: number;
  limit: number;
}

/** Persistence of runs and their task attempts. Ids of runs and task runs come from one sequence. */
export interface RunStore {
  /** Reserves `n` consecutive ids and returns the first. */
  allocateIds(n: number): Promise<number>;
  /** Inserts a run with its first task runs in one transaction. */
  createRun(run: RunRecord, taskRuns: TaskRunRecord[]): Promise<void>;
  getRun(runId: number): Promise<RunRecord | undefined>;
  updateRun(runId: number, patch: RunPatch): Promise<void>;
  /** Runs newest first. */
  listRuns(q: RunQuery): Promise<{ runs: RunRecord[]; hasMore: boolean }>;
  /** Runs whose life-cycle state is one of `states`, oldest first. */
  runsInStates(states: LifeCycleState[]): Promise<RunRecord[]>;
  countRunsInStates(jobId: number, states: LifeCycleState[]): Promise<number>;
  findRunByIdempotencyToken(jobId: number | null, token: string): Promise<RunRecord | undefined>;
  deleteRun(runId: number): Promise<void>;
  insertTaskRuns(taskRuns: TaskRunRecord[]): Promise<void>;
  updateTaskRun(taskRunId: number, patch: TaskRunPatch): Promise<void>;
  /** Writes a whole task run record (the executor holds the latest one in memory; no read needed). */
  saveTaskRun(taskRun: TaskRunRecord): Promise<void>;
  getTaskRun(taskRunId: number): Promise<TaskRunRecord | undefined>;
  /** All attempts of a run (every task, iteration and retry), by id. */
  listTaskRuns(runId: number): Promise<TaskRunRecord[]>;
  /** Applies several updates atomically. */
  batch(ops: { run?: [number, RunPatch]; taskRuns?: [number, TaskRunPatch][]; insert?: TaskRunRecord[] }): Promise<void>;
}
