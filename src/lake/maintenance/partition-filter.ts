/**
 * OPTIMIZE's WHERE: a predicate over partition columns only (as in Spark), evaluated in DuckDB against each file's
 * partition values, without reading data.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { WeirError } from '../../domain/weir-error.js';
import type { AddFile } from '../actions.js';
import type { Snapshot } from '../snapshot.js';
import { duckDbTypeOf, quoteIdent, quoteLiteral } from '../write/delta-schema.js';
import { tableSchema } from '../dml/write-table-rows.js';

/** The live files whose partition values satisfy `predicate`. */
export async function partitionFilter(conn: DuckDBConnection, snapshot: Snapshot, predicate: string): Promise<AddFile[]> {
  const parts = tableSchema(snapshot).fields.filter((f) => snapshot.metadata.partitionColumns.includes(f.name));
  const where = `OPTIMIZE ${snapshot.tablePath} WHERE ${predicate}`;
  if (parts.length === 0) {
    throw new WeirError('VALIDATION.INVALID', `${where}: the table is not partitioned, and OPTIMIZE's WHERE may only use partition columns; drop the WHERE clause`, { params: { predicate } });
  }
  if (snapshot.files.length === 0) return [];
  const literal = (v: string | null | undefined, t: (typeof parts)[number]['type']) => (v == null ? `CAST(NULL AS ${duckDbTypeOf(t)})` : `CAST(${quoteLiteral(v)} AS ${duckDbTypeOf(t)})`);
  const rows = snapshot.files.map((file, i) => `(${[String(i), ...parts.map((f) => literal(file.partitionValues[f.name], f.type))].join(', ')})`);
  const sql = `SELECT __i FROM (VALUES ${rows.join(', ')}) pv(__i, ${parts.map((f) => quoteIdent(f.name)).join(', ')}) WHERE coalesce((${predicate}), false)`;
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJson().map((r) => snapshot.files[Number(r.__i)]);
  } catch (e) {
    throw new WeirError(
      'VALIDATION.INVALID',
      `${where}: ${(e as Error).message.split('\n')[0]}; OPTIMIZE's WHERE may only use the partition columns (${parts.map((f) => f.name).join(', ')})`,
      { cause: e, params: { predicate } },
    );
  }
}
