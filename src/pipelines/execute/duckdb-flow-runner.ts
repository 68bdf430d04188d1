import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Dataset, Expectation } from '../../domain/pipeline-definition.js';
import { WeirError } from '../../domain/weir-error.js';
import { installSparkMacros } from '../../engine/spark-sql/translate-spark-sql.js';
import type { PipelineEventRecord, PipelineRecord } from '../../store/ports/pipeline-store.js';
import type { GraphFlow } from '../graph/pipeline-graph.js';
import type { FlowRunner, UpdateContext } from '../update/flow-runner.js';
import { columnLineage } from './column-lineage.js';
import { pipelineCompute } from './pipeline-compute.js';
import { nodeTypeCatalog, type NodeTypeCatalog } from '../../domain/node-types.js';
import { appendEventLog } from './event-log-table.js';
import { MaintenanceSchedule, maintainTables } from './table-maintenance.js';
import { configuredDuration } from '../update/run-update.js';
import { systemClock, type Clock } from '../../domain/clock.js';
import { checkExpectations, type ExpectationResult } from './expectations-sql.js';
import { FlowCheckpoints } from './flow-checkpoint.js';
import { defineView, type PrepareContext } from './flow-inputs.js';
import { runFlow } from './run-flow.js';
import { sinkLocation } from './sink-flow.js';
import { selectDatasets } from './flow-selection.js';
import { planIncrementalAggregate, type IncrementalAggregate } from './incremental-aggregate.js';
import { columnMismatches, validateFlows } from './validate-flows.js';
import { shapeColumns } from './shape-columns.js';
import { deltaTableAccess, type TableAccess } from './table-access.js';

/** Where a pipeline's tables and checkpoints live, and how to get a DuckDB connection. */
export interface FlowRunnerOptions {
  connect(): Promise<DuckDBConnection>;
  /** Folder of a managed table, by qualified id. */
  tableLocation(id: string): string;
  /** The pipeline's storage root: `checkpoints/` (streaming state) and `system/events` (the event log table). */
  storageRoot(pipeline: PipelineRecord): string;
  /** Time for maintenance scheduling (default: the system clock). */
  clock?: Clock;
  /** Node types that size an update's memory (default: weir's built-in list). */
  nodeTypes?: NodeTypeCatalog;
}

const DAY_MS = 86_400_000;

/** Flows run at once (each on its own DuckDB connection of the shared instance; DuckDB's threads are shared too). */
const FLOW_CONCURRENCY = 4;

/** What the flows of one update share while they run. */
interface RunState {
  cps: FlowCheckpoints;
  selection: ReturnType<typeof selectDatasets>;
  failed: Set<string>;
  overwritten: Set<string>;
  firstError: unknown;
  development: boolean;
}

/** Attempts per flow in production mode (development mode runs each flow once and stops at the first failure). */
const PRODUCTION_ATTEMPTS = 3;

/** Failures worth another attempt: anything but the pipeline's own definition, expectation or input errors. */
function retryable(e: unknown): boolean {
  const permanent = ['SQL.SYNTAX', 'SQL.UNSUPPORTED_FUNCTION', 'SQL.UNSUPPORTED_SYNTAX', 'SQL.UNKNOWN_VARIABLE', 'DELTA.SCHEMA_MISMATCH'];
  return !(e instanceof WeirError && (e.code.startsWith('PIPELINE.') || permanent.includes(e.code)));
}

/**
 * Runs an update's flows on DuckDB, independent flows in parallel, one Delta commit per flow (see run-flow.ts).
 * A failing flow fails the update; flows that do not depend on it still run, flows that do are SKIPPED. After a
 * successful update, tables get their periodic maintenance.
 */
export class DuckDbFlowRunner implements FlowRunner {
  constructor(private readonly o: FlowRunnerOptions) {}

  async validate(ctx: UpdateContext): Promise<void> {
    const conn = await this.o.connect();
    try {
      await installSparkMacros(conn);
      await validateFlows(conn, deltaTableAccess(conn, (id) => this.locate(ctx, id)), ctx);
    } finally {
      conn.closeSync();
    }
  }

