import { SPARK_DATE_FUNCTIONS } from './spark-date-functions.js';
import { translateType } from './spark-types.js';
import { buildTree } from './sql-tree.js';
import { tokenize } from './tokenizer.js';
import { argList, arity, callError, literalArg, rename, sqlString, type FunctionRewrite, type SparkCall } from './spark-call.js';
import { javaRegex, javaReplacement } from './java-regex.js';

/** A regex argument: literals are converted from Java syntax to RE2 at translation time. */
function regexArg(c: SparkCall, i: number): string {
  const a = c.args[i];
  return a.literal === undefined ? a.text : sqlString(javaRegex(a.literal));
}

const nonNullList = (c: SparkCall, distinct: boolean): string => {
  arity(c, 1);
  const x = c.args[0].text;
  const agg = `list(${distinct ? 'DISTINCT ' : ''}${x}) FILTER (WHERE ${x} IS NOT NULL)`;
  // Spark returns [] for a group of only NULLs; a window call must stay a bare aggregate before OVER.
  return c.windowed ? agg : `coalesce(${agg}, [])`;
};

const sha2: FunctionRewrite = (c) => {
  arity(c, 2);
  const bits = c.args[1].text.trim();
  if (bits === '256' || bits === '0') return `sha256(${c.args[0].text})`;
  return `spark_sha2(CAST(${c.args[0].text} AS VARCHAR), ${bits})`;
};

