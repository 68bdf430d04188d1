import type { PipelineSpec, PipelineState, UpdateState } from '../../domain/pipeline-settings.js';

/** A stored pipeline. */
export interface PipelineRecord {
  pipeline_id: string;
  spec: PipelineSpec;
  state: PipelineState;
  /** Why the pipeline is in its state (e.g. the error of a failed update). */
  cause: string | null;
  creator_user_name: string;
  created_time: number;
  last_modified: number;
  /** Folder that relative library paths resolve against. */
  source_dir: string;
}

/** One update (run) of a pipeline. */
export interface UpdateRecord {
  update_id: string;
  pipeline_id: string;
  state: UpdateState;
  cause: string;
  creation_time: number;
  end_time: number | null;
  full_refresh: boolean;
  refresh_selection: string[];
  full_refresh_selection: string[];
  validate_only: boolean;
  parameters: Record<string, string>;
  /** The pipeline settings the update runs with. */
  config: PipelineSpec;
}

/** One entry of a pipeline's event log (the PipelineEvent wire object, with the timestamp in ms). */
export interface PipelineEventRecord {
  id: string;
  /** Position in the pipeline's log, assigned by the store; orders events. */
  seq: number;
  pipeline_id: string;
  update_id: string | null;
  timestamp: number;
  level: 'INFO' | 'WARN' | 'ERROR' | 'METRICS';
  event_type: string;
  message: string;
  origin: Record<string, unknown>;
  details: Record<string, unknown>;
  error?: { fatal: boolean; exceptions: { class_name: string; message: string }[] };
}

/** Conditions of an event query (the Pipelines API filter grammar, parsed). */
export interface EventQuery {
  levels?: string[];
  eventTypes?: string[];
  updateId?: string;
  id?: string;
  timestamp?: { op: '<' | '<=' | '>' | '>=' | '='; value: number }[];
  ascending: boolean;
  offset: number;
  limit: number;
}

/** Persistence of pipelines, their updates and their event log. */
export interface PipelineStore {
  createPipeline(p: PipelineRecord): Promise<void>;
  getPipeline(id: string): Promise<PipelineRecord | undefined>;
  findPipelineByName(name: string): Promise<PipelineRecord | undefined>;
  /** Pipelines ordered by `orderBy`; `nameLike` is a SQL LIKE pattern on the name. */
  listPipelines(q: { nameLike?: string; orderBy: 'id' | 'name'; ascending: boolean; offset: number; limit: number }): Promise<{ pipelines: PipelineRecord[]; hasMore: boolean }>;
  savePipeline(p: PipelineRecord): Promise<void>;
  deletePipeline(id: string): Promise<void>;
  createUpdate(u: UpdateRecord): Promise<void>;
  getUpdate(id: string): Promise<UpdateRecord | undefined>;
  saveUpdate(u: UpdateRecord): Promise<void>;
  /** A pipeline's updates, newest first. */
  listUpdates(pipelineId: string, q: { offset: number; limit: number }): Promise<{ updates: UpdateRecord[]; hasMore: boolean }>;
  /** Updates of any pipeline in the given states, oldest first (recovery after a crash). */
  updatesInStates(states: UpdateState[]): Promise<UpdateRecord[]>;
  /** Appends events in order, assigning their seq. */
  appendEvents(events: Omit<PipelineEventRecord, 'seq'>[]): Promise<void>;
  listEvents(pipelineId: string, q: EventQuery): Promise<{ events: PipelineEventRecord[]; hasMore: boolean }>;
}
