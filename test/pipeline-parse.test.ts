import { describe, expect, it } from 'vitest';
import type { AutoCdcFlow, Dataset, Flow, PipelineDefinition } from '../src/domain/pipeline-definition.js';
import { parsePipelineSql } from '../src/pipelines/parse/parse-pipeline-sql.js';

const parse = (sql: string) => parsePipelineSql(sql, 'p.sql');
const datasets = (defs: PipelineDefinition[]) => defs.filter((d): d is Dataset => d.type === 'dataset');
const flows = (defs: PipelineDefinition[]) => defs.filter((d): d is Flow => d.type === 'flow');
const cdcs = (defs: PipelineDefinition[]) => defs.filter((d): d is AutoCdcFlow => d.type === 'auto_cdc');
/** Each reference as [name, streaming, text it covers in the query]. */
const refs = (f: Flow) => f.query.references.map((r) => [r.parts.join('.'), r.streaming, f.query.text.slice(r.start, r.end)]);

describe('dataset statements (reference 1.1)', () => {
  it('CREATE OR REFRESH [PRIVATE] STREAMING TABLE name AS query', () => {
    const { definitions } = parse('CREATE OR REFRESH PRIVATE STREAMING TABLE raw AS SELECT * FROM STREAM(src)');
    const [d] = datasets(definitions);
    expect(d).toMatchObject({ kind: 'streaming_table', name: ['raw'], private: true, temporary: false, origin: { file: 'p.sql', line: 1, column: 1 } });
    const [f] = flows(definitions);
    expect(f).toMatchObject({ name: ['raw'], target: ['raw'], streaming: true, implicit: true, once: false });
    expect(refs(f)).toEqual([['src', true, 'STREAM(src)']]);
  });

  it('maps every legacy spelling to its current kind', () => {
    const kinds = (sql: string) => datasets(parse(sql).definitions).map((d) => [d.kind, d.temporary, d.private]);
    expect(kinds('CREATE OR REFRESH STREAMING LIVE TABLE a AS SELECT * FROM STREAM(x)')).toEqual([['streaming_table', false, false]]);
    expect(kinds('CREATE INCREMENTAL LIVE TABLE a AS SELECT * FROM STREAM(x)')).toEqual([['streaming_table', false, false]]);
    expect(kinds('CREATE OR REFRESH LIVE TABLE a AS SELECT 1')).toEqual([['materialized_view', false, false]]);
    expect(kinds('CREATE LIVE TABLE a AS SELECT 1')).toEqual([['materialized_view', false, false]]);
    expect(kinds('CREATE OR REFRESH MATERIALIZED VIEW a AS SELECT 1')).toEqual([['materialized_view', false, false]]);
    expect(kinds('CREATE TEMPORARY LIVE VIEW a AS SELECT 1')).toEqual([['view', true, false]]);
    expect(kinds('CREATE LIVE VIEW a AS SELECT 1')).toEqual([['view', true, false]]);
    expect(kinds('CREATE TEMPORARY STREAMING LIVE VIEW a AS SELECT * FROM STREAM(x)')).toEqual([['view', true, false]]);
    expect(kinds('CREATE TEMPORARY VIEW a AS SELECT 1')).toEqual([['view', true, false]]);
    expect(kinds('CREATE VIEW a AS SELECT 1')).toEqual([['view', false, false]]);
    // "CREATE OR REFRESH TEMPORARY STREAMING TABLE … appears in databricks/delta-live-tables-notebooks"
    expect(kinds('CREATE OR REFRESH TEMPORARY STREAMING TABLE a AS SELECT * FROM STREAM(x)')).toEqual([['streaming_table', true, true]]);
    expect(kinds('CREATE OR REFRESH PRIVATE MATERIALIZED VIEW a AS SELECT 1')).toEqual([['materialized_view', false, true]]);
  });

  it('a streaming table without AS is an empty target for flows', () => {
    const { definitions } = parse('CREATE OR REFRESH STREAMING TABLE target;');
    expect(definitions).toHaveLength(1);
    expect(datasets(definitions)[0]).toMatchObject({ kind: 'streaming_table', name: ['target'] });
  });

  it('a view over a stream is a streaming view; over batch reads a batch view', () => {
    const [sv] = flows(parse('CREATE TEMPORARY VIEW v AS SELECT * FROM STREAM(x)').definitions);
    const [bv] = flows(parse('CREATE TEMPORARY VIEW v AS SELECT * FROM x').definitions);
    expect([sv.streaming, bv.streaming]).toEqual([true, false]);
  });
});