const structOf: FunctionRewrite = (c) => {
  const fields = c.args.map((a, i) => {
    const m = /^([\s\S]*?)\s+AS\s+("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)\s*$/i.exec(a.text);
    if (m) return `${m[2]} := ${m[1]}`;
    const name = /(?:^|\.)("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)$/.exec(a.text.trim());
    const simple = /^(?:(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)\.)*(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)$/.test(a.text.trim());
    return `${simple && name ? name[1] : `col${i + 1}`} := ${a.text}`;
  });
  return `struct_pack(${fields.join(', ')})`;
};

const namedStruct: FunctionRewrite = (c) => {
  if (c.args.length % 2 !== 0) throw callError(c, 'SQL.SYNTAX', 'takes name/value pairs', "write named_struct('a', x, 'b', y)");
  const fields: string[] = [];
  for (let i = 0; i < c.args.length; i += 2) {
    const name = c.args[i].literal;
    if (name === undefined) throw callError(c, 'SQL.UNSUPPORTED_SYNTAX', 'field names must be string literals', "write named_struct('a', x)");
    fields.push(`"${name.replace(/"/g, '""')}" := ${c.args[i + 1].text}`);
  }
  return `struct_pack(${fields.join(', ')})`;
};

const mapOf: FunctionRewrite = (c) => {
  if (c.args.length % 2 !== 0) throw callError(c, 'SQL.SYNTAX', 'takes key/value pairs', 'write map(k1, v1, k2, v2)');
  const pairs: string[] = [];
  for (let i = 0; i < c.args.length; i += 2) pairs.push(`${c.args[i].text}: ${c.args[i + 1].text}`);
  return `MAP {${pairs.join(', ')}}`;
};

const splitFn: FunctionRewrite = (c) => {
  arity(c, 2, 3);
  const limit = c.args[2]?.text.trim();
  if (limit !== undefined && limit !== '-1' && limit !== '0') {
    throw callError(c, 'SQL.UNSUPPORTED_SYNTAX', 'a positive limit is not supported', 'drop the limit argument or slice the result');
  }
  return `string_split_regex(${c.args[0].text}, ${regexArg(c, 1)})`;
};

const regexpReplace: FunctionRewrite = (c) => {
  arity(c, 3);
  const rep = c.args[2].literal === undefined ? c.args[2].text : sqlString(javaReplacement(c.args[2].literal));
  return `regexp_replace(${c.args[0].text}, ${regexArg(c, 1)}, ${rep}, 'g')`;
};

const regexpExtract = (fn: string): FunctionRewrite => (c) => {
  arity(c, 2, 3);
  return `${fn}(${c.args[0].text}, ${regexArg(c, 1)}, ${c.args[2]?.text ?? '1'})`;
};

const regexpMatches: FunctionRewrite = (c) => (arity(c, 2), `regexp_matches(${c.args[0].text}, ${regexArg(c, 1)})`);

const castTo = (type: string): FunctionRewrite => (c) => {
  arity(c, 1);
  const integral = ['INTEGER', 'BIGINT', 'SMALLINT', 'TINYINT'].includes(type);
  return integral ? `spark_to_${type.toLowerCase()}(${c.args[0].text})` : `CAST(${c.args[0].text} AS ${type})`;
};

const logFn: FunctionRewrite = (c) => {
  arity(c, 1, 2);
  return c.args.length === 1 ? `ln(${c.args[0].text})` : `(ln(${c.args[1].text}) / ln(${c.args[0].text}))`;
};

const firstLast = (fn: 'first' | 'last'): FunctionRewrite => (c) => {
  arity(c, 1, 2);
  const x = c.args[0].text;
  const ignoreNulls = c.args[1]?.text.trim().toLowerCase() === 'true';
  return ignoreNulls ? `${fn}(${x}) FILTER (WHERE ${x} IS NOT NULL)` : `${fn}(${x})`;
};

/** from_json(json, 'a INT, b STRING') → a cast of the JSON to the DuckDB type; malformed JSON gives NULL. */
const fromJson: FunctionRewrite = (c) => {
  arity(c, 2, 3);
  const schema = literalArg(c, 1, 'schema').trim();
  const ddl = /^(struct|array|map)\s*</i.test(schema) ? schema : `STRUCT<${schema}>`;
  let type: string;
  try {
    type = translateType(buildTree(tokenize(ddl)));
  } catch (e) {
    throw callError(c, 'SQL.UNSUPPORTED_SYNTAX', `the schema '${schema}' is not a Spark DDL type (${(e as Error).message})`, "write it as 'a INT, b STRING'");
  }
  const j = c.args[0].text;
  return `TRY_CAST(CASE WHEN json_valid(${j}) THEN CAST(${j} AS JSON) END AS ${type})`;
};

const aggregateFn: FunctionRewrite = (c) => {
  arity(c, 3);
  return `list_reduce(${c.args[0].text}, ${c.args[2].text}, ${c.args[1].text})`;
};

const formatNumber: FunctionRewrite = (c) => {
  arity(c, 2);
  const d = c.args[1].text.trim();
  if (!/^\d+$/.test(d)) {
    throw callError(c, 'SQL.UNSUPPORTED_SYNTAX', 'the number of decimals must be an integer literal', 'write format_number(x, 2)');
  }
  return `format('{:,.${d}f}', ${c.args[0].text})`;
};

/** decode(expr, search1, result1, …[, default]): the first search equal to expr (NULL matches NULL). */
const decodeFn: FunctionRewrite = (c) => {
  arity(c, 3, Infinity);
  const [e, ...rest] = c.args.map((a) => a.text);
  let sql = 'CASE';
  for (let i = 0; i + 1 < rest.length; i += 2) sql += ` WHEN ${e} IS NOT DISTINCT FROM ${rest[i]} THEN ${rest[i + 1]}`;
  return `${sql}${rest.length % 2 === 1 ? ` ELSE ${rest[rest.length - 1]}` : ''} END`;
};

/** Spark functions that need a different DuckDB spelling or semantics, by lower-case name. */
export const SPARK_FUNCTIONS: Record<string, FunctionRewrite> = {
  ...SPARK_DATE_FUNCTIONS,
  from_json: fromJson,
  get_json_object: (c) => (arity(c, 2), `json_extract_string(${argList(c)})`),
  explode: (c) => (arity(c, 1), `unnest(${c.args[0].text})`),
  explode_outer: (c) => (arity(c, 1), `unnest(spark_outer_list(${c.args[0].text}))`),
  sequence: (c) => (arity(c, 2, 3), c.args.length === 2 ? `spark_sequence(${argList(c)})` : `generate_series(${argList(c)})`),
  initcap: (c) => (arity(c, 1), `spark_initcap(${c.args[0].text})`),
  sha1: (c) => (arity(c, 1), `sha1(${c.args[0].text})`),
  sha: (c) => (arity(c, 1), `sha1(${c.args[0].text})`),
  sha2,
  nvl: (c) => (arity(c, 2), `coalesce(${argList(c)})`),
  raise_error: (c) => (arity(c, 1), `error(${c.args[0].text})`),
  assert_true: (c) => `CASE WHEN ${c.args[0].text} THEN NULL ELSE error(${c.args[1]?.text ?? `'assert_true failed: ' || ${sqlString(c.args[0].text)}`}) END`,
  ifnull: (c) => (arity(c, 2), `coalesce(${argList(c)})`),
  nvl2: (c) => (arity(c, 3), `CASE WHEN ${c.args[0].text} IS NOT NULL THEN ${c.args[1].text} ELSE ${c.args[2].text} END`),
  isnull: (c) => (arity(c, 1), `(${c.args[0].text} IS NULL)`),
  isnotnull: (c) => (arity(c, 1), `(${c.args[0].text} IS NOT NULL)`),
  collect_list: (c) => nonNullList(c, false),
  array_agg: (c) => nonNullList(c, false),
  collect_set: (c) => nonNullList(c, true),
  size: (c) => (arity(c, 1), `spark_size(${c.args[0].text})`),
  cardinality: (c) => (arity(c, 1), `spark_size(${c.args[0].text})`),
  array_size: (c) => (arity(c, 1), `len(${c.args[0].text})`),
  array_contains: (c) => (arity(c, 2), `list_contains(${argList(c)})`),
  array: (c) => `list_value(${argList(c)})`,
  array_join: (c) => (arity(c, 2, 3), `array_to_string(${c.args[0].text}, ${c.args[1].text})`),
  array_distinct: rename('list_distinct'),
  array_max: rename('list_max'),
  array_min: rename('list_min'),
  array_position: (c) => (arity(c, 2), `coalesce(list_position(${argList(c)}), 0)`),
  array_sort: (c) => (arity(c, 1), `list_sort(${c.args[0].text}, 'ASC', 'NULLS LAST')`),
  sort_array: (c) => {
    arity(c, 1, 2);
    const asc = (c.args[1]?.text.trim().toLowerCase() ?? 'true') !== 'false';
    return `list_sort(${c.args[0].text}, ${asc ? "'ASC', 'NULLS FIRST'" : "'DESC', 'NULLS LAST'"})`;
  },
  element_at: (c) => (arity(c, 2), `(${c.args[0].text})[${c.args[1].text}]`),
  slice: (c) => (arity(c, 3), `spark_slice(${argList(c)})`),
  transform: rename('list_transform'),
  filter: rename('list_filter'),
  struct: structOf,
  named_struct: namedStruct,
  map: mapOf,
  map_from_arrays: rename('map'),
  concat: (c) => (arity(c, 1, Infinity), c.args.length === 1 ? c.args[0].text : `(${c.args.map((a) => a.text).join(' || ')})`),
  split: splitFn,
  substring: (c) => (arity(c, 2, 3), `spark_substr(${c.args[0].text}, ${c.args[1].text}, ${c.args[2]?.text ?? '2147483647'})`),
  substr: (c) => (arity(c, 2, 3), `spark_substr(${c.args[0].text}, ${c.args[1].text}, ${c.args[2]?.text ?? '2147483647'})`),
  locate: (c) => (arity(c, 2, 3), `spark_locate(${c.args[0].text}, ${c.args[1].text}, ${c.args[2]?.text ?? '1'})`),
  lpad: (c) => (arity(c, 2, 3), `lpad(${c.args[0].text}, ${c.args[1].text}, ${c.args[2]?.text ?? "' '"})`),
  rpad: (c) => (arity(c, 2, 3), `rpad(${c.args[0].text}, ${c.args[1].text}, ${c.args[2]?.text ?? "' '"})`),
  replace: (c) => (arity(c, 2, 3), `replace(${c.args[0].text}, ${c.args[1].text}, ${c.args[2]?.text ?? "''"})`),
  regexp_extract: regexpExtract('regexp_extract'),
  regexp_extract_all: regexpExtract('regexp_extract_all'),
  regexp_replace: regexpReplace,
  rlike: regexpMatches,
  regexp: regexpMatches,
  regexp_like: regexpMatches,
  startswith: rename('starts_with'),
  endswith: rename('ends_with'),
  base64: (c) => (arity(c, 1), `to_base64(CAST(${c.args[0].text} AS BLOB))`),
  unbase64: rename('from_base64'),
  format_string: rename('printf'),
  first: firstLast('first'),
  last: firstLast('last'),
  first_value: firstLast('first'),
  last_value: firstLast('last'),
  any_value: (c) => (arity(c, 1, 2), `any_value(${c.args[0].text})`),
  every: rename('bool_and'),
  some: rename('bool_or'),
  any: rename('bool_or'),
  percentile: (c) => (arity(c, 2), `quantile_cont(${argList(c)})`),
  percentile_approx: (c) => (arity(c, 2, 3), `approx_quantile(${c.args[0].text}, ${c.args[1].text})`),
  approx_percentile: (c) => (arity(c, 2, 3), `approx_quantile(${c.args[0].text}, ${c.args[1].text})`),
  log: logFn,
  ln: rename('ln'),
  pmod: (c) => (arity(c, 2), `(((${c.args[0].text}) % (${c.args[1].text}) + (${c.args[1].text})) % (${c.args[1].text}))`),
  signum: rename('sign'),
  rand: (c) => (arity(c, 0, 1), 'random()'),
  random: (c) => (arity(c, 0, 1), 'random()'),
  string: (c) => (arity(c, 1), `spark_string(${c.args[0].text})`),
  exists: (c) => (arity(c, 2), `list_aggregate(list_transform(${argList(c)}), 'bool_or')`),
  forall: (c) => (arity(c, 2), `list_aggregate(list_transform(${argList(c)}), 'bool_and')`),
  int: castTo('INTEGER'),
  bigint: castTo('BIGINT'),
  smallint: castTo('SMALLINT'),
  tinyint: castTo('TINYINT'),
  double: castTo('DOUBLE'),
  float: castTo('FLOAT'),
  boolean: castTo('BOOLEAN'),
  date: castTo('DATE'),
  timestamp: castTo('TIMESTAMPTZ'),
  binary: castTo('BLOB'),
  decimal: castTo('DECIMAL(10, 0)'),
  aggregate: aggregateFn,
  reduce: aggregateFn,
  format_number: formatNumber,
  decode: decodeFn,
  len: rename('length'),
  monotonically_increasing_id: (c) => (arity(c, 0), '(row_number() OVER () - 1)'),
  nanvl: (c) => (arity(c, 2), `CASE WHEN isnan(${c.args[0].text}) THEN ${c.args[1].text} ELSE ${c.args[0].text} END`),
  try_divide: (c) => (arity(c, 2), `CASE WHEN (${c.args[1].text}) = 0 THEN NULL ELSE (${c.args[0].text}) / (${c.args[1].text}) END`),
  nullifzero: (c) => (arity(c, 1), `nullif(${c.args[0].text}, 0)`),
  zeroifnull: (c) => (arity(c, 1), `coalesce(${c.args[0].text}, 0)`),
  uuid: (c) => (arity(c, 0), 'CAST(uuid() AS VARCHAR)'),
};
