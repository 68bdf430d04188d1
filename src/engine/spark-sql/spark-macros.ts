import type { DuckDBConnection } from '@duckdb/node-api';
import { registerSparkUdfs } from './spark-udfs.js';

/**
 * CAST(x AS INT/LONG/SHORT/BYTE) as Spark without ANSI: fractions truncate toward zero (DuckDB rounds) and bad input
 * gives NULL. Strings without '.' or an exponent cast directly so BIGINT stays exact; others go through DOUBLE.
 */
function integralCast(type: string): string {
  const viaDouble = `TRY_CAST(trunc(TRY_CAST(x AS DOUBLE)) AS ${type})`;
  return `CREATE OR REPLACE TEMP MACRO spark_to_${type.toLowerCase()}(x) AS CASE
     WHEN typeof(x) IN ('FLOAT', 'DOUBLE') OR typeof(x) LIKE 'DECIMAL%' THEN ${viaDouble}
     WHEN typeof(x) = 'VARCHAR' THEN CASE
       WHEN contains(TRY_CAST(x AS VARCHAR), '.') OR contains(lower(TRY_CAST(x AS VARCHAR)), 'e') THEN ${viaDouble}
       ELSE TRY_CAST(trim(TRY_CAST(x AS VARCHAR)) AS ${type}) END
     ELSE TRY_CAST(x AS ${type}) END`;
}

/**
 * DuckDB macros behind Spark functions whose semantics need more than a rename. Macros are untyped, so each
 * one works for every argument type DuckDB can bind to its body.
 */
