import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPipelineGraph } from '../src/pipelines/graph/pipeline-graph.js';
import { parsePipelineSql } from '../src/pipelines/parse/parse-pipeline-sql.js';

const dir = mkdtempSync(join(tmpdir(), 'weir-pipeline-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BRONZE = `-- Databricks notebook source
SET spark.databricks.cloudFiles.schemaInference.sampleSize.numFiles = 50;

CREATE OR REFRESH STREAMING TABLE orders_bronze
COMMENT "Raw orders; landed as CSV"
TBLPROPERTIES ("quality" = "bronze", "pipelines.reset.allowed" = "false")
AS SELECT *, _metadata.file_path AS source_file
FROM STREAM read_files('\${source}/orders', format => 'csv', header => true, schemaEvolutionMode => 'rescue');

CREATE OR REFRESH STREAMING LIVE TABLE customers_cdc_bronze
AS SELECT * FROM cloud_files("\${source}/customers", "json", map("cloudFiles.inferColumnTypes", "true"));
`;

const SILVER_GOLD = `-- silver
CREATE OR REFRESH STREAMING TABLE orders_silver (
  order_id BIGINT NOT NULL,
  customer_id BIGINT,
  amount DECIMAL(12, 2),
  order_date DATE GENERATED ALWAYS AS (CAST(ordered_at AS DATE)),
  CONSTRAINT valid_id EXPECT (order_id IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT positive_amount EXPECT (amount > 0),
  CONSTRAINT known_currency EXPECT (currency IN ('EUR', 'USD')) ON VIOLATION FAIL UPDATE
)
PARTITIONED BY (order_date)
AS SELECT o.*, c.region
FROM STREAM(LIVE.orders_bronze) o
LEFT JOIN ref.regions c ON o.country = c.country;

CREATE OR REFRESH STREAMING TABLE customers_silver;

APPLY CHANGES INTO LIVE.customers_silver
FROM STREAM(customers_cdc_bronze)
KEYS (customer_id)
APPLY AS DELETE WHEN operation = "DELETE"
SEQUENCE BY updated_at
COLUMNS * EXCEPT (operation, _rescued_data)
STORED AS SCD TYPE 2
TRACK HISTORY ON * EXCEPT (last_login);

-- gold
CREATE OR REFRESH MATERIALIZED VIEW revenue_by_region
CLUSTER BY (region)
AS SELECT c.region, o.order_date, sum(o.amount) AS revenue
FROM orders_silver o
JOIN customers_silver c ON o.customer_id = c.customer_id AND c.__END_AT IS NULL
GROUP BY c.region, o.order_date;

CREATE TEMPORARY VIEW big_orders AS SELECT * FROM orders_silver WHERE amount > 1000;

CREATE OR REFRESH MATERIALIZED VIEW big_order_count AS SELECT count(*) AS n FROM big_orders;
`;

describe('a bronze / silver / gold pipeline in two SQL files', () => {
  it('parses both files from disk and builds a valid, ordered graph with origins', () => {
    writeFileSync(join(dir, 'bronze.sql'), BRONZE);
    writeFileSync(join(dir, 'silver_gold.sql'), SILVER_GOLD);
    const files = ['silver_gold.sql', 'bronze.sql'].map((f) => parsePipelineSql(readFileSync(join(dir, f), 'utf8'), f));
    const g = buildPipelineGraph(files.flatMap((f) => f.definitions), { catalog: 'shop', schema: 'lake' });
    expect(g.errors.map((e) => e.message)).toEqual([]);
    expect(g.datasets.map((d) => [d.id, d.definition.kind, `${d.definition.origin.file}:${d.definition.origin.line}`])).toEqual([
      ['shop.lake.orders_silver', 'streaming_table', 'silver_gold.sql:2'],
      ['shop.lake.customers_silver', 'streaming_table', 'silver_gold.sql:16'],
      ['shop.lake.revenue_by_region', 'materialized_view', 'silver_gold.sql:28'],
      ['shop.lake.big_orders', 'view', 'silver_gold.sql:35'],
      ['shop.lake.big_order_count', 'materialized_view', 'silver_gold.sql:37'],
      ['shop.lake.orders_bronze', 'streaming_table', 'bronze.sql:4'],
      ['shop.lake.customers_cdc_bronze', 'streaming_table', 'bronze.sql:10'],
    ]);
    const pos = (id: string) => g.order.indexOf(id);
    expect(g.order).toHaveLength(7);
    expect(pos('shop.lake.orders_bronze')).toBeLessThan(pos('shop.lake.orders_silver'));
    expect(pos('shop.lake.customers_cdc_bronze')).toBeLessThan(pos('shop.lake.customers_silver'));
    expect(pos('shop.lake.orders_silver')).toBeLessThan(pos('shop.lake.revenue_by_region'));
    expect(pos('shop.lake.customers_silver')).toBeLessThan(pos('shop.lake.revenue_by_region'));
    expect(pos('shop.lake.big_orders')).toBeLessThan(pos('shop.lake.big_order_count'));
    expect(g.externalInputs).toEqual(['shop.ref.regions']);
    const edge = (from: string, to: string) => g.edges.find((e) => e.from === `shop.lake.${from}` && e.to === `shop.lake.${to}`)?.kind;
    expect([edge('orders_bronze', 'orders_silver'), edge('customers_cdc_bronze', 'customers_silver'), edge('orders_silver', 'revenue_by_region')]).toEqual(['streaming', 'streaming', 'batch']);
    const bronze = files[1];
    expect(bronze.configurationUsages.map((u) => [u.key, u.origin.line])).toEqual([['source', 8], ['source', 11]]);
    expect(g.datasets.find((d) => d.id === 'shop.lake.orders_bronze')!.definition.sparkConf).toEqual({ 'spark.databricks.cloudFiles.schemaInference.sampleSize.numFiles': '50' });
    const cdc = g.flows.find((f) => f.id === 'shop.lake.customers_silver')!.definition;
    expect(cdc).toMatchObject({ type: 'auto_cdc', storedAsScdType: 2, trackHistoryExceptColumnList: ['last_login'], origin: { file: 'silver_gold.sql', line: 18, column: 1 } });
  });

  it('reports a typo in the second file against the dataset defined in the first, once', () => {
    const broken = SILVER_GOLD.replace('STREAM(LIVE.orders_bronze)', 'STREAM(LIVE.order_bronze)');
    const g = buildPipelineGraph([...parsePipelineSql(BRONZE, 'bronze.sql').definitions, ...parsePipelineSql(broken, 'silver_gold.sql').definitions]);
    expect(g.errors.map((e) => [e.code, e.message])).toEqual([
      ['PIPELINE.MISSING_INPUT', 'silver_gold.sql:13:6: STREAM(LIVE.order_bronze) reads main.default.order_bronze, which is neither a dataset of this pipeline nor an existing table; did you mean main.default.orders_bronze?'],
    ]);
  });
});