describe('table spec and clauses (reference 1.2, 1.3)', () => {
  it('reads columns with types, NOT NULL, GENERATED ALWAYS AS, COMMENT and mixed-in constraints', () => {
    const sql = `CREATE OR REFRESH STREAMING TABLE sales (
      id BIGINT NOT NULL COMMENT 'order id',
      amount DECIMAL(10, 2),
      tags ARRAY<STRUCT<k: STRING, v: STRING>>,
      CONSTRAINT positive EXPECT (amount > 0),
      order_date DATE GENERATED ALWAYS AS (CAST(ts AS DATE)) COMMENT 'derived',
      CONSTRAINT valid_id EXPECT (id IS NOT NULL) ON VIOLATION DROP ROW,
      CONSTRAINT has_ts EXPECT (ts IS NOT NULL AND ts > '2020-01-01') ON VIOLATION FAIL UPDATE,
      CONSTRAINT sales_pk PRIMARY KEY(id)
    ) AS SELECT * FROM STREAM(raw)`;
    const [d] = datasets(parse(sql).definitions);
    expect(d.columns).toEqual([
      { name: 'id', type: 'BIGINT', notNull: true, comment: 'order id' },
      { name: 'amount', type: 'DECIMAL(10, 2)', notNull: false },
      { name: 'tags', type: 'ARRAY<STRUCT<k: STRING, v: STRING>>', notNull: false },
      { name: 'order_date', type: 'DATE', notNull: false, generatedAs: 'CAST(ts AS DATE)', comment: 'derived' },
    ]);
    expect(d.expectations).toEqual([
      { name: 'positive', expression: 'amount > 0', action: 'warn' },
      { name: 'valid_id', expression: 'id IS NOT NULL', action: 'drop' },
      { name: 'has_ts', expression: "ts IS NOT NULL AND ts > '2020-01-01'", action: 'fail' },
    ]);
    expect(d.tableConstraints).toEqual(['CONSTRAINT sales_pk PRIMARY KEY(id)']);
  });

  it('accepts a constraints-only list: "(CONSTRAINT c EXPECT (x IS NOT NULL) ON VIOLATION DROP ROW) AS …"', () => {
    const [d] = datasets(parse('CREATE OR REFRESH STREAMING TABLE t (CONSTRAINT c EXPECT (x IS NOT NULL) ON VIOLATION DROP ROW) AS SELECT * FROM STREAM(s)').definitions);
    expect(d.columns).toEqual([]);
    expect(d.expectations).toEqual([{ name: 'c', expression: 'x IS NOT NULL', action: 'drop' }]);
  });

  it('keeps an inline FOREIGN KEY: "col BIGINT FOREIGN KEY REFERENCES cat.sch.dim"', () => {
    const [d] = datasets(parse('CREATE OR REFRESH MATERIALIZED VIEW f (k BIGINT FOREIGN KEY REFERENCES cat.sch.dim, v INT) AS SELECT 1 AS k, 2 AS v').definitions);
    expect(d.columns.map((c) => c.name)).toEqual(['k', 'v']);
    expect(d.tableConstraints).toEqual(['k FOREIGN KEY REFERENCES cat.sch.dim']);
  });

  it('reads COMMENT, TBLPROPERTIES, PARTITIONED BY, CLUSTER BY, LOCATION, USING DELTA, REFRESH POLICY in any order', () => {
    const sql = `CREATE OR REFRESH MATERIALIZED VIEW m
      USING DELTA
      PARTITIONED BY (region, day)
      COMMENT 'gold; daily'
      TBLPROPERTIES ("pipelines.trigger.interval"="1 hour", 'pipelines.autoOptimize.zOrderCols' = 'a, b', delta.enableChangeDataFeed = true)
      LOCATION '/lake/m'
      REFRESH POLICY INCREMENTAL STRICT
      AS SELECT 1`;
    const [d] = datasets(parse(sql).definitions);
    expect(d).toMatchObject({
      comment: 'gold; daily',
      partitionCols: ['region', 'day'],
      location: '/lake/m',
      refreshPolicy: 'INCREMENTAL STRICT',
      tableProperties: { 'pipelines.trigger.interval': '1 hour', 'pipelines.autoOptimize.zOrderCols': 'a, b', 'delta.enableChangeDataFeed': 'true' },
    });
    expect(datasets(parse('CREATE OR REFRESH MATERIALIZED VIEW m CLUSTER BY (a, b) AS SELECT 1').definitions)[0].clusterBy).toEqual(['a', 'b']);
    expect(datasets(parse('CREATE OR REFRESH MATERIALIZED VIEW m CLUSTER BY AUTO AS SELECT 1').definitions)[0].clusterBy).toBe('AUTO');
  });

  it('reads a view column list with comments', () => {
    const [d] = datasets(parse("CREATE TEMPORARY VIEW v (a COMMENT 'first', b) COMMENT 'v' AS SELECT 1 AS a, 2 AS b").definitions);
    expect(d.columns).toEqual([{ name: 'a', notNull: false, comment: 'first' }, { name: 'b', notNull: false }]);
    expect(d.comment).toBe('v');
  });
});