  async describeFlows(ctx: UpdateContext): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>();
    const conn = await this.o.connect();
    try {
      for (const flow of ctx.graph.flows) {
        const lineage = await columnLineage(conn, flow, ctx.configuration);
        if (lineage) out.set(flow.id, { column_lineage: lineage });
      }
    } finally {
      conn.closeSync();
    }
    return out;
  }

  async archiveEvents(pipeline: PipelineRecord, events: PipelineEventRecord[]): Promise<void> {
    const conn = await this.o.connect();
    try {
      await appendEventLog(conn, join(this.o.storageRoot(pipeline), 'system', 'events'), events);
    } finally {
      conn.closeSync();
    }
  }

  private locate(ctx: UpdateContext, id: string): string {
    const sink = ctx.graph.sinks.find((s) => s.id === id);
    const defaults = { catalog: ctx.update.config.catalog ?? 'main', schema: ctx.update.config.schema ?? ctx.update.config.target ?? 'default' };
    if (sink) return sinkLocation(sink.definition, ctx.pipeline.source_dir, defaults, (t) => this.o.tableLocation(t));
    return ctx.graph.datasets.find((d) => d.id === id)?.definition.location ?? this.o.tableLocation(id);
  }

  async run(ctx: UpdateContext): Promise<void> {
    const first = await this.o.connect();
    let limited = false;
    try {
      limited = await this.applyCompute(first, ctx);
    } finally {
      first.closeSync();
    }
    try {
      await this.runFlows(ctx);
    } finally {
      // memory_limit is a setting of the whole DuckDB instance (the warehouse shares it), which weir otherwise leaves
      // at DuckDB's default (80% of RAM): back to that. Two sized updates at once share the last one's limit.
      if (limited) {
        const conn = await this.o.connect();
        await conn.run('RESET memory_limit').finally(() => conn.closeSync());
      }
    }
  }

  private async runFlows(ctx: UpdateContext): Promise<void> {
    const state: RunState = {
      cps: new FlowCheckpoints(join(this.o.storageRoot(ctx.pipeline), 'checkpoints')),
      selection: selectDatasets(ctx.graph, ctx.update),
      failed: new Set(),
      overwritten: new Set(),
      firstError: undefined,
      development: ctx.update.config.development === true,
    };
    await this.runInParallel(ctx, state);
    if (ctx.signal.aborted) return;
    if (!state.firstError) await this.maintain(ctx, state);
    else {
      const msg = (state.firstError as Error).message;
      throw new WeirError('PIPELINE.FLOW_FAILED', `${state.failed.size} dataset(s) failed or were skipped; first failure: ${msg}`, { cause: state.firstError });
    }
  }

  /**
   * Starts every flow whose inputs are done, up to FLOW_CONCURRENCY at once, each on its own DuckDB connection;
   * flows writing one target run one at a time (in graph order), so a full refresh overwrites before others append.
   */
  private async runInParallel(ctx: UpdateContext, state: RunState): Promise<void> {
    const datasets = new Set(ctx.graph.datasets.map((d) => d.id));
    const writersLeft = new Map<string, number>();
    for (const f of ctx.graph.flows) writersLeft.set(f.target, (writersLeft.get(f.target) ?? 0) + 1);
    const done = new Set<string>();
    const pending = ctx.graph.order.map((id) => ctx.graph.flows.find((f) => f.id === id) as GraphFlow);
    const inFlight = new Map<string, Promise<void>>();
    const busy = new Set<string>();
    const limit = Math.max(1, Math.min(FLOW_CONCURRENCY, cpus().length));
    while (pending.length || inFlight.size) {
      for (let i = 0; i < pending.length && inFlight.size < limit && !ctx.signal.aborted; i++) {
        const flow = pending[i];
        const ready = !busy.has(flow.target) && flow.inputs.every((input) => !datasets.has(input.id) || input.id === flow.target || done.has(input.id));
        if (!ready) continue;
        pending.splice(i--, 1);
        busy.add(flow.target);
        const job = this.processFlow(ctx, state, flow).finally(() => {
          busy.delete(flow.target);
          inFlight.delete(flow.id);
          const left = (writersLeft.get(flow.target) ?? 1) - 1;
          writersLeft.set(flow.target, left);
          if (left === 0) done.add(flow.target);
        });
        inFlight.set(flow.id, job);
      }
      if (!inFlight.size) return;
      await Promise.race(inFlight.values());
    }
  }

  /** One flow from start to its last flow_progress event: exclusions, skips, attempts (production retries). */
  private async processFlow(ctx: UpdateContext, state: RunState, flow: GraphFlow): Promise<void> {
    const progress = (status: string, extra: Record<string, unknown> = {}, level: 'INFO' | 'ERROR' = 'INFO', error?: string) =>
      ctx.events.emit({
        level,
        event_type: 'flow_progress',
        message: `Flow '${flow.id}' is ${status}.${error ? ` ${error}` : ''}`,
        origin: { flow_name: flow.id, dataset_name: flow.target },
        details: { flow_progress: { status, ...extra } },
        ...(error ? { error: { fatal: false, exceptions: [{ class_name: 'weir.FlowError', message: error }] } } : {}),
      });
    if (!state.selection.refresh.has(flow.target)) return progress('EXCLUDED');
    const blocked = flow.inputs.find((i) => state.failed.has(i.id));
    if (blocked) {
      state.failed.add(flow.target);
      return progress('SKIPPED', { skip_reason: `upstream dataset ${blocked.id} failed` });
    }
    // Development mode fails fast: once a flow failed, no other is started.
    if (state.firstError && state.development) return progress('SKIPPED', { skip_reason: 'an earlier flow failed (development mode stops at the first failure)' });
    await progress('RUNNING');
    const target = ctx.graph.datasets.find((d) => d.id === flow.target);
    const resettable = target?.definition.tableProperties['pipelines.reset.allowed'] !== 'false';
    const full = state.selection.fullRefresh.has(flow.target) && resettable && !state.overwritten.has(flow.target);
    const conn = await this.o.connect();
    try {
      await installSparkMacros(conn);
      const p: PrepareContext = { conn, graph: ctx.graph, tables: deltaTableAccess(conn, (id) => this.locate(ctx, id)), configuration: ctx.configuration, views: new Map(), baseDir: ctx.pipeline.source_dir, now: () => (this.o.clock ?? systemClock).now() };
      p.defineView = (id) => defineView(p, id);
      for (let attempt = 1; ; attempt++) {
        try {
          const m = await runFlow(p, ctx, flow, state.cps, full);
          if (full) state.overwritten.add(flow.target);
          return await progress(m.skipped ? 'SKIPPED' : 'COMPLETED', {
            ...(m.reason ? { skip_reason: m.reason } : {}),
            metrics: { num_output_rows: m.num_output_rows, ...(m.num_upserted_rows !== undefined ? { num_upserted_rows: m.num_upserted_rows, num_deleted_rows: m.num_deleted_rows } : {}) },
            data_quality: { dropped_records: m.dropped_records, expectations: m.expectations },
          });
        } catch (e) {
          // Production mode retries a flow whose failure may be transient; a definition or expectation error is not.
          if (!state.development && attempt < PRODUCTION_ATTEMPTS && retryable(e) && !ctx.signal.aborted) {
            await progress('RETRYING', { attempt }, 'INFO', `Attempt ${attempt} failed: ${(e as Error).message}`);
            continue;
          }
          state.failed.add(flow.target);
          state.firstError ??= e;
          return await progress('FAILED', {}, 'ERROR', (e as Error).message);
        }
      }
    } finally {
      conn.closeSync();
    }
  }

  private async maintain(ctx: UpdateContext, state: RunState): Promise<void> {
    const conn = await this.o.connect();
    try {
      const written = ctx.graph.datasets.filter((d) => d.definition.kind !== 'view' && state.selection.refresh.has(d.id));
      const schedule = new MaintenanceSchedule(join(this.o.storageRoot(ctx.pipeline), 'checkpoints', 'maintenance.json'), configuredDuration(ctx.configuration, 'pipelines.maintenance.interval', DAY_MS), () => (this.o.clock ?? systemClock).now());
      await maintainTables(conn, written.map((d) => ({ id: d.id, path: this.locate(ctx, d.id), dataset: d.definition })), ctx.events, schedule);
    } finally {
      conn.closeSync();
    }
  }

  /** Maps the pipeline's compute to DuckDB threads and memory (pipeline-compute.ts) and reports it. */
  private async applyCompute(conn: DuckDBConnection, ctx: UpdateContext): Promise<boolean> {
    const cores = cpus().length;
    const c = pipelineCompute(ctx.update.config, { cores, memoryMb: Math.floor(totalmem() / 1024 / 1024) }, this.o.nodeTypes ?? nodeTypeCatalog());
    await conn.run(`SET threads = ${c.threads}`);
    if (c.memoryLimitMb !== undefined) await conn.run(`SET memory_limit = '${c.memoryLimitMb}MiB'`);
    const memory = c.memoryLimitMb !== undefined ? ` and ${c.memoryLimitMb} MiB of memory (${c.workers + 1} × ${c.nodeTypeId})` : '';
    await ctx.events.emit({
      level: 'INFO',
      event_type: 'cluster_resources',
      message: `The update runs with ${c.threads} DuckDB thread(s)${memory} (${c.workers} worker(s) plus the driver, ${cores} core(s) on this machine).`,
      details: {
        cluster_resources: {
          num_executors: c.workers,
          task_slot_metrics: { summary_duration_ms: 0, num_task_slots: c.threads },
          state: 'CLUSTER_AT_DESIRED_SIZE',
          ...(c.memoryLimitMb !== undefined ? { memory_limit_mb: c.memoryLimitMb, node_type_id: c.nodeTypeId } : {}),
        },
      },
    });
    return c.memoryLimitMb !== undefined;
  }
}

