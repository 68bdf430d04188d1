import { describe, expect, it } from 'vitest';
import type { PipelineDefinition } from '../src/domain/pipeline-definition.js';
import { PipelineDefinition as PipelineDefinitionSchema } from '../src/domain/pipeline-definition.js';
import { WeirError } from '../src/domain/weir-error.js';
import { materializedView, streamingTable, table, view, createStreamingTable } from '../src/pipelines/define/define-datasets.js';
import { appendFlow, applyChanges, createAutoCdcFlow, createSink, definePipeline, read, readStream } from '../src/pipelines/define/define-flows.js';
import { expect as expectRow, expectAll, expectAllOrDrop, expectAllOrFail, expectOrDrop, expectOrFail } from '../src/pipelines/define/expectations.js';
import { buildPipelineGraph } from '../src/pipelines/graph/pipeline-graph.js';
import { parsePipelineSql } from '../src/pipelines/parse/parse-pipeline-sql.js';

/** Drops every `origin` (file positions differ between a SQL file and a TS module by nature). */
function withoutOrigins(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutOrigins);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'origin').map(([k, x]) => [k, withoutOrigins(x)]));
  return v;
}

const SQL = `
CREATE OR REFRESH STREAMING TABLE orders_bronze COMMENT 'raw orders' TBLPROPERTIES ('quality' = 'bronze')
AS SELECT * FROM STREAM read_files('/in/orders', format => 'csv', header => true);

CREATE OR REFRESH STREAMING TABLE orders_silver (
  order_id BIGINT NOT NULL COMMENT 'id',
  amount DECIMAL(12, 2),
  CONSTRAINT valid_id EXPECT (order_id IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT positive EXPECT (amount > 0),
  CONSTRAINT has_currency EXPECT (currency IS NOT NULL) ON VIOLATION FAIL UPDATE
) PARTITIONED BY (order_date)
AS SELECT * FROM STREAM(orders_bronze);

CREATE OR REFRESH MATERIALIZED VIEW revenue CLUSTER BY (region) AS SELECT region, sum(amount) AS revenue FROM orders_silver GROUP BY region;

CREATE TEMPORARY VIEW big_orders AS SELECT * FROM orders_silver WHERE amount > 1000;

CREATE OR REFRESH STREAMING TABLE all_orders;
CREATE FLOW live_feed AS INSERT INTO all_orders BY NAME SELECT * FROM STREAM(orders_silver);
CREATE FLOW backfill AS INSERT ONCE INTO all_orders BY NAME SELECT * FROM archive.orders;

CREATE OR REFRESH STREAMING TABLE customers;
APPLY CHANGES INTO customers FROM STREAM(customers_cdc) KEYS (id) APPLY AS DELETE WHEN operation = 'DELETE'
SEQUENCE BY ts COLUMNS * EXCEPT (operation) STORED AS SCD TYPE 2 TRACK HISTORY ON * EXCEPT (last_login);
`;

function tsPipeline(): PipelineDefinition[] {
  return definePipeline(
    table({ name: 'orders_bronze', comment: 'raw orders', tableProperties: { quality: 'bronze' } }, `SELECT * FROM STREAM read_files('/in/orders', format => 'csv', header => true)`),
    streamingTable(
      {
        name: 'orders_silver',
        schema: "order_id BIGINT NOT NULL COMMENT 'id', amount DECIMAL(12, 2)",
        partitionCols: ['order_date'],
        expectations: [expectOrDrop('valid_id', 'order_id IS NOT NULL'), expectRow('positive', 'amount > 0'), ...expectAllOrFail({ has_currency: 'currency IS NOT NULL' })],
      },
      `SELECT * FROM ${readStream('orders_bronze')}`,
    ),
    table({ name: 'revenue', clusterBy: ['region'] }, `SELECT region, sum(amount) AS revenue FROM ${read('orders_silver')} GROUP BY region`),
    view({ name: 'big_orders' }, 'SELECT * FROM orders_silver WHERE amount > 1000'),
    createStreamingTable({ name: 'all_orders' }),
    appendFlow({ target: 'all_orders', name: 'live_feed' }, 'SELECT * FROM STREAM(orders_silver)'),
    appendFlow({ target: 'all_orders', name: 'backfill', once: true }, 'SELECT * FROM archive.orders'),
    streamingTable({ name: 'customers' }),
    applyChanges({
      target: 'customers', source: 'customers_cdc', keys: ['id'], applyAsDeletes: "operation = 'DELETE'", sequenceBy: 'ts',
      exceptColumnList: ['operation'], columnList: [], storedAsScdType: '2', trackHistoryExceptColumnList: ['last_login'],
    }),
  );
}

function invalidMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof WeirError && e.code === 'PIPELINE.INVALID_DEFINITION') return e.message;
    throw e;
  }
  throw new Error('expected PIPELINE.INVALID_DEFINITION');
}

