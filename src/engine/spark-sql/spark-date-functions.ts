import { DateFormatError, javaDateFormat, javaParseFormat } from './java-date-format.js';
import { arity, callError, literalArg, sqlString, unitArg, type FunctionRewrite, type SparkCall } from './spark-call.js';

const DEFAULT_FORMAT = 'yyyy-MM-dd HH:mm:ss';
const TS = (x: string): string => `CAST(${x} AS TIMESTAMPTZ)`;
const DATE = (x: string): string => `CAST(${x} AS DATE)`;

/** Translates the Java pattern at argument `index`, turning a bad letter into a positioned error. */
function pattern<T>(call: SparkCall, index: number, fallback: string | undefined, f: (p: string) => T): T {
  const p = call.args[index] === undefined && fallback !== undefined ? fallback : literalArg(call, index, 'date pattern');
  try {
    return f(p);
  } catch (e) {
    if (!(e instanceof DateFormatError)) throw e;
    throw callError(call, 'SQL.UNSUPPORTED_SYNTAX', `${e.message} has no DuckDB equivalent`, 'see docs/sql.md for the supported pattern letters');
  }
}

/** SQL that formats the timestamp expression `ts` with a Java pattern. */
function formatExpr(call: SparkCall, ts: string, index: number, fallback?: string): string {
  const segs = pattern(call, index, fallback, (p) => javaDateFormat(p, false));
  const parts = segs.map((s) => (s.kind === 'strftime' ? `strftime(${ts}, ${sqlString(s.text)})` : `spark_tz_offset(${ts}, ${sqlString(s.style)})`));
  return parts.length === 0 ? `''` : parts.length === 1 ? parts[0] : `(${parts.join(' || ')})`;
}

/** SQL that parses a string with a Java pattern (NULL when it does not match, as Spark without ANSI). */
function parseExpr(call: SparkCall, index: number, fallback?: string): string {
  const fmt = pattern(call, index, fallback, javaParseFormat);
  return TS(`try_strptime(CAST(${call.args[0].text} AS VARCHAR), ${sqlString(fmt)})`);
}

const epochSeconds = (ts: string): string => `CAST(floor(epoch(${ts})) AS BIGINT)`;

const UNIT_ADD: Record<string, (n: string) => string> = {
  microsecond: (n) => `to_microseconds(${n})`,
  millisecond: (n) => `to_milliseconds(${n})`,
  second: (n) => `to_seconds(${n})`,
  minute: (n) => `to_minutes(${n})`,
  hour: (n) => `to_hours(${n})`,
  day: (n) => `to_days(${n})`,
  week: (n) => `to_weeks(${n})`,
  month: (n) => `to_months(${n})`,
  quarter: (n) => `to_months(3 * ${n})`,
  year: (n) => `to_years(${n})`,
};

const timestampDiff: FunctionRewrite = (c) => {
  arity(c, 3);
  const unit = unitArg(c, 0);
  const [s, e] = [TS(c.args[1].text), TS(c.args[2].text)];
  if (unit === 'month') return `spark_month_diff(${s}, ${e})`;
  if (unit === 'quarter' || unit === 'year') {
    return `CAST(trunc(spark_month_diff(${s}, ${e}) / ${unit === 'year' ? 12 : 3}) AS BIGINT)`;
  }
  return `date_sub('${unit}', ${s}, ${e})`;
};

const timestampAdd: FunctionRewrite = (c) => {
  arity(c, 3);
  const add = UNIT_ADD[unitArg(c, 0)];
  return `(${TS(c.args[2].text)} + ${add(`CAST(${c.args[1].text} AS BIGINT)`)})`;
};

const TRUNC_UNITS: Record<string, string> = {
  YEAR: 'year', YYYY: 'year', YY: 'year', QUARTER: 'quarter', MONTH: 'month', MM: 'month', MON: 'month',
  WEEK: 'week', DAY: 'day', DD: 'day', HOUR: 'hour', MINUTE: 'minute', SECOND: 'second',
  MILLISECOND: 'millisecond', MICROSECOND: 'microsecond',
};

function truncUnit(call: SparkCall, index: number): string {
  const u = TRUNC_UNITS[literalArg(call, index, 'truncation unit').toUpperCase()];
  if (!u) throw callError(call, 'SQL.UNSUPPORTED_SYNTAX', `unknown unit`, `use one of ${Object.keys(TRUNC_UNITS).join(', ')}`);
  return u;
}

function onDate(fn: string): FunctionRewrite {
  return (c) => (arity(c, 1), `${fn}(${DATE(c.args[0].text)})`);
}

function onTimestamp(fn: string): FunctionRewrite {
  return (c) => (arity(c, 1), `${fn}(${TS(c.args[0].text)})`);
}

