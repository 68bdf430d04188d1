import { cpus } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Dataset, Expectation } from '../../domain/pipeline-definition.js';
import { WeirError } from '../../domain/weir-error.js';
import { installSparkMacros } from '../../engine/spark-sql/translate-spark-sql.js';
import type { PipelineEventRecord, PipelineRecord } from '../../store/ports/pipeline-store.js';
import type { GraphFlow } from '../graph/pipeline-graph.js';
import type { FlowRunner, UpdateContext } from '../update/flow-runner.js';
import { runCdcFlow } from './cdc-flow.js';
import { appendEventLog } from './event-log-table.js';
import { MaintenanceSchedule, maintainTables } from './table-maintenance.js';
import { configuredDuration } from '../update/run-update.js';
import { systemClock, type Clock } from '../../domain/clock.js';
import { checkExpectations, type ExpectationResult } from './expectations-sql.js';
import { FlowCheckpoints } from './flow-checkpoint.js';
import { prepareQuery, type PrepareContext } from './flow-inputs.js';
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
}

/** Metrics of one flow run, as flow_progress reports them. */
interface FlowMetrics {
  num_output_rows: number;
  num_upserted_rows?: number;
  num_deleted_rows?: number;
  dropped_records: number;
  expectations: ExpectationResult[];
  skipped?: boolean;
  /** Why a flow was skipped, shown in its flow_progress event. */
  reason?: string;
}

/**
 * An aggregate view over one append-only table input can be refreshed from the rows appended since its last
 * refresh (see incremental-aggregate.ts); returns the plan, the input and the version it was last read at.
 */
async function incrementalRefresh(p: PrepareContext, flow: GraphFlow, cp: { tables: Record<string, number> }) {
  const def = flow.definition;
  if (def.type !== 'flow' || def.query.fileSources.length || flow.inputs.length !== 1) return undefined;
  const input = flow.inputs[0].id;
  const plan = planIncrementalAggregate(def.query.text);
  const from = cp.tables[input];
  if (!plan || from === undefined || p.views.has(input)) return undefined;
  const latest = await p.tables.latestVersion(input);
  if (latest === undefined || latest <= from || !(await p.tables.appendOnly(input, from, latest))) return undefined;
  return { plan, input, from };
}

/**
 * Stored rows and the new partial aggregates, combined per key (sum of counts and sums, min of mins, max of maxes),
 * cast back to the stored types (DuckDB widens sum(BIGINT) to HUGEINT).
 */
async function mergeAggregates(conn: DuckDBConnection, plan: IncrementalAggregate, storedSql: string, deltaSql: string): Promise<string> {
  const q = (n: string) => `"${n.replace(/"/g, '""')}"`;
  const types = new Map((await conn.runAndReadAll(`DESCRIBE ${storedSql}`)).getRowObjectsJson().map((r) => [String(r.column_name), String(r.column_type)]));
  const keys = plan.columns.filter((c) => c.combine === 'key').map((c) => q(c.name));
  const cols = plan.columns.map((c) => (c.combine === 'key' ? q(c.name) : `CAST(${c.combine}(${q(c.name)}) AS ${types.get(c.name) ?? 'DOUBLE'}) AS ${q(c.name)}`));
  return `SELECT ${cols.join(', ')} FROM (SELECT * FROM (${storedSql}) UNION ALL BY NAME SELECT * FROM (${deltaSql}))${keys.length ? ` GROUP BY ${keys.join(', ')}` : ''}`;
}

/** The versions of a flow's table inputs, or undefined when one cannot be versioned (a view of this update). */
async function inputVersions(p: PrepareContext, flow: GraphFlow): Promise<Record<string, number> | undefined> {
  const out: Record<string, number> = {};
  for (const i of flow.inputs) {
    if (p.views.has(i.id)) return undefined;
    const v = await p.tables.latestVersion(i.id);
    if (v === undefined) return undefined;
    out[i.id] = v;
  }
  return out;
}

