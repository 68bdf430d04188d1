import { describe, expect, it } from 'vitest';
import type { PipelineDefinition } from '../src/domain/pipeline-definition.js';
import { buildPipelineGraph, type GraphOptions } from '../src/pipelines/graph/pipeline-graph.js';
import { parsePipelineSql } from '../src/pipelines/parse/parse-pipeline-sql.js';

const defs = (...files: [string, string][]): PipelineDefinition[] => files.flatMap(([f, sql]) => parsePipelineSql(sql, f).definitions);
const graphOf = (sql: string, opts?: GraphOptions) => buildPipelineGraph(defs(['p.sql', sql]), opts);
const errorsOf = (sql: string, opts?: GraphOptions) => graphOf(sql, opts).errors.map((e) => [e.code, e.message]);
const codesOf = (sql: string, opts?: GraphOptions) => graphOf(sql, opts).errors.map((e) => e.code);

describe('pipeline graph: structure', () => {
  it('qualifies names, builds edges with their kind, orders flows and lists external inputs', () => {
    const g = graphOf(`
CREATE OR REFRESH STREAMING TABLE raw AS SELECT * FROM STREAM read_files('/in', format => 'json');
CREATE OR REFRESH STREAMING TABLE clean AS SELECT * FROM STREAM(LIVE.raw) r JOIN ref.countries c ON r.cc = c.code;
CREATE OR REFRESH MATERIALIZED VIEW daily AS SELECT d, count(*) FROM clean GROUP BY d;
CREATE OR REFRESH STREAMING TABLE merged;
CREATE FLOW from_clean AS INSERT INTO merged BY NAME SELECT * FROM STREAM(clean);
CREATE FLOW from_archive AS INSERT ONCE INTO merged BY NAME SELECT * FROM prod.archive.events`, { catalog: 'dev', schema: 'sales' });
    expect(g.errors).toEqual([]);
    expect(g.datasets.map((d) => [d.id, d.flows])).toEqual([
      ['dev.sales.raw', ['dev.sales.raw']],
      ['dev.sales.clean', ['dev.sales.clean']],
      ['dev.sales.daily', ['dev.sales.daily']],
      ['dev.sales.merged', ['dev.sales.from_clean', 'dev.sales.from_archive']],
    ]);
    expect(g.edges.map((e) => [e.from, e.to, e.kind, e.external])).toEqual([
      ['dev.sales.raw', 'dev.sales.clean', 'streaming', false],
      ['dev.ref.countries', 'dev.sales.clean', 'batch', true],
      ['dev.sales.clean', 'dev.sales.daily', 'batch', false],
      ['dev.sales.clean', 'dev.sales.merged', 'streaming', false],
      ['prod.archive.events', 'dev.sales.merged', 'batch', true],
    ]);
    expect(g.order).toEqual(['dev.sales.raw', 'dev.sales.clean', 'dev.sales.daily', 'dev.sales.from_clean', 'dev.sales.from_archive']);
    expect(g.datasetOrder).toEqual(['dev.sales.raw', 'dev.sales.clean', 'dev.sales.daily', 'dev.sales.merged']);
    expect(g.externalInputs).toEqual(['dev.ref.countries', 'prod.archive.events']);
  });

  it('defaults to main.default and honours USE CATALOG / USE SCHEMA per definition', () => {
    const g = graphOf(`CREATE OR REFRESH MATERIALIZED VIEW a AS SELECT 1;
USE SCHEMA silver;
CREATE OR REFRESH MATERIALIZED VIEW b AS SELECT * FROM default.a`);
    expect(g.errors).toEqual([]);
    expect(g.datasets.map((d) => d.id)).toEqual(['main.default.a', 'main.silver.b']);
    expect(g.edges.map((e) => [e.from, e.to, e.external])).toEqual([['main.default.a', 'main.silver.b', false]]);
  });
});