describe('TypeScript define API', () => {
  it('produces the same definitions as the same pipeline in SQL', () => {
    const fromSql = parsePipelineSql(SQL, 'pipeline.sql').definitions;
    const fromTs = tsPipeline();
    expect(withoutOrigins(fromTs)).toEqual(withoutOrigins(fromSql));
    for (const d of fromTs) expect(PipelineDefinitionSchema.safeParse(d).success).toBe(true);
  });

  it('builds the same graph as the SQL pipeline', () => {
    const a = buildPipelineGraph(parsePipelineSql(SQL, 'pipeline.sql').definitions);
    const b = buildPipelineGraph(tsPipeline());
    expect(b.errors).toEqual([]);
    expect([b.order, b.edges, b.externalInputs]).toEqual([a.order, a.edges, a.externalInputs]);
    expect(b.externalInputs).toEqual(['main.archive.orders', 'main.default.customers_cdc']);
  });

  it('records the calling file and line as the origin', () => {
    const e = new Error(); const [d, f] = materializedView({ name: 'x' }, 'SELECT 1');
    const line = Number(/pipeline-define\.test\.ts:(\d+):\d+/.exec(e.stack ?? '')![1]);
    expect(d.origin.file).toMatch(/test[/\\]pipeline-define\.test\.ts$/);
    expect(d.origin.line).toBe(line);
    expect(f.origin).toEqual(d.origin);
    expect(f.type === 'flow' && f.query.origin).toEqual(d.origin);
  });

  it('table() follows its query: a stream makes a streaming table, a batch query a materialized view', () => {
    const kinds = [table({ name: 's' }, 'SELECT * FROM STREAM(x)'), table({ name: 'm' }, 'SELECT * FROM x')].map((defs) => defs[0].type === 'dataset' && defs[0].kind);
    expect(kinds).toEqual(['streaming_table', 'materialized_view']);
  });

  it('builds expectation lists from maps', () => {
    expect(expectAll({ a: 'x > 0' })).toEqual([{ name: 'a', expression: 'x > 0', action: 'warn' }]);
    expect(expectAllOrDrop({ a: 'x > 0', b: 'y' }).map((e) => e.action)).toEqual(['drop', 'drop']);
    expect(expectOrFail('c', 'z').action).toBe('fail');
  });

  it('rejects invalid options with PIPELINE.INVALID_DEFINITION at the call site', () => {
    expect(invalidMessage(() => createAutoCdcFlow({ target: 't', source: 's', keys: ['id'], sequenceBy: 'ts', columnList: ['a'], exceptColumnList: ['b'] }))).toMatch(
      /pipeline-define\.test\.ts:\d+:\d+: columnList and exceptColumnList exclude each other; keep one$/,
    );
    expect(invalidMessage(() => createAutoCdcFlow({ target: 't', source: 's', keys: ['id'], sequenceBy: 'ts', trackHistoryColumnList: ['a'] }))).toMatch(/track history lists need storedAsScdType 2$/);
    expect(invalidMessage(() => createAutoCdcFlow({ target: 't', source: 's', keys: ['id'], sequenceBy: 'ts', storedAsScdType: 3 as 1 }))).toMatch(/storedAsScdType must be 1 or 2, got 3$/);
    expect(invalidMessage(() => materializedView({ name: 'm', expectations: [expectRow('a', 'x'), expectOrDrop('a', 'y')] }, 'SELECT 1'))).toMatch(/m: expectation "a" is declared twice/);
    expect(invalidMessage(() => materializedView({ name: 'bad name!' }, 'SELECT 1'))).toMatch(/dataset name "bad name!" is not a valid name/);
    expect(invalidMessage(() => streamingTable({ name: 's', clusterBy: ['a'], clusterByAuto: true }))).toMatch(/clusterBy and clusterByAuto exclude each other/);
  });

  it('supports sinks as append-flow targets; AUTO CDC into a sink and reading a sink are graph errors', () => {
    const g = buildPipelineGraph(definePipeline(
      streamingTable({ name: 'events' }, 'SELECT * FROM STREAM(src)'),
      createSink({ name: 'kafka_out', format: 'delta', options: { path: 'out/events' } }),
      appendFlow({ target: 'kafka_out', name: 'to_kafka' }, 'SELECT * FROM STREAM(events)'),
      createAutoCdcFlow({ target: 'kafka_out', source: 'events', keys: ['id'], sequenceBy: 'ts', name: 'cdc_out' }),
      materializedView({ name: 'reads_sink' }, 'SELECT * FROM kafka_out'),
    ));
    expect(g.sinks.map((s) => [s.id, s.flows])).toEqual([['main.default.kafka_out', ['main.default.to_kafka', 'main.default.cdc_out']]]);
    expect(g.errors.map((e) => e.code)).toEqual(['PIPELINE.AUTO_CDC_TARGET', 'PIPELINE.INCOMPATIBLE_READ']);
  });
});