/**
 * A materialized view whose inputs are all tables at the versions of its last refresh is not recomputed: the
 * result would be the same (the reason is shown in its flow_progress). File inputs and views always recompute.
 */
async function unchangedInputs(p: PrepareContext, flow: GraphFlow, readsFiles: boolean, cp: { tables: Record<string, number> }): Promise<{ unchanged: boolean }> {
  if (readsFiles || flow.inputs.length === 0) return { unchanged: false };
  const now = await inputVersions(p, flow);
  if (!now) return { unchanged: false };
  const before = cp.tables;
  if (Object.keys(now).length !== Object.keys(before).length) return { unchanged: false };
  // Versions that only reorganised files (OPTIMIZE, VACUUM: dataChange=false) do not change the result.
  for (const [id, v] of Object.entries(now)) {
    if (before[id] === undefined || (before[id] !== v && (await p.tables.dataChanged(id, before[id], v)))) return { unchanged: false };
  }
  return { unchanged: true };
}

const STAGED = '__weir_staged';
const DAY_MS = 86_400_000;

/** Attempts per flow in production mode (development mode runs each flow once and stops at the first failure). */
const PRODUCTION_ATTEMPTS = 3;

/** Failures worth another attempt: anything but the pipeline's own definition, expectation or input errors. */
function retryable(e: unknown): boolean {
  const permanent = ['SQL.SYNTAX', 'SQL.UNSUPPORTED_FUNCTION', 'SQL.UNSUPPORTED_SYNTAX', 'SQL.UNKNOWN_VARIABLE', 'DELTA.SCHEMA_MISMATCH'];
  return !(e instanceof WeirError && (e.code.startsWith('PIPELINE.') || permanent.includes(e.code)));
}

