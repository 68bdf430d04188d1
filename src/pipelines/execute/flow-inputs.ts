import { isAbsolute, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Query, TableReference } from '../../domain/pipeline-definition.js';
import { WeirError } from '../../domain/weir-error.js';
import { listWatchedFiles } from '../../engine/file-listing.js';
import { translateSparkSql } from '../../engine/spark-sql/translate-spark-sql.js';
import type { GraphFlow, PipelineGraph } from '../graph/pipeline-graph.js';
import type { FlowCheckpoint } from './flow-checkpoint.js';
import { fileSourceRelation } from './file-source-relation.js';
import type { TableAccess } from './table-access.js';

/** A flow's query made runnable: DuckDB SQL over temp views of its inputs, and what it will have consumed. */
export interface PreparedQuery {
  sql: string;
  /** The checkpoint to save once the flow's batch is committed. */
  next: FlowCheckpoint;
  /** True when a streaming input has something new (or the flow has only batch inputs). */
  hasNewData: boolean;
  /** Rows/files read from each source, for flow_progress metrics. */
  sources: { source: string; files?: number; versions?: string }[];
}

/** What preparing a query needs. */
export interface PrepareContext {
  conn: DuckDBConnection;
  graph: PipelineGraph;
  tables: TableAccess;
  configuration: Record<string, string>;
  /** Temp view name of each view dataset already defined in this update. */
  views: Map<string, string>;
  /** Folder that relative read_files paths resolve against (the pipeline's folder). */
  baseDir: string;
  /** Defines a view dataset of the pipeline on this connection when a query reads it (flows run on their own connections). */
  defineView?: (id: string) => Promise<string | undefined>;
  /** The update's clock, in epoch ms (CDC tombstone retention); Date.now when absent. */
  now?: () => number;
}

/** Creates the temp view of a view dataset (and, recursively, of the views it reads) on the context's connection. */
export async function defineView(ctx: PrepareContext, id: string): Promise<string | undefined> {
  const known = ctx.views.get(id);
  if (known) return known;
  const flow = ctx.graph.flows.find((f) => f.target === id);
  if (!flow || flow.definition.type !== 'flow') return undefined;
  const q = await prepareQuery(ctx, flow, flow.definition.query, { batch_id: -1, files: {}, tables: {} }, true);
  const name = `__weir_view_${ctx.views.size}`;
  await ctx.conn.run(`CREATE OR REPLACE TEMP VIEW "${name}" AS ${q.sql}`);
  ctx.views.set(id, name);
  return name;
}

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * Replaces every dataset reference and file source of `query` with a temp view (named after the reference's
 * last name part, so `bronze.col` still resolves) holding the rows to read — all of them for batch reads, only
 * what is new since `cp` for streaming reads — then translates the Spark SQL to DuckDB. `offsetShift` is how far
 * `query.text` was moved against the offsets the graph recorded (AUTO CDC wraps its source in a SELECT).
 * `incrementalBatch` reads batch inputs like streaming ones (only what was appended since `cp`): an incremental
 * refresh of an aggregate view.
 */
export async function prepareQuery(ctx: PrepareContext, flow: GraphFlow, query: Query, cp: FlowCheckpoint, fullRefresh: boolean, offsetShift = 0, incrementalBatch = false): Promise<PreparedQuery> {
  const next: FlowCheckpoint = { ...cp, files: { ...cp.files }, tables: { ...cp.tables } };
  if (fullRefresh) Object.assign(next, { files: {}, tables: {}, schemas: {} });
  const splices: { start: number; end: number; text: string }[] = [];
  const used = new Set<string>();
  const alias = (base: string) => {
    let name = base;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${base}_${n}`;
    used.add(name.toLowerCase());
    return name;
  };
  let streamingInputs = 0;
  let newData = false;
  const sources: PreparedQuery['sources'] = [];
  for (const ref of query.references) {
    const input = flow.inputs.find((i) => i.reference.start + offsetShift === ref.start && i.reference.end + offsetShift === ref.end);
    if (!input) continue;
    const name = alias(ref.parts[ref.parts.length - 1]);
    const relation = await referenceRelation(ctx, input.id, ref, input.kind === 'streaming' || incrementalBatch, next, sources);
    if (input.kind === 'streaming') {
      streamingInputs++;
      if (relation.isNew) newData = true;
    }
    await ctx.conn.run(`CREATE OR REPLACE TEMP VIEW ${quote(name)} AS ${relation.sql}`);
    splices.push({ start: ref.start, end: ref.end, text: quote(name) });
  }
  for (const src of query.fileSources) {
    const name = alias(`__files_${splices.length}`);
    const files = await listWatchedFiles(isAbsolute(src.path) || /^\w+:\/\//.test(src.path) ? src.path : resolve(ctx.baseDir, src.path));
    const fresh = src.streaming ? files.filter((f) => next.files[f.path] !== `${f.mtimeMs}:${f.size}`) : files;
    if (src.streaming) {
      streamingInputs++;
      if (fresh.length) newData = true;
      for (const f of fresh) next.files[f.path] = `${f.mtimeMs}:${f.size}`;
    }
    sources.push({ source: src.path, files: fresh.length });
    await ctx.conn.run(`CREATE OR REPLACE TEMP VIEW ${quote(name)} AS ${await fileSourceRelation(ctx.conn, src, fresh, /\b_metadata\b/.test(query.text), next)}`);
    splices.push({ start: src.start, end: src.end, text: quote(name) });
  }
  let text = query.text;
  for (const s of splices.sort((a, b) => b.start - a.start)) text = text.slice(0, s.start) + s.text + text.slice(s.end);
  const translated = translateSparkSql(text, { configuration: ctx.configuration, origin: { file: query.origin.file, line: query.origin.line } });
  if (translated.statements.length !== 1) {
    throw new WeirError('PIPELINE.INVALID_DEFINITION', `${query.origin.file}:${query.origin.line}: a flow's query must be one statement, found ${translated.statements.length}`);
  }
  return { sql: translated.statements[0].sql, next, hasNewData: streamingInputs === 0 || newData, sources };
}

async function referenceRelation(ctx: PrepareContext, id: string, ref: TableReference, streaming: boolean, next: FlowCheckpoint, sources: PreparedQuery['sources']): Promise<{ sql: string; isNew: boolean }> {
  const isView = ctx.graph.datasets.some((d) => d.id === id && d.definition.kind === 'view');
  const view = ctx.views.get(id) ?? (isView && ctx.defineView ? await ctx.defineView(id) : undefined);
  if (view) return { sql: `SELECT * FROM ${quote(view)}`, isNew: true };
  const latest = await ctx.tables.latestVersion(id);
  if (latest === undefined) {
    throw new WeirError('PIPELINE.MISSING_INPUT', `table ${id} (read as ${ref.parts.join('.')}) does not exist yet; create it, or run the flow that writes it first`, { params: { table: id } });
  }
  if (!streaming) {
    sources.push({ source: id, versions: `${latest}` });
    return { sql: await ctx.tables.scanSql(id), isNew: true };
  }
  const from = next.tables[id] ?? -1;
  next.tables[id] = latest;
  sources.push({ source: id, versions: `${from + 1}..${latest}` });
  if (from >= latest) return { sql: await ctx.tables.emptySql(id), isNew: false };
  // A new stream starts from the table's current snapshot (as Spark's does), then follows the versions appended after it.
  if (from < 0) return { sql: await ctx.tables.scanSql(id), isNew: true };
  return { sql: await ctx.tables.appendedSql(id, from, latest), isNew: true };
}

