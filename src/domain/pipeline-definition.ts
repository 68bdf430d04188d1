import { z } from 'zod';

/** Where a definition was written: a file (SQL path or TS module) and a 1-based line and column. */
export const Origin = z.object({
  file: z.string(),
  line: z.number().int().min(1),
  column: z.number().int().min(1),
});
export type Origin = z.infer<typeof Origin>;

/** Formats an origin as `file:line:column` for error messages. */
export function formatOrigin(o: Origin): string {
  return `${o.file}:${o.line}:${o.column}`;
}

/** One declared column: `name type [NOT NULL] [GENERATED ALWAYS AS (expr)] [COMMENT 'c']`. */
export const ColumnSpec = z.object({
  name: z.string().min(1),
  /** The Spark SQL type text as written (e.g. `DECIMAL(10, 2)`, `ARRAY<STRING>`); absent for view column lists. */
  type: z.string().optional(),
  notNull: z.boolean().default(false),
  comment: z.string().optional(),
  /** Expression text of `GENERATED ALWAYS AS (expr)`, without the outer parentheses. */
  generatedAs: z.string().optional(),
  /** Expression text of `DEFAULT expr`. */
  default: z.string().optional(),
});
export type ColumnSpec = z.infer<typeof ColumnSpec>;

/** What happens to a row that fails an expectation: keep it (warn), drop it, or fail the flow. */
export const ExpectationAction = z.enum(['warn', 'drop', 'fail']);
export type ExpectationAction = z.infer<typeof ExpectationAction>;

/** A data-quality expectation: `CONSTRAINT name EXPECT (expression) [ON VIOLATION DROP ROW | FAIL UPDATE]`. */
export const Expectation = z.object({
  name: z.string().min(1),
  /** Boolean Spark SQL expression text, without the outer parentheses. */
  expression: z.string().min(1),
  action: ExpectationAction,
});
export type Expectation = z.infer<typeof Expectation>;

/**
 * A reference to a dataset or table inside a query. `start`/`end` are character offsets into the owning
 * `Query.text` covering the whole reference as written (`STREAM(LIVE.x)`, `STREAM x`, `` `cat`.s.t ``), so the
 * executor can splice in a physical relation: replace `text.slice(start, end)` working from the last reference
 * backwards so earlier offsets stay valid.
 */
export const TableReference = z.object({
  /** Name parts as written, unquoted, with a leading `LIVE` part removed. */
  parts: z.array(z.string().min(1)).min(1),
  /** True when the reference had the legacy `LIVE.` prefix (it must then be a dataset of this pipeline). */
  live: z.boolean(),
  streaming: z.boolean(),
  start: z.number().int().min(0),
  end: z.number().int().min(0),
});
export type TableReference = z.infer<typeof TableReference>;

/** A file source: `read_files(path, k => v …)`, legacy `cloud_files(path, format, map(…))` or ``json.`/path` ``. */
export const FileSource = z.object({
  function: z.enum(['read_files', 'cloud_files', 'path']),
  path: z.string(),
  /** The format option (lower case) when given, e.g. `csv`, `json`, `parquet`, `text`. */
  format: z.string().optional(),
  /** Options with the `cloudFiles.` prefix removed, values as strings (`header` → `"true"`). */
  options: z.record(z.string(), z.string()),
  streaming: z.boolean(),
  /** Offsets into `Query.text` of the whole call, `STREAM` keyword included (same contract as TableReference). */
  start: z.number().int().min(0),
  end: z.number().int().min(0),
});
export type FileSource = z.infer<typeof FileSource>;

/**
 * A query as written (Spark SQL, `${key}` configuration placeholders kept verbatim) with its input references.
 * Offsets in `references` and `fileSources` index into `text`; `origin` is where `text` starts in its file.
 */
export const Query = z.object({
  text: z.string().min(1),
  references: z.array(TableReference),
  fileSources: z.array(FileSource),
  /** Names defined by `WITH name AS (…)` in the query; they are not dataset references. */
  cteNames: z.array(z.string()),
  origin: Origin,
});
export type Query = z.infer<typeof Query>;

/** The namespace in effect where a definition was written (`USE CATALOG` / `USE SCHEMA` earlier in its file). */
export const Namespace = z.object({ catalog: z.string().optional(), schema: z.string().optional() });
export type Namespace = z.infer<typeof Namespace>;

/** Dataset kinds: streaming table (append), materialized view (recomputed) or view (never stored unless persisted). */
export const DatasetKind = z.enum(['streaming_table', 'materialized_view', 'view']);
export type DatasetKind = z.infer<typeof DatasetKind>;

/**
 * A dataset: streaming table, materialized view or view. The query that fills it, if any, is a separate
 * implicit Flow with the dataset's name (as in Spark Declarative Pipelines), so datasets themselves carry no query.
 */