describe('pipeline graph: validation errors', () => {
  it('PIPELINE.DUPLICATE_DATASET names both places', () => {
    const g = buildPipelineGraph(defs(['a.sql', 'CREATE OR REFRESH MATERIALIZED VIEW x AS SELECT 1'], ['b.sql', '\n  CREATE OR REFRESH MATERIALIZED VIEW X AS SELECT 2']));
    expect(g.errors.map((e) => [e.code, e.message])).toEqual([
      ['PIPELINE.DUPLICATE_DATASET', 'b.sql:2:3: main.default.x is defined twice (first at a.sql:1:1); rename one of them or turn the second into a CREATE FLOW into the first'],
    ]);
  });

  it('PIPELINE.DUPLICATE_FLOW and PIPELINE.FLOW_NAME_CONFLICT', () => {
    expect(codesOf(`CREATE OR REFRESH STREAMING TABLE t;
CREATE FLOW f AS INSERT INTO t BY NAME SELECT * FROM STREAM(a);
CREATE FLOW f AS INSERT INTO t BY NAME SELECT * FROM STREAM(b)`)).toEqual(['PIPELINE.DUPLICATE_FLOW']);
    expect(errorsOf(`CREATE OR REFRESH STREAMING TABLE t;
CREATE OR REFRESH MATERIALIZED VIEW m AS SELECT 1;
CREATE FLOW m AS INSERT INTO t BY NAME SELECT * FROM STREAM(a)`)).toEqual([
      ['PIPELINE.FLOW_NAME_CONFLICT', 'p.sql:3:1: flow main.default.m has the name of a dataset but writes main.default.t; rename the flow'],
      ['PIPELINE.DATASET_WITHOUT_FLOW', 'p.sql:1:1: streaming table main.default.t has no query and no flow writes it; add AS query, or a CREATE FLOW … INSERT INTO t BY NAME …, or remove it'],
    ]);
  });

  it('PIPELINE.MULTIPLE_FLOWS: only streaming tables take several flows', () => {
    expect(errorsOf(`CREATE OR REFRESH MATERIALIZED VIEW m AS SELECT 1;
CREATE FLOW extra AS INSERT ONCE INTO m BY NAME SELECT 2`)).toEqual([
      ['PIPELINE.MULTIPLE_FLOWS', 'p.sql:2:1: materialized view main.default.m is written by 2 flows (main.default.m, main.default.extra); only streaming tables take several flows, so make it a streaming table or union the queries'],
    ]);
  });

  it('PIPELINE.FLOW_TARGET_NOT_FOUND suggests the closest dataset', () => {
    expect(errorsOf(`CREATE OR REFRESH STREAMING TABLE events AS SELECT * FROM STREAM(src);
CREATE FLOW f AS INSERT INTO event BY NAME SELECT * FROM STREAM(b)`)).toEqual([
      ['PIPELINE.FLOW_TARGET_NOT_FOUND', 'p.sql:2:1: flow main.default.f writes main.default.event, which this pipeline does not define; did you mean main.default.events?'],
    ]);
  });

  it('PIPELINE.MISSING_INPUT at the reference position, with a suggestion (LIVE. prefix or catalog lookup)', () => {
    const sql = `CREATE OR REFRESH MATERIALIZED VIEW customers AS SELECT 1 AS id;
CREATE OR REFRESH MATERIALIZED VIEW report AS
  SELECT * FROM LIVE.custmers JOIN orders USING (id)`;
    expect(errorsOf(sql)).toEqual([
      ['PIPELINE.MISSING_INPUT', 'p.sql:3:17: LIVE.custmers reads main.default.custmers, which is neither a dataset of this pipeline nor an existing table; did you mean main.default.customers?'],
    ]);
    const withCatalog = graphOf(sql, { catalogHas: (id) => id === 'main.default.custmers' });
    expect(withCatalog.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^p\.sql:3:17: LIVE\.custmers reads main\.default\.custmers/),
      'p.sql:3:36: orders reads main.default.orders, which is neither a dataset of this pipeline nor an existing table; define it in this pipeline or create the table first',
    ]);
  });

  it('PIPELINE.CYCLE names the cycle', () => {
    const g = graphOf(`CREATE OR REFRESH MATERIALIZED VIEW a AS SELECT * FROM c;
CREATE OR REFRESH MATERIALIZED VIEW b AS SELECT * FROM a;
CREATE OR REFRESH MATERIALIZED VIEW c AS SELECT * FROM b;
CREATE OR REFRESH MATERIALIZED VIEW d AS SELECT * FROM c;
CREATE OR REFRESH MATERIALIZED VIEW ok AS SELECT 1`);
    expect(g.errors.map((e) => [e.code, e.message])).toEqual([
      ['PIPELINE.CYCLE', 'p.sql:1:1: datasets read each other in a cycle: main.default.a -> main.default.b -> main.default.c -> main.default.a (main.default.a at p.sql:1:1, main.default.b at p.sql:2:1, main.default.c at p.sql:3:1); break the cycle by removing one of these reads'],
    ]);
    expect(g.order).toEqual(['main.default.ok']);
  });

  it('PIPELINE.INCOMPATIBLE_READ for STREAM() of a materialized view, of a batch view, batch reads of a streaming view and STREAM in a materialized view', () => {
    const g = graphOf(`CREATE OR REFRESH MATERIALIZED VIEW mv AS SELECT 1 AS x;
CREATE TEMPORARY VIEW bv AS SELECT * FROM mv;
CREATE TEMPORARY VIEW sv AS SELECT * FROM STREAM(src);
CREATE OR REFRESH STREAMING TABLE s1 AS SELECT * FROM STREAM(mv);
CREATE OR REFRESH STREAMING TABLE s2 AS SELECT * FROM STREAM(bv);
CREATE OR REFRESH STREAMING TABLE s3 AS SELECT * FROM STREAM(src) JOIN sv USING (x);
CREATE OR REFRESH MATERIALIZED VIEW m2 AS SELECT * FROM STREAM(s3)`);
    expect(g.errors.map((e) => [e.code, e.message.split(';')[0]])).toEqual([
      ['PIPELINE.INCOMPATIBLE_READ', 'p.sql:4:55: main.default.s1 streams from materialized view main.default.mv, which is recomputed rather than appended'],
      ['PIPELINE.INCOMPATIBLE_READ', 'p.sql:5:55: main.default.s2 reads batch view main.default.bv through STREAM (INCOMPATIBLE_BATCH_VIEW_READ)'],
      ['PIPELINE.INCOMPATIBLE_READ', 'p.sql:6:72: main.default.s3 reads streaming view main.default.sv as a batch (INCOMPATIBLE_STREAMING_VIEW_READ)'],
      ['PIPELINE.INCOMPATIBLE_READ', 'p.sql:7:57: materialized view main.default.m2 reads main.default.s3 as a stream'],
    ]);
  });

  it('PIPELINE.STREAMING_SOURCE_REQUIRED for streaming tables, non-ONCE flows and AUTO CDC over batch reads', () => {
    expect(codesOf(`CREATE OR REFRESH STREAMING TABLE s AS SELECT * FROM src;
CREATE FLOW f AS INSERT INTO s BY NAME SELECT * FROM other;
CREATE FLOW g AS INSERT ONCE INTO s BY NAME SELECT * FROM other;
CREATE OR REFRESH STREAMING TABLE d;
APPLY CHANGES INTO d FROM cdc KEYS (id) SEQUENCE BY ts`)).toEqual([
      'PIPELINE.STREAMING_SOURCE_REQUIRED',
      'PIPELINE.STREAMING_SOURCE_REQUIRED',
      'PIPELINE.STREAMING_SOURCE_REQUIRED',
    ]);
  });

  it('PIPELINE.AUTO_CDC_TARGET and PIPELINE.INVALID_DEFINITION for AUTO CDC options', () => {
    expect(errorsOf(`CREATE OR REFRESH MATERIALIZED VIEW dim AS SELECT 1;
CREATE FLOW c AS AUTO CDC INTO dim FROM STREAM(src) KEYS (id) SEQUENCE BY ts TRACK HISTORY ON (name)`)).toEqual([
      ['PIPELINE.MULTIPLE_FLOWS', expect.stringMatching(/^p\.sql:2:1: materialized view main\.default\.dim is written by 2 flows/)],
      ['PIPELINE.AUTO_CDC_TARGET', 'p.sql:2:1: AUTO CDC flow main.default.c writes materialized view main.default.dim; the target must be a streaming table: declare CREATE OR REFRESH STREAMING TABLE dim; without AS'],
      ['PIPELINE.INVALID_DEFINITION', 'p.sql:2:1: AUTO CDC flow main.default.c: TRACK HISTORY ON needs STORED AS SCD TYPE 2'],
    ]);
  });

  it('PIPELINE.TEMP_VIEW_REFERENCE when a persisted view reads a temporary view', () => {
    expect(codesOf(`CREATE TEMPORARY VIEW t AS SELECT 1 AS x;
CREATE VIEW p AS SELECT * FROM t;
CREATE TEMPORARY VIEW ok AS SELECT * FROM t`)).toEqual(['PIPELINE.TEMP_VIEW_REFERENCE']);
  });

  it('reports duplicate expectation names and every error at once (a duplicate dataset is not also a duplicate flow)', () => {
    const codes = codesOf(`CREATE OR REFRESH STREAMING TABLE a (CONSTRAINT c EXPECT (x > 0), CONSTRAINT c EXPECT (y > 0)) AS SELECT * FROM STREAM(s);
CREATE OR REFRESH STREAMING TABLE lonely;
CREATE OR REFRESH MATERIALIZED VIEW b AS SELECT * FROM LIVE.nope;
CREATE OR REFRESH MATERIALIZED VIEW a AS SELECT 1`);
    expect(codes.sort()).toEqual(['PIPELINE.DATASET_WITHOUT_FLOW', 'PIPELINE.DUPLICATE_DATASET', 'PIPELINE.INVALID_DEFINITION', 'PIPELINE.MISSING_INPUT']);
  });
});
