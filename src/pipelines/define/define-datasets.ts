import type { ColumnSpec, Dataset, DatasetKind, Expectation, Flow, Origin, PipelineDefinition } from '../../domain/pipeline-definition.js';
import { WeirError } from '../../domain/weir-error.js';
import { isStreamingQuery } from '../parse/dataset-statement.js';
import { callerOrigin } from './caller-origin.js';
import { nameFromString, queryFromSql, schemaFromDdl } from './sql-fragments.js';

/** Options shared by tables, materialized views and views (Python's decorator arguments, camelCased). */
export interface DatasetOptions {
  name: string;
  comment?: string;
  /** Spark confs for the dataset's flow (Python `spark_conf`). */
  sparkConf?: Record<string, string>;
  tableProperties?: Record<string, string>;
  partitionCols?: string[];
  clusterBy?: string[];
  clusterByAuto?: boolean;
  /** A DDL string (`id INT NOT NULL COMMENT 'k', CONSTRAINT c EXPECT (id > 0)`) or column specs. */
  schema?: string | ColumnSpec[];
  /** Storage location (Python `path`). */
  path?: string;
  private?: boolean;
  /** Legacy `dlt` `temporary=True` (same as private for tables). */
  temporary?: boolean;
  /** Expectations, e.g. `[expect('a', 'x > 0'), ...expectAllOrDrop({ b: 'y IS NOT NULL' })]`. */
  expectations?: Expectation[];
  refreshPolicy?: 'AUTO' | 'INCREMENTAL' | 'INCREMENTAL STRICT' | 'FULL';
}

/**
 * A table whose kind follows its query, as in the legacy `@dlt.table`: a streaming table when the query reads a
 * stream (`STREAM(x)`, `STREAM read_files(…)`), otherwise a materialized view.
 */
export function table(opts: DatasetOptions, query: string): PipelineDefinition[] {
  const origin = callerOrigin();
  const q = queryFromSql(query, origin);
  return build(isStreamingQuery(q) ? 'streaming_table' : 'materialized_view', opts, query, origin);
}

/** A materialized view: `CREATE OR REFRESH MATERIALIZED VIEW name … AS query`. */
export function materializedView(opts: DatasetOptions, query: string): PipelineDefinition[] {
  return build('materialized_view', opts, query, callerOrigin());
}

/** A streaming table: with a query, `CREATE OR REFRESH STREAMING TABLE name AS query`; without, a target for flows. */
export function streamingTable(opts: DatasetOptions, query?: string): PipelineDefinition[] {
  return build('streaming_table', opts, query, callerOrigin());
}

/** Python's `create_streaming_table`: a streaming table with no query, written by append or AUTO CDC flows. */
export function createStreamingTable(opts: DatasetOptions): PipelineDefinition[] {
  return build('streaming_table', opts, undefined, callerOrigin());
}

/** A temporary view (Python `@temporary_view` / `@dlt.view`): `CREATE TEMPORARY VIEW name AS query`. */
export function view(opts: Omit<DatasetOptions, 'private'> & { temporary?: boolean }, query: string): PipelineDefinition[] {
  return build('view', { temporary: true, ...opts }, query, callerOrigin());
}

function build(kind: DatasetKind, opts: DatasetOptions, query: string | undefined, origin: Origin): PipelineDefinition[] {
  const name = nameFromString(opts.name, origin, 'dataset name');
  const spec = typeof opts.schema === 'string' ? schemaFromDdl(opts.schema, origin) : { columns: (opts.schema ?? []).map((c) => ({ ...c, notNull: c.notNull ?? false })), expectations: [], tableConstraints: [] };
  const expectations = [...spec.expectations, ...(opts.expectations ?? [])];
  checkExpectationNames(expectations, opts.name, origin);
  if (opts.clusterByAuto && opts.clusterBy?.length) invalid(origin, `${opts.name}: clusterBy and clusterByAuto exclude each other; keep one`);
  const temporary = opts.temporary ?? false;
  const dataset: Dataset = {
    type: 'dataset',
    kind,
    name,
    temporary,
    private: kind === 'view' ? false : (opts.private ?? false) || temporary,
    columns: spec.columns,
    expectations,
    tableConstraints: spec.tableConstraints,
    tableProperties: { ...(opts.tableProperties ?? {}) },
    partitionCols: [...(opts.partitionCols ?? [])],
    ...(opts.comment !== undefined ? { comment: opts.comment } : {}),
    ...(opts.clusterByAuto ? { clusterBy: 'AUTO' as const } : opts.clusterBy?.length ? { clusterBy: [...opts.clusterBy] } : {}),
    ...(opts.path !== undefined ? { location: opts.path } : {}),
    ...(opts.refreshPolicy !== undefined ? { refreshPolicy: opts.refreshPolicy } : {}),
    sparkConf: { ...(opts.sparkConf ?? {}) },
    namespace: {},
    origin,
  };
  if (query === undefined) {
    if (kind !== 'streaming_table') invalid(origin, `${opts.name}: a ${kind.replace('_', ' ')} needs a query`);
    return [dataset];
  }
  const q = queryFromSql(query, origin);
  const streaming = kind === 'streaming_table' || (kind === 'view' && isStreamingQuery(q));
  const flow: Flow = { type: 'flow', name, target: name, query: q, streaming, once: false, implicit: true, sparkConf: { ...dataset.sparkConf }, namespace: {}, origin };
  return [dataset, flow];
}

function checkExpectationNames(list: Expectation[], dataset: string, origin: Origin): void {
  const seen = new Set<string>();
  for (const e of list) {
    if (seen.has(e.name)) invalid(origin, `${dataset}: expectation "${e.name}" is declared twice; expectation names must be unique within a dataset`);
    seen.add(e.name);
  }
}

/** Throws PIPELINE.INVALID_DEFINITION at a TS call site. */
export function invalid(origin: Origin, message: string): never {
  throw new WeirError('PIPELINE.INVALID_DEFINITION', `${origin.file}:${origin.line}:${origin.column}: ${message}`, { params: { origin } });
}
