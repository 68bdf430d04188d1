import type { JobSettings } from '../../domain/job-settings.js';
import type { JobRecord } from '../records.js';

/** Persistence of job definitions. */
export interface JobStore {
  /** Stores a new job and returns its id. */
  createJob(input: Omit<JobRecord, 'job_id'>): Promise<number>;
  getJob(jobId: number): Promise<JobRecord | undefined>;
  /** Jobs ordered by id; `name` filters on the exact name. */
  listJobs(opts: { name?: string; offset: number; limit: number }): Promise<{ jobs: JobRecord[]; hasMore: boolean }>;
  /** Finds the job created from a job file, by that file's absolute path. */
  findJobByName(name: string): Promise<JobRecord | undefined>;
  replaceSettings(jobId: number, settings: JobSettings): Promise<void>;
  /** Reserves a job id that no stored job will get (the hidden job of a one-time runs/submit run). */
  reserveJobId(): Promise<number>;
  /** Returns false when no such job existed. */
  deleteJob(jobId: number): Promise<boolean>;
}
