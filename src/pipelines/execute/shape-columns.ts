import type { Dataset } from '../../domain/pipeline-definition.js';
import { translateSparkSql } from '../../engine/spark-sql/translate-spark-sql.js';

const PLACEHOLDER = '__weir_shape_source';

/**
 * Applies a dataset's declared columns to its query's rows: declared types are cast to, GENERATED ALWAYS AS
 * columns are computed, and only declared columns are kept, in declared order. Without a column list (or one
 * that declares names only) the rows pass unchanged.
 */
export function shapeColumns(ds: Dataset, duckSql: string, configuration: Record<string, string> = {}): string {
  if (!ds.columns.some((c) => c.type || c.generatedAs)) return duckSql;
  const q = (n: string) => `\`${n.replace(/`/g, '``')}\``;
  const cols = ds.columns.map((c) => {
    const value = c.generatedAs ? `(${c.generatedAs})` : q(c.name);
    return c.type ? `CAST(${value} AS ${c.type}) AS ${q(c.name)}` : `${value} AS ${q(c.name)}`;
  });
  const spark = `SELECT ${cols.join(', ')} FROM ${PLACEHOLDER}`;
  const translated = translateSparkSql(spark, { configuration, origin: { file: ds.origin.file, line: ds.origin.line } }).statements[0].sql;
  return translated.replace(new RegExp(`\\b${PLACEHOLDER}\\b`), `(${duckSql}) AS ${PLACEHOLDER}`);
}
