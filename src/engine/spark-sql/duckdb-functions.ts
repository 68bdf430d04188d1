/**
 * Spark functions that DuckDB has under the same name with the same meaning for ordinary inputs; calls to them
 * pass through unchanged. Anything neither here nor in SPARK_FUNCTIONS is reported as unsupported.
 */
export const SAME_IN_DUCKDB: ReadonlySet<string> = new Set([
  // aggregates
  'count', 'sum', 'avg', 'mean', 'min', 'max', 'count_if', 'stddev', 'stddev_samp', 'stddev_pop', 'variance',
  'var_samp', 'var_pop', 'corr', 'covar_pop', 'covar_samp', 'median', 'mode', 'bool_and', 'bool_or',
  'approx_count_distinct', 'max_by', 'min_by', 'kurtosis', 'skewness', 'string_agg', 'listagg', 'bit_and', 'bit_or',
  'bit_xor', 'regr_slope', 'regr_intercept', 'regr_count', 'regr_r2', 'grouping', 'grouping_id', 'product',
  // window
  'row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead', 'nth_value',
  // conditional
  'coalesce', 'nullif', 'if', 'greatest', 'least', 'typeof',
  // math
  'abs', 'ceil', 'ceiling', 'floor', 'round', 'sqrt', 'cbrt', 'exp', 'log10', 'log2', 'pow', 'power', 'mod', 'sign',
  'pi', 'degrees', 'radians', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'atan2', 'sinh', 'cosh', 'tanh', 'cot',
  'factorial', 'gcd', 'lcm', 'hex', 'unhex', 'bin', 'isnan',
  // strings
  'upper', 'lower', 'ucase', 'lcase', 'trim', 'ltrim', 'rtrim', 'length', 'char_length', 'character_length',
  'bit_length', 'octet_length', 'reverse', 'repeat', 'left', 'right', 'ascii', 'chr', 'instr', 'position',
  'translate', 'split_part', 'starts_with', 'ends_with', 'contains', 'md5', 'printf', 'levenshtein', 'concat_ws',
  'strpos', 'to_json',
  // arrays and maps
  'flatten', 'map_keys', 'map_values', 'map_entries', 'map_from_entries', 'array_append',
  'array_prepend', 'array_intersect',
  // dates
  'now', 'make_date', 'date_part', 'extract',
  // special forms the translator handles itself
  'cast', 'try_cast',
]);

/**
 * DuckDB and weir table functions and macros that may appear in Spark SQL given to weir (FROM read_files(…),
 * range(…), …); they pass through unchanged.
 */
export const WEIR_TABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  'read_files', 'read_parquet', 'parquet_scan', 'read_csv', 'read_csv_auto', 'read_json', 'read_json_auto',
  'read_ndjson', 'read_ndjson_auto', 'read_text', 'read_blob', 'range', 'generate_series', 'unnest', 'glob',
  'json_extract', 'json_extract_string', 'list_value', 'struct_pack', 'strftime', 'strptime', 'regexp_matches',
  'list_transform', 'list_filter', 'epoch', 'epoch_ms', 'to_timestamp', 'string_split_regex', 'sha256',
]);