/**
 * Runs an update's flows on DuckDB, in graph order, one Delta commit per flow: views become temp views,
 * materialized views are recomputed and overwritten, streaming tables append only what is new since their
 * checkpoint (with a Delta txn per micro-batch, so a crash never writes a batch twice), AUTO CDC flows merge.
 * Expectations are counted per flow. A failing flow fails the update; flows that do not depend on it still run,
 * flows that do are SKIPPED.
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

  async archiveEvents(pipeline: PipelineRecord, events: PipelineEventRecord[]): Promise<void> {
    const conn = await this.o.connect();
    try {
      await appendEventLog(conn, join(this.o.storageRoot(pipeline), 'system', 'events'), events);
    } finally {
      conn.closeSync();
    }
  }

  private locate(ctx: UpdateContext, id: string): string {
    return ctx.graph.datasets.find((d) => d.id === id)?.definition.location ?? this.o.tableLocation(id);
  }

  async run(ctx: UpdateContext): Promise<void> {
    const conn = await this.o.connect();
    try {
      await this.applyCompute(conn, ctx);
      await installSparkMacros(conn);
      const tables = deltaTableAccess(conn, (id) => this.locate(ctx, id));
      const cps = new FlowCheckpoints(join(this.o.storageRoot(ctx.pipeline), 'checkpoints'));
      const selection = selectDatasets(ctx.graph, ctx.update);
      const views = new Map<string, string>();
      const failed = new Set<string>();
      const overwritten = new Set<string>();
      let firstError: unknown;
      const development = ctx.update.config.development === true;
      for (const flowId of ctx.graph.order) {
        if (ctx.signal.aborted) return;
        const flow = ctx.graph.flows.find((f) => f.id === flowId) as GraphFlow;
        const progress = (status: string, extra: Record<string, unknown> = {}, level: 'INFO' | 'ERROR' = 'INFO', error?: string) =>
          ctx.events.emit({
            level,
            event_type: 'flow_progress',
            message: `Flow '${flow.id}' is ${status}.${error ? ` ${error}` : ''}`,
            origin: { flow_name: flow.id, dataset_name: flow.target },
            details: { flow_progress: { status, ...extra } },
            ...(error ? { error: { fatal: false, exceptions: [{ class_name: 'weir.FlowError', message: error }] } } : {}),
          });
        if (!selection.refresh.has(flow.target)) {
          await progress('EXCLUDED');
          continue;
        }
        const blocked = flow.inputs.find((i) => failed.has(i.id));
        if (blocked) {
          failed.add(flow.target);
          await progress('SKIPPED', { skip_reason: `upstream dataset ${blocked.id} failed` });
          continue;
        }
        if (firstError && development) {
          // Development mode fails fast: once a flow failed, the rest are not started.
          await progress('SKIPPED', { skip_reason: 'an earlier flow failed (development mode stops at the first failure)' });
          continue;
        }
        await progress('RUNNING');
        const target = ctx.graph.datasets.find((d) => d.id === flow.target);
        const resettable = target?.definition.tableProperties['pipelines.reset.allowed'] !== 'false';
        const full = selection.fullRefresh.has(flow.target) && resettable && !overwritten.has(flow.target);
        for (let attempt = 1; ; attempt++) {
          try {
            const m = await this.runFlow({ conn, graph: ctx.graph, tables, configuration: ctx.configuration, views, baseDir: ctx.pipeline.source_dir }, ctx, flow, cps, full);
            if (full) overwritten.add(flow.target);
            await progress(m.skipped ? 'SKIPPED' : 'COMPLETED', {
              ...(m.reason ? { skip_reason: m.reason } : {}),
              metrics: { num_output_rows: m.num_output_rows, ...(m.num_upserted_rows !== undefined ? { num_upserted_rows: m.num_upserted_rows, num_deleted_rows: m.num_deleted_rows } : {}) },
              data_quality: { dropped_records: m.dropped_records, expectations: m.expectations },
            });
            break;
          } catch (e) {
            // Production mode retries a flow whose failure may be transient; a definition or expectation error is not.
            if (!development && attempt < PRODUCTION_ATTEMPTS && retryable(e) && !ctx.signal.aborted) {
              await progress('RETRYING', { attempt }, 'INFO', `Attempt ${attempt} failed: ${(e as Error).message}`);
              continue;
            }
            failed.add(flow.target);
            firstError ??= e;
            await progress('FAILED', {}, 'ERROR', (e as Error).message);
            break;
          }
        }
      }
      if (!firstError && !ctx.signal.aborted) {
        const written = ctx.graph.datasets.filter((d) => d.definition.kind !== 'view' && selection.refresh.has(d.id));
        const schedule = new MaintenanceSchedule(join(this.o.storageRoot(ctx.pipeline), 'checkpoints', 'maintenance.json'), configuredDuration(ctx.configuration, 'pipelines.maintenance.interval', DAY_MS), () => (this.o.clock ?? systemClock).now());
        await maintainTables(conn, written.map((d) => ({ id: d.id, path: this.locate(ctx, d.id), dataset: d.definition })), ctx.events, schedule);
      }
      if (firstError) {
        const msg = (firstError as Error).message;
        throw new WeirError('PIPELINE.FLOW_FAILED', `${failed.size} dataset(s) failed or were skipped; first failure: ${msg}`, { cause: firstError });
      }
    } finally {
      conn.closeSync();
    }
  }

  private async runFlow(p: PrepareContext, ctx: UpdateContext, flow: GraphFlow, cps: FlowCheckpoints, full: boolean): Promise<FlowMetrics> {
    const target = ctx.graph.datasets.find((d) => d.id === flow.target);
    if (!target) throw new WeirError('PIPELINE.FLOW_TARGET_NOT_FOUND', `flow ${flow.id} writes ${flow.target}, which is not a dataset of this pipeline (sinks are not written by weir yet)`);
    const ds = target.definition;
    const def = flow.definition;
    if (def.type === 'auto_cdc') return runCdcFlow(p, ctx, flow, ds, cps, full);
    const cpKey = flow.id;
    const cp = full ? { batch_id: -1, files: {}, tables: {} } : cps.load(cpKey);
    if (full) cps.reset(cpKey);
    if (ds.kind === 'view') {
      const q = await prepareQuery(p, flow, def.query, { batch_id: -1, files: {}, tables: {} }, true);
      const name = `__weir_view_${p.views.size}`;
      await p.conn.run(`CREATE OR REPLACE TEMP VIEW "${name}" AS ${q.sql}`);
      p.views.set(flow.target, name);
      return { num_output_rows: 0, dropped_records: 0, expectations: [] };
    }
    const streaming = ds.kind === 'streaming_table';
    if (def.once && cp.once_done && !full) return { num_output_rows: 0, dropped_records: 0, expectations: [], skipped: true };
    const exists = (await p.tables.latestVersion(flow.target)) !== undefined;
    const inputs = !streaming && exists && !full ? await unchangedInputs(p, flow, def.query.fileSources.length > 0, cp) : undefined;
    if (inputs?.unchanged) return { num_output_rows: 0, dropped_records: 0, expectations: [], skipped: true, reason: 'its inputs have not changed since the last refresh' };
    const inc = !streaming && exists && !full ? await incrementalRefresh(p, flow, cp) : undefined;
    let q: Awaited<ReturnType<typeof prepareQuery>>;
    if (inc) {
      const delta = await prepareQuery(p, flow, def.query, { batch_id: -1, files: {}, tables: { [inc.input]: inc.from } }, false, 0, true);
      q = { ...delta, sql: await mergeAggregates(p.conn, inc.plan, await p.tables.scanSql(flow.target), delta.sql) };
    } else q = await prepareQuery(p, flow, def.query, streaming ? cp : { batch_id: -1, files: {}, tables: {} }, full || !streaming);
    if (!streaming) {
      const technique = inc ? 'INCREMENTAL_AGGREGATE' : 'COMPLETE_RECOMPUTE';
      const reason = inc ? `only the rows appended to ${inc.input} since version ${inc.from} were aggregated and merged` : 'the query is recomputed over all its input rows';
      await ctx.events.emit({ level: 'INFO', event_type: 'planning_information', message: `Flow '${flow.id}' is refreshed by ${technique}: ${reason}.`, origin: { flow_name: flow.id, dataset_name: flow.target }, details: { planning_information: { technique_information: [{ maintenance_type: technique, reason }] } } });
    }
    if (streaming && !q.hasNewData && exists && !full) {
      cps.save(cpKey, q.next);
      return { num_output_rows: 0, dropped_records: 0, expectations: [] };
    }
    if (def.type === 'flow' && ds.columns.some((c) => c.type)) {
      // A declared column list must match the query, as the graph rules require (checked by binding, no data read).
      const produced = (await p.conn.runAndReadAll(`DESCRIBE ${q.sql}`)).getRowObjectsJson().map((r) => String(r.column_name));
      const mismatches = columnMismatches(ds, flow.target, produced);
      if (mismatches.length) throw new WeirError('PIPELINE.INVALID_DEFINITION', mismatches.join('; '));
    }
    const expectations = [...notNullExpectations(ds), ...ds.expectations];
    const shaped = shapeColumns(ds, q.sql, ctx.configuration);
    // Without expectations the query is written straight away; with them its rows are staged once, counted in one
    // scan, and the kept rows written from the stage (measured: staging and two count scans cost ~30% on 10M rows).
    let rowsSql = shaped;
    let checked: Awaited<ReturnType<typeof checkExpectations>> | undefined;
    if (expectations.length) {
      await p.conn.run(`CREATE OR REPLACE TEMP TABLE ${STAGED} AS ${shaped}`);
      checked = await checkExpectations(p.conn, STAGED, flow.target, flow.id, expectations, ctx.configuration);
      rowsSql = checked.keepSql;
    }
    const opts = { partitionBy: ds.partitionCols.length ? ds.partitionCols : undefined, properties: ds.tableProperties, description: ds.comment };
    let written = 0;
    if (!checked || checked.kept > 0 || !exists || !streaming) {
      const batch = q.next.batch_id + 1;
      if (!streaming || full) written = (await p.tables.write(flow.target, rowsSql, { ...opts, mode: 'overwrite', overwriteSchema: true })).numOutputRows;
      else {
        const conformed = exists ? await conformToTable(p.conn, p.tables, flow.target, rowsSql) : rowsSql;
        written = (await p.tables.write(flow.target, conformed, { ...opts, mode: 'append', mergeSchema: true, txn: { appId: `${ctx.pipeline.pipeline_id}/${flow.id}`, version: batch } })).numOutputRows;
      }
      q.next.batch_id = batch;
    }
    if (streaming) cps.save(cpKey, { ...q.next, once_done: def.once || q.next.once_done });
    else cps.save(cpKey, { batch_id: q.next.batch_id, files: {}, tables: (await inputVersions(p, flow)) ?? {} });
    if (checked) await p.conn.run(`DROP TABLE IF EXISTS ${STAGED}`);
    const kept = checked ? checked.kept : written;
    return { num_output_rows: kept, dropped_records: checked ? checked.total - checked.kept : 0, expectations: (checked?.results ?? []).filter((r) => ds.expectations.some((e) => e.name === r.name)) };
  }

  /** Maps the pipeline's compute to DuckDB threads (one per worker, the driver included) and reports it. */
  private async applyCompute(conn: DuckDBConnection, ctx: UpdateContext): Promise<void> {
    const cores = cpus().length;
    const spec = ctx.update.config;
    const cluster = spec.clusters?.find((c) => (c.label ?? 'default') === 'default') ?? spec.clusters?.[0];
    const workers = spec.serverless ? cores : (cluster?.autoscale?.max_workers ?? cluster?.num_workers ?? cores - 1);
    const threads = Math.max(1, Math.min(cores, workers + 1));
    await conn.run(`SET threads = ${threads}`);
    await ctx.events.emit({
      level: 'INFO',
      event_type: 'cluster_resources',
      message: `The update runs with ${threads} DuckDB thread(s) (${workers} worker(s) plus the driver, ${cores} core(s) on this machine).`,
      details: { cluster_resources: { num_executors: workers, task_slot_metrics: { summary_duration_ms: 0, num_task_slots: threads }, state: 'CLUSTER_AT_DESIRED_SIZE' } },
    });
  }
}