export const SPARK_MACROS: readonly string[] = [
  // size(NULL) = -1 as in Spark 3 with spark.sql.legacy.sizeOfNull=true (the default without ANSI mode). A macro
  // binds every branch whatever the type, so each branch casts to a type its function accepts; typeof() is folded
  // at bind time. Measured on 2M rows: 94 ms against 13 ms for a bare len(), 570 ms for a JSON-based version.
  `CREATE OR REPLACE TEMP MACRO spark_size(x) AS CASE WHEN x IS NULL THEN -1
     WHEN typeof(x) LIKE 'MAP(%' THEN len(map_keys(TRY_CAST(x AS MAP(VARCHAR, VARCHAR))))
     ELSE len(TRY_CAST(x AS VARCHAR[])) END`,
  ...['INTEGER', 'BIGINT', 'SMALLINT', 'TINYINT'].map(integralCast),
  // explode_outer keeps a row (NULL) for a NULL or empty array.
  `CREATE OR REPLACE TEMP MACRO spark_outer_list(a) AS CASE WHEN a IS NULL OR len(a) = 0 THEN [NULL] ELSE a END`,
  // sequence(a, b) counts down when a > b (Spark's default step is 1 or -1); the end is inclusive.
  `CREATE OR REPLACE TEMP MACRO spark_sequence(a, b) AS generate_series(a, b, CASE WHEN a <= b THEN 1 ELSE -1 END)`,
  // initcap: first letter of each space-separated word upper case, the rest lower case.
  `CREATE OR REPLACE TEMP MACRO spark_initcap(s) AS
     array_to_string(list_transform(string_split(lower(s), ' '), lambda w: upper(w[1]) || w[2:]), ' ')`,
  // substring(s, pos, len) with Spark's rules: pos 0 is 1, negative pos counts from the end, the window is
  // clipped to the string (UTF8String.substringSQL).
  `CREATE OR REPLACE TEMP MACRO spark_substr_at(s, st, l) AS CASE
     WHEN greatest(st, 0) >= st + l THEN ''
     ELSE substring(s, greatest(st, 0) + 1, least(st + l, length(s)) - greatest(st, 0)) END`,
  `CREATE OR REPLACE TEMP MACRO spark_substr(s, p, l) AS spark_substr_at(s,
     CAST(CASE WHEN p > 0 THEN p - 1 WHEN p < 0 THEN length(s) + p ELSE 0 END AS BIGINT), CAST(l AS BIGINT))`,
  // locate(sub, s, pos): 1-based position at or after pos, 0 when absent or pos < 1.
  `CREATE OR REPLACE TEMP MACRO spark_locate(sub, s, p) AS CASE WHEN p < 1 THEN 0
     WHEN instr(substring(s, p), sub) = 0 THEN 0 ELSE instr(substring(s, p), sub) + p - 1 END`,
  // slice(a, start, n): 1-based start, negative start counts from the end.
  `CREATE OR REPLACE TEMP MACRO spark_slice(a, st, n) AS list_slice(a,
     CASE WHEN st < 0 THEN len(a) + st + 1 ELSE st END, CASE WHEN st < 0 THEN len(a) + st + n ELSE st + n - 1 END)`,
  // Whole months between two timestamps as java.time's ChronoUnit.MONTHS.between (Spark's timestampdiff):
  // DuckDB's date_sub counts Jan 31 → Feb 29 as a month, Java does not.
  `CREATE OR REPLACE TEMP MACRO spark_month_diff_at(m, a, b) AS
     m - CASE WHEN m > 0 AND b < a THEN 1 WHEN m < 0 AND b > a THEN -1 ELSE 0 END`,
  `CREATE OR REPLACE TEMP MACRO spark_month_diff(s, e) AS spark_month_diff_at(
     (year(e) * 12 + month(e)) - (year(s) * 12 + month(s)),
     epoch_us(s) - epoch_us(date_trunc('month', s)), epoch_us(e) - epoch_us(date_trunc('month', e)))`,
  // months_between(a, b) as Spark (roundOff): whole months when the days match or both are month ends,
  // otherwise the remainder over a 31-day month, rounded to 8 digits.
  `CREATE OR REPLACE TEMP MACRO spark_months_between(a, b) AS CASE
     WHEN day(a) = day(b) OR (day(a) = day(last_day(a)) AND day(b) = day(last_day(b)))
       THEN CAST((year(a) * 12 + month(a)) - (year(b) * 12 + month(b)) AS DOUBLE)
     ELSE round((year(a) * 12 + month(a)) - (year(b) * 12 + month(b)) + ((day(a) - day(b)) * 86400
       + (epoch(a) - epoch(date_trunc('day', a))) - (epoch(b) - epoch(date_trunc('day', b)))) / 2678400.0, 8) END`,
  // CAST(x AS STRING): Spark prints timestamps in the session zone without an offset; DuckDB appends +00.
  `CREATE OR REPLACE TEMP MACRO spark_string(x) AS CASE WHEN typeof(x) = 'TIMESTAMP WITH TIME ZONE'
     THEN CAST(TRY_CAST(x AS TIMESTAMP) AS VARCHAR) ELSE CAST(x AS VARCHAR) END`,
  // Java zone offsets: Z → +0000, XXX → +00:00 or Z at UTC, xxx → +00:00, X → +00 or Z.
  `CREATE OR REPLACE TEMP MACRO spark_tz_offset(ts, style) AS CASE
     WHEN date_part('timezone', ts) = 0 AND style IN ('X', 'XX', 'XXX') THEN 'Z'
     ELSE (CASE WHEN date_part('timezone', ts) < 0 THEN '-' ELSE '+' END)
       || lpad(CAST(abs(date_part('timezone', ts)) // 3600 AS VARCHAR), 2, '0')
       || (CASE WHEN style IN ('XXX', 'xxx') THEN ':' ELSE '' END)
       || (CASE WHEN style IN ('X', 'x') THEN ''
           ELSE lpad(CAST((abs(date_part('timezone', ts)) % 3600) // 60 AS VARCHAR), 2, '0') END) END`,
];

/** Options for installing the Spark macros. */
export interface SparkMacroOptions {
  /** Session time zone (Spark's spark.sql.session.timeZone); default UTC. Empty string leaves DuckDB's. */
  timeZone?: string;
}

/** Installs the spark_* macros and functions on a connection (idempotent) and sets the session time zone. */
export async function installSparkMacros(conn: DuckDBConnection, opts: SparkMacroOptions = {}): Promise<void> {
  for (const sql of SPARK_MACROS) await conn.run(sql);
  registerSparkUdfs(conn);
  const tz = opts.timeZone ?? 'UTC';
  if (tz !== '') await conn.run(`SET TimeZone = '${tz.replace(/'/g, "''")}'`);
}