export const Dataset = z.object({
  type: z.literal('dataset'),
  kind: DatasetKind,
  /** Name parts as written, `LIVE` prefix removed. */
  name: z.array(z.string().min(1)).min(1),
  /** TEMPORARY (tables, views): exists only for the pipeline run, never published. */
  temporary: z.boolean(),
  /** PRIVATE (tables): readable only inside the pipeline. */
  private: z.boolean(),
  columns: z.array(ColumnSpec),
  expectations: z.array(Expectation),
  /** Informational table constraints (`PRIMARY KEY (…)`, `FOREIGN KEY …`) kept as text. */
  tableConstraints: z.array(z.string()),
  comment: z.string().optional(),
  tableProperties: z.record(z.string(), z.string()),
  partitionCols: z.array(z.string()),
  /** `CLUSTER BY (cols)` or `CLUSTER BY AUTO`. */
  clusterBy: z.union([z.array(z.string()), z.literal('AUTO')]).optional(),
  location: z.string().optional(),
  refreshPolicy: z.string().optional(),
  /** Spark confs from `SET k = v` earlier in the file (SQL) or `sparkConf` (TS). */
  sparkConf: z.record(z.string(), z.string()),
  namespace: Namespace,
  origin: Origin,
});
export type Dataset = z.infer<typeof Dataset>;

/** An append (or one-shot) flow: the implicit query of a dataset, or `CREATE FLOW f AS INSERT [ONCE] INTO t BY NAME q`. */
export const Flow = z.object({
  type: z.literal('flow'),
  name: z.array(z.string().min(1)).min(1),
  target: z.array(z.string().min(1)).min(1),
  query: Query,
  /** True for flows into streaming tables and sinks without ONCE (the query must read a stream); false for batch. */
  streaming: z.boolean(),
  /** ONCE: a one-shot backfill that runs again only on a full refresh. */
  once: z.boolean(),
  /** True when the flow is the `AS query` of a dataset definition rather than a separate CREATE FLOW. */
  implicit: z.boolean(),
  comment: z.string().optional(),
  sparkConf: z.record(z.string(), z.string()),
  namespace: Namespace,
  origin: Origin,
});
export type Flow = z.infer<typeof Flow>;

/** Column selection of AUTO CDC: either an include list or an `* EXCEPT (…)` list. */
export const ColumnSelection = z.object({ include: z.array(z.string()).optional(), except: z.array(z.string()).optional() });
export type ColumnSelection = z.infer<typeof ColumnSelection>;

/** A change-data-capture flow: `APPLY CHANGES INTO` / `AUTO CDC INTO` (SQL) or `createAutoCdcFlow` (TS). */
export const AutoCdcFlow = z.object({
  type: z.literal('auto_cdc'),
  /** Flow name; for a standalone `APPLY CHANGES INTO` it is the target's last name part. */
  name: z.array(z.string().min(1)).min(1),
  target: z.array(z.string().min(1)).min(1),
  /** The FROM-clause relation as written (`STREAM(x)`, `STREAM x`, `(subquery)`); the executor reads `SELECT * FROM <source.text>`. */
  source: Query,
  keys: z.array(z.string()).min(1),
  sequenceBy: z.string().min(1),
  ignoreNullUpdates: z.boolean(),
  applyAsDeletes: z.string().optional(),
  applyAsTruncates: z.string().optional(),
  columnList: z.array(z.string()).optional(),
  exceptColumnList: z.array(z.string()).optional(),
  storedAsScdType: z.union([z.literal(1), z.literal(2)]),
  trackHistoryColumnList: z.array(z.string()).optional(),
  trackHistoryExceptColumnList: z.array(z.string()).optional(),
  once: z.boolean(),
  sparkConf: z.record(z.string(), z.string()),
  namespace: Namespace,
  origin: Origin,
});
export type AutoCdcFlow = z.infer<typeof AutoCdcFlow>;

/** A sink (TS API only, as in Python's `create_sink`): a non-dataset target that append flows write to. */
export const Sink = z.object({
  type: z.literal('sink'),
  name: z.array(z.string().min(1)).min(1),
  format: z.string().min(1),
  options: z.record(z.string(), z.string()),
  namespace: Namespace,
  origin: Origin,
});
export type Sink = z.infer<typeof Sink>;

/** Any element a pipeline source file defines. */
export const PipelineDefinition = z.discriminatedUnion('type', [Dataset, Flow, AutoCdcFlow, Sink]);
export type PipelineDefinition = z.infer<typeof PipelineDefinition>;

/** A use of `${key}` in a pipeline file; the text is kept as-is and substituted from the configuration later. */
export const ConfigurationUsage = z.object({ key: z.string(), origin: Origin });
export type ConfigurationUsage = z.infer<typeof ConfigurationUsage>;

/** Everything one pipeline source file defines. */
export const PipelineSource = z.object({
  file: z.string(),
  definitions: z.array(PipelineDefinition),
  /** `SET key = value` statements in file order (they also apply to every later definition's sparkConf). */
  settings: z.array(z.object({ key: z.string(), value: z.string(), origin: Origin })),
  configurationUsages: z.array(ConfigurationUsage),
});
export type PipelineSource = z.infer<typeof PipelineSource>;
