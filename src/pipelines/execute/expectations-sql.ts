import type { DuckDBConnection } from '@duckdb/node-api';
import type { Expectation } from '../../domain/pipeline-definition.js';
import { WeirError } from '../../domain/weir-error.js';
import { translateSparkSql } from '../../engine/spark-sql/translate-spark-sql.js';

/** Pass/fail counts of one expectation on one flow's rows, as flow_progress.data_quality reports them. */
export interface ExpectationResult {
  name: string;
  dataset: string;
  passed_records: number;
  failed_records: number;
}

/**
 * Evaluates a dataset's expectations on the rows staged in `staged` (a temp table). A row fails an expectation
 * when the expression is false or NULL. `fail` expectations with failures stop the flow before anything is
 * written; `drop` ones remove the failing rows. Returns the counts and the query of the rows to write.
 */
export async function checkExpectations(conn: DuckDBConnection, staged: string, datasetId: string, flowId: string, expectations: Expectation[], configuration: Record<string, string> = {}): Promise<{ results: ExpectationResult[]; keepSql: string; total: number; kept: number }> {
  const holds = (e: Expectation) => `coalesce((${e.expression}), false)`;
  const drops = expectations.filter((e) => e.action === 'drop');
  // One scan counts everything: the rows, each expectation's failures, and the rows the DROP expectations remove.
  const counts = [`count(*) AS __total`, ...expectations.map((e, i) => `count_if(NOT ${holds(e)}) AS __f${i}`), drops.length ? `count_if(NOT (${drops.map(holds).join(' AND ')})) AS __dropped` : '0 AS __dropped'].join(', ');
  const row = await firstRow(conn, translate(`SELECT ${counts} FROM ${staged}`, datasetId, configuration));
  const total = Number(row[0]);
  const dropped = Number(row[expectations.length + 1]);
  const results = expectations.map((e, i) => ({ name: e.name, dataset: datasetId, failed_records: Number(row[i + 1]), passed_records: total - Number(row[i + 1]) }));
  for (const [i, e] of expectations.entries()) {
    if (e.action !== 'fail' || results[i].failed_records === 0) continue;
    const sample = await firstRow(conn, translate(`SELECT to_json(struct(*)) FROM ${staged} WHERE NOT ${holds(e)} LIMIT 1`, datasetId, configuration)).catch(() => ['?']);
    throw new WeirError(
      'PIPELINE.EXPECTATION_FAILED',
      `Flow '${flowId}' failed: expectation '${e.name}' (${e.expression}) on ${datasetId} is violated by ${results[i].failed_records} of ${total} row(s), and it says ON VIOLATION FAIL UPDATE; nothing was written. A failing row: ${String(sample[0])}`,
      { params: { expectation: e.name, dataset: datasetId } },
    );
  }
  const keepSql = drops.length ? translate(`SELECT * FROM ${staged} WHERE ${drops.map(holds).join(' AND ')}`, datasetId, configuration) : `SELECT * FROM ${staged}`;
  return { results, keepSql, total, kept: total - dropped };
}

function translate(sql: string, datasetId: string, configuration: Record<string, string>): string {
  try {
    return translateSparkSql(sql, { configuration }).statements[0].sql;
  } catch (e) {
    throw new WeirError('PIPELINE.INVALID_DEFINITION', `an expectation of ${datasetId} is not valid SQL: ${(e as Error).message}`, { cause: e });
  }
}

async function firstRow(conn: DuckDBConnection, sql: string): Promise<unknown[]> {
  const reader = await conn.runAndReadAll(sql);
  return (reader.getRows()[0] ?? []) as unknown[];
}
