import type { PipelineSource } from '../../domain/pipeline-definition.js';
import type { PipelineEventRecord, PipelineRecord, UpdateRecord } from '../../store/ports/pipeline-store.js';
import type { PipelineGraph } from '../graph/pipeline-graph.js';
import type { UpdateEvents } from './update-events.js';

/** What the flow runner gets for one update: the validated graph and where to report. */
export interface UpdateContext {
  pipeline: PipelineRecord;
  update: UpdateRecord;
  graph: PipelineGraph;
  sources: PipelineSource[];
  /** The pipeline configuration merged with the update's parameters (for `${key}`). */
  configuration: Record<string, string>;
  events: UpdateEvents;
  signal: AbortSignal;
}

/** Materializes the flows of an update (reads sources, applies expectations, writes Delta tables). */
export interface FlowRunner {
  /** Runs the planned flows; throws on a failed update (the error is reported as the update's cause). */
  run(ctx: UpdateContext): Promise<void>;
  /** validate_only: binds every query without writing; throws when something does not bind. */
  validate?(ctx: UpdateContext): Promise<void>;
  /** Extra flow_definition details by flow id (weir's `column_lineage`), derived before any flow runs. */
  describeFlows?(ctx: UpdateContext): Promise<Map<string, Record<string, unknown>>>;
  /** Appends an ended update's events to the pipeline's event log table (a Delta table under its storage). */
  archiveEvents?(pipeline: PipelineRecord, events: PipelineEventRecord[]): Promise<void>;
}
