import { randomUUID } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import { isTerminalUpdate, PipelineSpec, StartUpdate, type UpdateState } from '../domain/pipeline-settings.js';
import { WeirError } from '../domain/weir-error.js';
import { formatIssues } from '../domain/wire.js';
import type { PipelineRecord, PipelineStore, UpdateRecord } from '../store/ports/pipeline-store.js';
import type { FlowRunner } from './update/flow-runner.js';
import { runUpdate } from './update/run-update.js';
import { UpdateEvents } from './update/update-events.js';

const ACTIVE: UpdateState[] = ['QUEUED', 'CREATED', 'WAITING_FOR_RESOURCES', 'INITIALIZING', 'RESETTING', 'SETTING_UP_TABLES', 'RUNNING', 'STOPPING'];

/** Pipelines: settings, updates (one active per pipeline) and their event log. */
export class PipelineService {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<UpdateRecord> }>();

  constructor(
    /** Reads (get, list, updates, events) go straight to the store. */
    readonly store: PipelineStore,
    private readonly flows: FlowRunner,
    private readonly clock: Clock,
  ) {}

  /** Updates a crash left active end as FAILED, so none stays RUNNING forever. */
  async recover(): Promise<void> {
    for (const u of await this.store.updatesInStates(ACTIVE)) {
      const p = await this.store.getPipeline(u.pipeline_id);
      await this.store.saveUpdate({ ...u, state: 'FAILED', end_time: this.clock.now() });
      if (p) {
        await this.events(p, u.update_id).error('The update was interrupted because weir stopped while it was running; start a new update.', 'weir.Interrupted');
        await this.store.savePipeline({ ...p, state: 'IDLE' });
      }
    }
  }

  /** Validates settings and stores a new pipeline; names are unique unless allowDuplicateNames. */
  async create(body: unknown, o: { sourceDir: string; allowDuplicateNames?: boolean; creator?: string }): Promise<PipelineRecord> {
    const spec = parseSpec(body);
    if (spec.name && !o.allowDuplicateNames && (await this.store.findPipelineByName(spec.name))) {
      throw new WeirError('PIPELINE.NAME_CONFLICT', `name: a pipeline named "${spec.name}" already exists; choose another name or pass allow_duplicate_names`);
    }
    const now = this.clock.now();
    const id = randomUUID();
    const rec: PipelineRecord = { pipeline_id: id, spec: { ...spec, id }, state: 'IDLE', cause: null, creator_user_name: o.creator ?? 'admin', created_time: now, last_modified: now, source_dir: o.sourceDir };
    await this.store.createPipeline(rec);
    await this.events(rec, null).emit({ level: 'INFO', event_type: 'user_action', message: `User ${rec.creator_user_name} created pipeline '${spec.name ?? id}'.`, details: { user_action: { action: 'CREATE', user_name: rec.creator_user_name } } });
    return rec;
  }

  /** Replaces the settings (edit is a full replace, as in the API); stale expected_last_modified is a conflict. */
  async edit(id: string, body: unknown, o: { expectedLastModified?: number; allowDuplicateNames?: boolean } = {}): Promise<void> {
    const p = await this.require(id);
    if (o.expectedLastModified !== undefined && o.expectedLastModified !== p.last_modified) {
      throw new WeirError('PIPELINE.NAME_CONFLICT', `expected_last_modified: the pipeline was changed at ${p.last_modified}, after ${o.expectedLastModified}; get it again and retry`);
    }
    const spec = parseSpec(body);
    const other = spec.name ? await this.store.findPipelineByName(spec.name) : undefined;
    if (other && other.pipeline_id !== id && !o.allowDuplicateNames) {
      throw new WeirError('PIPELINE.NAME_CONFLICT', `name: a pipeline named "${spec.name}" already exists; choose another name or pass allow_duplicate_names`);
    }
    await this.store.savePipeline({ ...p, spec: { ...spec, id }, last_modified: Math.max(this.clock.now(), p.last_modified + 1) });
  }

  /** Deletes a pipeline and its history (its tables stay, as with Databricks' cascade=false). */
  async delete(id: string): Promise<void> {
    await this.require(id);
    await this.stop(id);
    await this.store.deletePipeline(id);
  }

  async require(id: string): Promise<PipelineRecord> {
    const p = await this.store.getPipeline(id);
    if (!p) throw new WeirError('PIPELINE.NOT_FOUND', `The specified pipeline ${id} was not found.`, { params: { pipeline_id: id } });
    return p;
  }

  /** Starts an update; refused while another update of the pipeline is active. */
  async startUpdate(id: string, body: unknown): Promise<UpdateRecord> {
    const p = await this.require(id);
    const r = StartUpdate.safeParse(body ?? {});
    if (!r.success) throw new WeirError('VALIDATION.INVALID', formatIssues(r.error));
    const s = r.data;
    if (this.running.has(id)) {
      throw new WeirError('PIPELINE.UPDATE_ACTIVE', `pipeline ${id} already has an active update; wait for it or stop it (POST /api/2.0/pipelines/${id}/stop)`);
    }
    if (s.full_refresh && (s.refresh_selection?.length || s.full_refresh_selection?.length)) {
      throw new WeirError('VALIDATION.INVALID', 'full_refresh refreshes every table: do not combine it with refresh_selection or full_refresh_selection');
    }
    const u: UpdateRecord = {
      update_id: randomUUID(),
      pipeline_id: id,
      state: 'QUEUED',
      cause: s.cause ?? 'API_CALL',
      creation_time: this.clock.now(),
      end_time: null,
      full_refresh: s.full_refresh ?? false,
      refresh_selection: s.refresh_selection ?? [],
      full_refresh_selection: s.full_refresh_selection ?? [],
      validate_only: s.validate_only ?? false,
      parameters: s.parameters ?? {},
      config: p.spec,
    };
    await this.store.createUpdate(u);
    const ev = this.events(p, u.update_id);
    await ev.emit({ level: 'INFO', event_type: 'create_update', message: `Update ${u.update_id.slice(0, 6)} started by ${u.cause}.`, details: { create_update: { cause: u.cause, full_refresh: u.full_refresh, validate_only: u.validate_only } } });
    await ev.emit({ level: 'INFO', event_type: 'user_action', message: `Update ${u.update_id.slice(0, 6)} was requested.`, details: { user_action: { action: 'START', user_name: p.creator_user_name } } });
    await ev.progress('QUEUED');
    await this.store.savePipeline({ ...p, state: 'RUNNING' });
    const controller = new AbortController();
    const done = runUpdate({ store: this.store, clock: this.clock, flows: this.flows }, p, u, controller.signal).finally(async () => {
      this.running.delete(id);
      const latest = await this.store.getPipeline(id);
      if (latest) await this.store.savePipeline({ ...latest, state: 'IDLE' });
    });
    this.running.set(id, { controller, done });
    return u;
  }

  /** Stops the active update (it ends CANCELED); resolves when it has. */
  async stop(id: string): Promise<void> {
    const r = this.running.get(id);
    if (!r) return;
    r.controller.abort();
    await r.done.catch(() => undefined);
  }

  /** Resolves with the update once it is terminal. */
  async waitForUpdate(updateId: string): Promise<UpdateRecord> {
    for (;;) {
      const u = await this.store.getUpdate(updateId);
      if (!u) throw new WeirError('PIPELINE.NOT_FOUND', `Update ${updateId} does not exist.`);
      if (isTerminalUpdate(u.state)) return u;
      const r = this.running.get(u.pipeline_id);
      if (r) await r.done.catch(() => undefined);
      else await new Promise((res) => setTimeout(res, 50));
    }
  }

  /** Stops every active update (server shutdown). */
  async close(): Promise<void> {
    for (const id of [...this.running.keys()]) await this.stop(id);
  }

  private events(p: PipelineRecord, updateId: string | null): UpdateEvents {
    return new UpdateEvents(this.store, this.clock, { pipeline_id: p.pipeline_id, name: p.spec.name ?? p.pipeline_id }, updateId);
  }
}

function parseSpec(body: unknown): PipelineSpec {
  const copy = { ...(body as Record<string, unknown>) };
  for (const k of ['allow_duplicate_names', 'dry_run', 'pipeline_id', 'expected_last_modified', 'run_as', 'parameters']) delete copy[k];
  const r = PipelineSpec.safeParse(copy);
  if (!r.success) throw new WeirError('VALIDATION.INVALID', formatIssues(r.error));
  return r.data;
}