describe('references (reference 1.4)', () => {
  it('finds STREAM(x), STREAM x, stream(live.x), LIVE.x and two/three-part names with exact offsets', () => {
    const sql = `CREATE OR REFRESH STREAMING TABLE t AS
SELECT * FROM STREAM(sales_orders_raw) s
  LEFT JOIN LIVE.customers c ON s.cid = c.id
  JOIN stream(live.events) e ON e.id = s.id
  JOIN STREAM clicks k ON k.id = s.id, ref.countries r, \`main\`.\`ref\`.\`cities\` ci
WHERE s.x IN (SELECT x FROM allowed) AND extract(YEAR FROM s.ts) > 2020`;
    const [f] = flows(parse(sql).definitions);
    expect(refs(f)).toEqual([
      ['sales_orders_raw', true, 'STREAM(sales_orders_raw)'],
      ['customers', false, 'LIVE.customers'],
      ['events', true, 'stream(live.events)'],
      ['clicks', true, 'STREAM clicks'],
      ['ref.countries', false, 'ref.countries'],
      ['main.ref.cities', false, '`main`.`ref`.`cities`'],
      ['allowed', false, 'allowed'],
    ]);
    expect(f.query.references.map((r) => r.live)).toEqual([false, true, true, false, false, false, false]);
  });

  it('does not report CTE names, table functions or VALUES, and follows CTEs over streams', () => {
    const sql = `CREATE OR REFRESH STREAMING TABLE t AS
WITH up AS (SELECT * FROM STREAM up_src), two AS (SELECT * FROM up)
SELECT * FROM two JOIN range(10) r ON true JOIN (VALUES (1)) v(a) ON true`;
    const [f] = flows(parse(sql).definitions);
    expect(f.query.cteNames).toEqual(['up', 'two']);
    expect(refs(f)).toEqual([['up_src', true, 'STREAM up_src']]);
  });

  it.each([
    ['SELECT * FROM (SELECT * FROM STREAM(a)) s, b t, c', 'S:a, b, c'],
    ['SELECT a, b FROM x LATERAL VIEW explode(arr) t AS p, q WHERE a IN (SELECT k FROM keys1) GROUP BY a, b ORDER BY a, b', 'x, keys1'],
    ['SELECT * FROM x UNION ALL SELECT * FROM y QUALIFY row_number() OVER (PARTITION BY a, b ORDER BY c) = 1', 'x, y'],
    ["SELECT trim(BOTH ' ' FROM s), substring(s FROM 2) FROM z", 'z'],
    ["SELECT * FROM a TIMESTAMP AS OF '2020-01-01' , b", 'a, b'],
    ['FROM x |> WHERE a > 1 |> SELECT a, b', 'x'],
    ['SELECT (SELECT max(v) FROM scalar_src) AS m FROM base WHERE EXISTS (SELECT 1 FROM ex WHERE ex.id = base.id)', 'scalar_src, base, ex'],
  ])('finds the relations of %s', (query, expected) => {
    const [f] = flows(parse(`CREATE OR REFRESH MATERIALIZED VIEW m AS ${query}`).definitions);
    expect(f.query.references.map((r) => (r.streaming ? 'S:' : '') + r.parts.join('.')).join(', ')).toBe(expected);
  });

  it('keeps ${key} placeholders in names and records every configuration usage: "${catalog}.${schema}.orders"', () => {
    const src = parse("CREATE OR REFRESH MATERIALIZED VIEW o AS SELECT * FROM ${catalog}.${schema}.orders WHERE d > '${mypipeline.startDate}'");
    const [f] = flows(src.definitions);
    expect(refs(f)).toEqual([['${catalog}.${schema}.orders', false, '${catalog}.${schema}.orders']]);
    expect(src.configurationUsages.map((u) => [u.key, u.origin.column])).toEqual([['catalog', 56], ['schema', 67], ['mypipeline.startDate', 95]]);
  });
});