/** NOT NULL columns are enforced like a FAIL UPDATE expectation. */
function notNullExpectations(ds: Dataset): Expectation[] {
  return ds.columns.filter((c) => c.notNull).map((c) => ({ name: `${c.name} NOT NULL`, expression: `\`${c.name}\` IS NOT NULL`, action: 'fail' as const }));
}

/**
 * New rows of a streaming table take the table's column types (like Auto Loader, whose schema is fixed by the
 * first files): a later file whose `amount` happens to hold only whole numbers is still appended as double.
 * New columns pass as they are (the append merges them into the schema).
 */
async function conformToTable(conn: DuckDBConnection, tables: TableAccess, id: string, sql: string): Promise<string> {
  const typesOf = async (rel: string) =>
    new Map((await conn.runAndReadAll(`DESCRIBE ${rel}`)).getRowObjectsJson().map((r) => [String(r.column_name), String(r.column_type)]));
  const table = await typesOf(`(${await tables.emptySql(id)})`);
  const data = await typesOf(`(${sql})`);
  const casts = [...data].filter(([c, t]) => table.has(c) && table.get(c) !== t).map(([c]) => `CAST("${c.replace(/"/g, '""')}" AS ${table.get(c)}) AS "${c.replace(/"/g, '""')}"`);
  return casts.length ? `SELECT * REPLACE (${casts.join(', ')}) FROM (${sql})` : sql;
}

