import { randomUUID } from 'node:crypto';
import type { Clock } from '../../domain/clock.js';
import type { PipelineEventRecord, PipelineStore } from '../../store/ports/pipeline-store.js';

/** An event about to be written (the store assigns its seq). */
export type NewEvent = Omit<PipelineEventRecord, 'seq' | 'id' | 'pipeline_id' | 'update_id' | 'timestamp' | 'origin'> & { origin?: Record<string, unknown> };

/**
 * Writes the event log of one update: every event carries the pipeline and update in its origin, as Databricks'
 * do, so `update_id = '…'` filters and the UI can follow one update.
 */
export class UpdateEvents {
  constructor(
    private readonly store: PipelineStore,
    private readonly clock: Clock,
    private readonly pipeline: { pipeline_id: string; name: string },
    private readonly updateId: string | null,
  ) {}

  /** Appends events in order. */
  async emit(...events: NewEvent[]): Promise<void> {
    const now = this.clock.now();
    await this.store.appendEvents(
      events.map((e) => ({
        ...e,
        id: randomUUID(),
        pipeline_id: this.pipeline.pipeline_id,
        update_id: this.updateId,
        timestamp: now,
        origin: { pipeline_id: this.pipeline.pipeline_id, pipeline_name: this.pipeline.name, ...(this.updateId ? { update_id: this.updateId } : {}), ...(e.origin ?? {}) },
      })),
    );
  }

  /** An update_progress event (the update's state changed). */
  progress(state: string, extra: Record<string, unknown> = {}): Promise<void> {
    return this.emit({ level: 'INFO', event_type: 'update_progress', message: `Update ${this.updateId?.slice(0, 6)} is ${state}.`, details: { update_progress: { state, ...extra } } });
  }

  /** An ERROR event with the exception as Databricks shapes it. */
  error(message: string, className = 'weir.PipelineError', origin: Record<string, unknown> = {}): Promise<void> {
    return this.emit({ level: 'ERROR', event_type: 'update_progress', message, details: { update_progress: { state: 'FAILED' } }, error: { fatal: true, exceptions: [{ class_name: className, message }] }, origin });
  }
}
