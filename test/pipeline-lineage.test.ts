import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnLineage } from '../src/pipelines/execute/column-lineage.js';
import { buildPipelineGraph } from '../src/pipelines/graph/pipeline-graph.js';
import { parsePipelineSql } from '../src/pipelines/parse/parse-pipeline-sql.js';

// Column-level lineage of SQL flows (a weir extension of flow_definition), parsed by DuckDB.
let db: DuckDBInstance;
let conn: DuckDBConnection;

beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
});
afterAll(() => {
  conn.closeSync();
  db.closeSync();
});

/** The lineage of materialized view `out` defined by `query` over streaming tables orders and customers. */
async function lineage(query: string, configuration: Record<string, string> = {}) {
  const sql = `CREATE STREAMING TABLE orders AS SELECT * FROM STREAM read_files('/in/orders', format => 'csv');
CREATE STREAMING TABLE customers AS SELECT * FROM STREAM read_files('/in/customers', format => 'csv');
CREATE MATERIALIZED VIEW out AS ${query};`;
  const graph = buildPipelineGraph(parsePipelineSql(sql, 'p.sql').definitions);
  expect(graph.errors).toEqual([]);
  return columnLineage(conn, graph.flows.find((f) => f.id === 'main.default.out')!, configuration);
}

const o = (column: string) => ({ dataset: 'main.default.orders', column });
const c = (column: string) => ({ dataset: 'main.default.customers', column });

describe('column lineage', () => {
  it('tells direct columns, row expressions and aggregates apart', async () => {
    expect(await lineage('SELECT region, sum(amount) AS revenue, count(*) AS n, upper(region) AS r FROM LIVE.orders WHERE amount > 0 GROUP BY region')).toEqual([
      { output: 'region', inputs: [o('region')], kind: 'direct' },
      { output: 'revenue', inputs: [o('amount')], kind: 'aggregate' },
      { output: 'n', inputs: [], kind: 'aggregate' },
      { output: 'r', inputs: [o('region')], kind: 'expression' },
    ]);
  });

  it('follows aliases through joins; a CAST type is not a column; an unqualified name in a join is left out', async () => {
    expect(await lineage("SELECT o.id, c.name AS customer, CAST(o.amount AS DOUBLE) * 2 AS amt, CASE WHEN c.vip THEN 'y' END AS vip, id AS unsure FROM orders o JOIN customers AS c ON o.cid = c.id")).toEqual([
      { output: 'id', inputs: [o('id')], kind: 'direct' },
      { output: 'customer', inputs: [c('name')], kind: 'direct' },
      { output: 'amt', inputs: [o('amount')], kind: 'expression' },
      { output: 'vip', inputs: [c('vip')], kind: 'expression' },
    ]);
  });

  it('traces CTEs and subqueries back to the inputs, keeping the strongest kind', async () => {
    expect(await lineage('WITH t AS (SELECT id, amount * ${factor} AS a2 FROM orders) SELECT id, total FROM (SELECT id, sum(a2) AS total FROM t GROUP BY id) s', { factor: '2' })).toEqual([
      { output: 'id', inputs: [o('id')], kind: 'direct' },
      { output: 'total', inputs: [o('amount')], kind: 'aggregate' },
    ]);
  });

  it('omits what it cannot know: stars, file sources, subquery expressions', async () => {
    expect(await lineage('SELECT * FROM orders')).toBeUndefined();
    expect(await lineage('SELECT *, amount AS a FROM orders')).toEqual([{ output: 'a', inputs: [o('amount')], kind: 'direct' }]);
    expect(await lineage('SELECT x FROM (SELECT * FROM orders) s')).toBeUndefined();
    expect(await lineage("SELECT id FROM read_files('/in/x', format => 'csv')")).toBeUndefined();
    expect(await lineage('SELECT id, (SELECT max(id) FROM customers) AS top FROM orders')).toEqual([{ output: 'id', inputs: [o('id')], kind: 'direct' }]);
  });
});