describe('read_files and cloud_files (reference 1.5)', () => {
  it('records read_files path and named options, STREAM read_files as streaming', () => {
    const sql = `CREATE OR REFRESH STREAMING TABLE covid AS
SELECT *, get_json_object(_rescued_data, "$.FIPS") AS fips, regexp_extract(_metadata.file_name, '(\\\\d+)', 1) AS n
FROM STREAM read_files('\${source}/covid/*.csv', format => 'CSV', header => true, inferColumnTypes => "true",
  schemaHints => 'id INT, ts TIMESTAMP', rescuedDataColumn => '_rescued', schemaEvolutionMode => "rescue", \`cloudFiles.maxFilesPerTrigger\` => 10)`;
    const [f] = flows(parse(sql).definitions);
    expect(f.query.references).toEqual([]);
    const [s] = f.query.fileSources;
    expect(s).toMatchObject({
      function: 'read_files',
      path: '${source}/covid/*.csv',
      format: 'csv',
      streaming: true,
      options: { format: 'csv', header: 'true', inferColumnTypes: 'true', schemaHints: 'id INT, ts TIMESTAMP', rescuedDataColumn: '_rescued', schemaEvolutionMode: 'rescue', maxFilesPerTrigger: '10' },
    });
    expect(f.query.text.slice(s.start, s.end)).toMatch(/^STREAM read_files\('\$\{source\}.*=> 10\)$/s);
  });

  it('reads legacy cloud_files(path, format, map("cloudFiles.inferColumnTypes","true", …)) as a stream, and STREAM(read_files(...))', () => {
    const [f] = flows(parse(`CREATE OR REFRESH STREAMING LIVE TABLE b AS SELECT * FROM cloud_files("/data/loans", "json", map("cloudFiles.inferColumnTypes", "true", "cloudFiles.schemaHints", "id INT"))`).definitions);
    expect(f.query.fileSources[0]).toMatchObject({ function: 'cloud_files', path: '/data/loans', format: 'json', streaming: true, options: { format: 'json', inferColumnTypes: 'true', schemaHints: 'id INT' } });
    const [g] = flows(parse(`CREATE OR REFRESH STREAMING TABLE b AS SELECT * FROM STREAM(read_files('/d', format => 'parquet'))`).definitions);
    expect(g.query.fileSources[0]).toMatchObject({ function: 'read_files', streaming: true, start: 14, end: g.query.text.length });
  });

  it('reads direct path reads like json.`/path` and parquet.`/path`', () => {
    const [f] = flows(parse('CREATE OR REFRESH MATERIALIZED VIEW w AS SELECT * FROM json.`/data/wiki/*.json` UNION ALL SELECT * FROM parquet.`/data/p`').definitions);
    expect(f.query.fileSources.map((s) => [s.function, s.format, s.path])).toEqual([['path', 'json', '/data/wiki/*.json'], ['path', 'parquet', '/data/p']]);
  });
});

describe('flows and AUTO CDC (reference 1.1, 1.6)', () => {
  it('CREATE FLOW f [COMMENT c] AS INSERT [ONCE] INTO target BY NAME query, both ONCE positions', () => {
    const src = parse(`CREATE FLOW f1 COMMENT 'live feed' AS INSERT INTO t BY NAME SELECT * FROM STREAM(a);
CREATE FLOW backfill AS INSERT ONCE INTO t BY NAME SELECT * FROM old;
CREATE FLOW backfill2 AS INSERT INTO ONCE LIVE.t BY NAME SELECT * FROM old2`);
    expect(flows(src.definitions).map((f) => [f.name[0], f.target.join('.'), f.once, f.streaming, f.implicit, f.comment ?? null, f.origin.line])).toEqual([
      ['f1', 't', false, true, false, 'live feed', 1],
      ['backfill', 't', true, false, false, null, 2],
      ['backfill2', 't', true, false, false, null, 3],
    ]);
  });

  it('APPLY CHANGES INTO with every clause', () => {
    const sql = `APPLY CHANGES INTO LIVE.customers
FROM STREAM(customers_cdc)
KEYS (id, region)
IGNORE NULL UPDATES
APPLY AS DELETE WHEN operation = "DELETE"
APPLY AS TRUNCATE WHEN operation = 'TRUNCATE'
SEQUENCE BY struct(ts, seq)
COLUMNS * EXCEPT (operation, seq)
STORED AS SCD TYPE 1`;
    const [c] = cdcs(parse(sql).definitions);
    expect(c).toMatchObject({
      name: ['customers'], target: ['customers'], keys: ['id', 'region'], ignoreNullUpdates: true,
      applyAsDeletes: 'operation = "DELETE"', applyAsTruncates: "operation = 'TRUNCATE'", sequenceBy: 'struct(ts, seq)',
      exceptColumnList: ['operation', 'seq'], storedAsScdType: 1, once: false,
    });
    expect(c.source.text).toBe('STREAM(customers_cdc)');
    expect(c.source.references.map((r) => [r.parts, r.streaming, r.start, r.end])).toEqual([[['customers_cdc'], true, 0, 21]]);
  });

  it('CREATE FLOW … AS AUTO CDC [ONCE] INTO with SCD TYPE 2, COLUMNS list and TRACK HISTORY ON', () => {
    const sql = `CREATE FLOW cdc AS AUTO CDC INTO dim FROM STREAM src KEYS (k) SEQUENCE BY ts COLUMNS (k, name, city) STORED AS SCD TYPE 2 TRACK HISTORY ON (city);
CREATE FLOW cdc2 AS AUTO CDC ONCE INTO dim FROM STREAM(src2) KEYS (k) SEQUENCE BY ts STORED AS SCD TYPE 2 TRACK HISTORY ON * EXCEPT (name)`;
    const [a, b] = cdcs(parse(sql).definitions);
    expect(a).toMatchObject({ name: ['cdc'], target: ['dim'], columnList: ['k', 'name', 'city'], storedAsScdType: 2, trackHistoryColumnList: ['city'], once: false });
    expect(b).toMatchObject({ name: ['cdc2'], once: true, trackHistoryExceptColumnList: ['name'] });
  });

  it('reads the inline FLOW clause of a streaming table', () => {
    const defs = parse('CREATE OR REFRESH STREAMING TABLE t FLOW AUTO CDC FROM STREAM(s) KEYS (id) SEQUENCE BY ts').definitions;
    expect(cdcs(defs)[0]).toMatchObject({ target: ['t'], keys: ['id'] });
  });
});

describe('file-level statements', () => {
  it('applies SET to every later definition, tolerates bare SET key, tracks USE CATALOG / USE SCHEMA', () => {
    const src = parse(`SET spark.databricks.cloudFiles.schemaInference.sampleSize.numFiles = 100;
CREATE OR REFRESH MATERIALIZED VIEW a AS SELECT 1;
SET pipelines.x = 'quoted; value';
SET pipelines.y;
USE CATALOG dev;
CREATE OR REFRESH MATERIALIZED VIEW b AS SELECT 1;
USE SCHEMA silver;
CREATE OR REFRESH MATERIALIZED VIEW c AS SELECT 1;
USE prod.gold;
CREATE OR REFRESH MATERIALIZED VIEW d AS SELECT 1`);
    const ds = datasets(src.definitions);
    expect(ds.map((d) => Object.keys(d.sparkConf).length)).toEqual([1, 2, 2, 2]);
    expect(ds[1].sparkConf['pipelines.x']).toBe('quoted; value');
    expect(ds.map((d) => d.namespace)).toEqual([{}, { catalog: 'dev' }, { catalog: 'dev', schema: 'silver' }, { catalog: 'prod', schema: 'gold' }]);
    expect(src.settings.map((s) => [s.key, s.origin.line])).toEqual([['spark.databricks.cloudFiles.schemaInference.sampleSize.numFiles', 1], ['pipelines.x', 3]]);
  });

  it('ignores comments and semicolons inside strings, comments and backticks', () => {
    const src = parse(`-- Databricks notebook source
/* header; /* nested; */ still comment; */
CREATE OR REFRESH MATERIALIZED VIEW \`odd;name\` COMMENT 'a;b' AS SELECT ';' AS s -- trailing; comment
;
-- COMMAND ----------
CREATE OR REFRESH MATERIALIZED VIEW second AS SELECT "x;y"`);
    const ds = datasets(src.definitions);
    expect(ds.map((d) => [d.name[0], d.origin.line, d.origin.column])).toEqual([['odd;name', 3, 1], ['second', 6, 1]]);
    expect(flows(src.definitions)[0].query.text).toBe("SELECT ';' AS s");
  });
});