/** Spark date and time functions whose DuckDB form differs. */
export const SPARK_DATE_FUNCTIONS: Record<string, FunctionRewrite> = {
  date_format: (c) => (arity(c, 2), formatExpr(c, TS(c.args[0].text), 1)),
  to_date: (c) => (arity(c, 1, 2), c.args.length === 1 ? `TRY_CAST(${c.args[0].text} AS DATE)` : DATE(parseExpr(c, 1))),
  to_timestamp: (c) => (arity(c, 1, 2), c.args.length === 1 ? `TRY_CAST(${c.args[0].text} AS TIMESTAMPTZ)` : parseExpr(c, 1)),
  from_unixtime: (c) => (arity(c, 1, 2), formatExpr(c, `to_timestamp(CAST(${c.args[0].text} AS DOUBLE))`, 1, DEFAULT_FORMAT)),
  unix_timestamp: unixTimestamp,
  to_unix_timestamp: unixTimestamp,
  current_timestamp: (c) => (arity(c, 0), 'current_timestamp'),
  current_date: (c) => (arity(c, 0), 'current_date'),
  curdate: (c) => (arity(c, 0), 'current_date'),
  localtimestamp: (c) => (arity(c, 0), 'CAST(current_timestamp AS TIMESTAMP)'),
  datediff: (c) => {
    arity(c, 2, 3);
    if (c.args.length === 3) return timestampDiff(c);
    return `datediff('day', ${DATE(c.args[1].text)}, ${DATE(c.args[0].text)})`;
  },
  date_diff: (c) => (c.args.length === 3 ? timestampDiff(c) : SPARK_DATE_FUNCTIONS.datediff(c)),
  timestampdiff: timestampDiff,
  timediff: timestampDiff,
  timestampadd: timestampAdd,
  date_add: (c) => (c.args.length === 3 ? timestampAdd(c) : (arity(c, 2), `CAST(${DATE(c.args[0].text)} + CAST(${c.args[1].text} AS INTEGER) AS DATE)`)),
  dateadd: (c) => (c.args.length === 3 ? timestampAdd(c) : SPARK_DATE_FUNCTIONS.date_add(c)),
  date_sub: (c) => (arity(c, 2), `CAST(${DATE(c.args[0].text)} - CAST(${c.args[1].text} AS INTEGER) AS DATE)`),
  months_between: (c) => (arity(c, 2, 3), `spark_months_between(${TS(c.args[0].text)}, ${TS(c.args[1].text)})`),
  add_months: (c) => (arity(c, 2), `CAST(${DATE(c.args[0].text)} + to_months(CAST(${c.args[1].text} AS INTEGER)) AS DATE)`),
  date_trunc: (c) => (arity(c, 2), `date_trunc('${truncUnit(c, 0)}', ${TS(c.args[1].text)})`),
  trunc: (c) => (arity(c, 2), `CAST(date_trunc('${truncUnit(c, 1)}', ${DATE(c.args[0].text)}) AS DATE)`),
  year: onDate('year'),
  quarter: onDate('quarter'),
  month: onDate('month'),
  day: onDate('day'),
  dayofmonth: onDate('dayofmonth'),
  dayofyear: onDate('dayofyear'),
  weekofyear: onDate('weekofyear'),
  last_day: onDate('last_day'),
  dayofweek: (c) => (arity(c, 1), `(dayofweek(${DATE(c.args[0].text)}) + 1)`),
  weekday: (c) => (arity(c, 1), `(isodow(${DATE(c.args[0].text)}) - 1)`),
  hour: onTimestamp('hour'),
  minute: onTimestamp('minute'),
  second: onTimestamp('second'),
  make_timestamp: (c) => (arity(c, 6), `make_timestamptz(${c.args.map((a) => a.text).join(', ')})`),
  timestamp_seconds: (c) => (arity(c, 1), `to_timestamp(CAST(${c.args[0].text} AS DOUBLE))`),
  timestamp_millis: (c) => (arity(c, 1), `timezone('UTC', epoch_ms(CAST(${c.args[0].text} AS BIGINT)))`),
  timestamp_micros: (c) => (arity(c, 1), `timezone('UTC', make_timestamp(CAST(${c.args[0].text} AS BIGINT)))`),
  unix_seconds: (c) => (arity(c, 1), epochSeconds(TS(c.args[0].text))),
  unix_millis: (c) => (arity(c, 1), `epoch_ms(${TS(c.args[0].text)})`),
  unix_micros: (c) => (arity(c, 1), `epoch_us(${TS(c.args[0].text)})`),
  unix_date: (c) => (arity(c, 1), `datediff('day', DATE '1970-01-01', ${DATE(c.args[0].text)})`),
  date_from_unix_date: (c) => (arity(c, 1), `CAST(DATE '1970-01-01' + CAST(${c.args[0].text} AS INTEGER) AS DATE)`),
  from_utc_timestamp: (c) => (arity(c, 2), TS(`timezone(${c.args[1].text}, timezone('UTC', CAST(${c.args[0].text} AS TIMESTAMP)))`)),
  to_utc_timestamp: (c) => (arity(c, 2), TS(`timezone('UTC', timezone(${c.args[1].text}, CAST(${c.args[0].text} AS TIMESTAMP)))`)),
};

function unixTimestamp(c: SparkCall): string {
  arity(c, 0, 2);
  if (c.args.length === 0) return epochSeconds('current_timestamp');
  if (c.args.length === 1) return epochSeconds(`TRY_CAST(${c.args[0].text} AS TIMESTAMPTZ)`);
  return epochSeconds(parseExpr(c, 1));
}
