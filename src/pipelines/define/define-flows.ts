import type { AutoCdcFlow, Flow, PipelineDefinition, Sink } from '../../domain/pipeline-definition.js';
import { callerOrigin } from './caller-origin.js';
import { invalid } from './define-datasets.js';
import { nameFromString, queryFromSql } from './sql-fragments.js';

/** Options of an append flow (Python `@append_flow`). */
export interface AppendFlowOptions {
  target: string;
  name: string;
  comment?: string;
  /** One-shot backfill: batch, runs again only on a full refresh (SQL `INSERT ONCE`). */
  once?: boolean;
  sparkConf?: Record<string, string>;
}

/** `CREATE FLOW name AS INSERT [ONCE] INTO target BY NAME query`. */
export function appendFlow(opts: AppendFlowOptions, query: string): Flow {
  const origin = callerOrigin();
  const once = opts.once ?? false;
  return {
    type: 'flow',
    name: nameFromString(opts.name, origin, 'flow name'),
    target: nameFromString(opts.target, origin, 'flow target'),
    query: queryFromSql(query, origin),
    streaming: !once,
    once,
    implicit: false,
    ...(opts.comment !== undefined ? { comment: opts.comment } : {}),
    sparkConf: { ...(opts.sparkConf ?? {}) },
    namespace: {},
    origin,
  };
}

/** Options of `createAutoCdcFlow`, with Python's meaning (`create_auto_cdc_flow` / `apply_changes`). */
export interface AutoCdcOptions {
  target: string;
  /** The source dataset or table, read as a stream (`FROM STREAM(source)`). */
  source: string;
  keys: string[];
  /** The sequencing column or expression text. */
  sequenceBy: string;
  ignoreNullUpdates?: boolean;
  applyAsDeletes?: string;
  applyAsTruncates?: string;
  columnList?: string[];
  exceptColumnList?: string[];
  storedAsScdType?: 1 | 2 | '1' | '2';
  trackHistoryColumnList?: string[];
  trackHistoryExceptColumnList?: string[];
  name?: string;
  once?: boolean;
}

/** `AUTO CDC INTO target FROM STREAM(source) KEYS (…) SEQUENCE BY …`; empty lists count as unset. */
export function createAutoCdcFlow(opts: AutoCdcOptions): AutoCdcFlow {
  const origin = callerOrigin();
  const target = nameFromString(opts.target, origin, 'AUTO CDC target');
  const scd = Number(opts.storedAsScdType ?? 1);
  if (scd !== 1 && scd !== 2) invalid(origin, `storedAsScdType must be 1 or 2, got ${String(opts.storedAsScdType)}`);
  if (opts.keys.length === 0) invalid(origin, 'keys must name at least one column');
  const list = (l: string[] | undefined): string[] | undefined => (l && l.length > 0 ? [...l] : undefined);
  const columnList = list(opts.columnList);
  const exceptColumnList = list(opts.exceptColumnList);
  const trackHistoryColumnList = list(opts.trackHistoryColumnList);
  const trackHistoryExceptColumnList = list(opts.trackHistoryExceptColumnList);
  if (columnList && exceptColumnList) invalid(origin, 'columnList and exceptColumnList exclude each other; keep one');
  if (trackHistoryColumnList && trackHistoryExceptColumnList) invalid(origin, 'trackHistoryColumnList and trackHistoryExceptColumnList exclude each other; keep one');
  if (scd === 1 && (trackHistoryColumnList || trackHistoryExceptColumnList)) invalid(origin, 'track history lists need storedAsScdType 2');
  const source = nameFromString(opts.source, origin, 'AUTO CDC source');
  return {
    type: 'auto_cdc',
    name: opts.name ? nameFromString(opts.name, origin, 'flow name') : [target[target.length - 1]],
    target,
    source: queryFromSql(`STREAM(${source.join('.')})`, origin, true),
    keys: [...opts.keys],
    sequenceBy: opts.sequenceBy,
    ignoreNullUpdates: opts.ignoreNullUpdates ?? false,
    ...(opts.applyAsDeletes !== undefined ? { applyAsDeletes: opts.applyAsDeletes } : {}),
    ...(opts.applyAsTruncates !== undefined ? { applyAsTruncates: opts.applyAsTruncates } : {}),
    ...(columnList ? { columnList } : {}),
    ...(exceptColumnList ? { exceptColumnList } : {}),
    storedAsScdType: scd as 1 | 2,
    ...(trackHistoryColumnList ? { trackHistoryColumnList } : {}),
    ...(trackHistoryExceptColumnList ? { trackHistoryExceptColumnList } : {}),
    once: opts.once ?? false,
    sparkConf: {},
    namespace: {},
    origin,
  };
}

/** Legacy name of `createAutoCdcFlow` (Python `dlt.apply_changes`). */
export const applyChanges = createAutoCdcFlow;

/** Options of `createSink` (Python `create_sink(name, format, options)`). */
export interface SinkOptions {
  name: string;
  /** Only `delta` is written by weir. */
  format: string;
  /** `path` (a folder; relative to the pipeline's folder) or `tableName` (a catalog table, `[catalog.][schema.]table`). */
  options?: Record<string, string>;
}

/**
 * A Delta sink that append flows (`appendFlow({ target: sink })`) write to: a Delta table outside the pipeline's
 * datasets. A full refresh replays its flows from the start and appends again; it never clears the sink.
 */
export function createSink(opts: SinkOptions): Sink {
  const origin = callerOrigin();
  const options = { ...(opts.options ?? {}) };
  if ('expectations' in (opts as object)) invalid(origin, `sink ${opts.name}: expectations are not supported on sinks; put them on a streaming table the sink's flow reads`);
  if (opts.format.toLowerCase() !== 'delta') invalid(origin, `sink ${opts.name}: format '${opts.format}' is not supported; weir writes sinks of format 'delta' (options { path } or { tableName })`);
  const where = ['path', 'tableName'].filter((k) => options[k] !== undefined && options[k] !== '');
  if (where.length !== 1) invalid(origin, `sink ${opts.name}: a delta sink needs exactly one of options.path (a folder) or options.tableName (a catalog table), got ${where.length ? where.join(' and ') : 'neither'}`);
  if (options.tableName !== undefined) nameFromString(options.tableName, origin, 'sink tableName');
  return { type: 'sink', name: nameFromString(opts.name, origin, 'sink name'), format: 'delta', options, namespace: {}, origin };
}

/** A batch read of a dataset, for building query text: `read('x')` → `x`. */
export function read(name: string): string {
  return name;
}

/** A streaming read of a dataset, for building query text: `readStream('x')` → `STREAM(x)`. */
export function readStream(name: string): string {
  return `STREAM(${name})`;
}

/** Gathers the definitions of a TS pipeline module (its default export) into one flat list. */
export function definePipeline(...parts: (PipelineDefinition | PipelineDefinition[])[]): PipelineDefinition[] {
  return parts.flat();
}
