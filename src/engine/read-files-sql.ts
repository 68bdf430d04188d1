import { javaParseFormat } from './spark-sql/java-date-format.js';

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The formats read_files / cloud_files read. */
export type ReadFilesFormat = 'csv' | 'json' | 'parquet' | 'text';

/** How to read: the options as written in SQL (names in any case) and what the caller needs beside the rows. */
export interface ReadFilesOptions {
  /** `name => value` options of read_files / cloud_files (header, sep, inferColumnTypes, quote …). */
  options: Record<string, string>;
  /** Whether types are inferred when neither inferColumnTypes nor inferSchema says (read_files: yes; cloud_files: no). */
  inferByDefault: boolean;
  /** Adds the `filename` column (the pipelines join `_metadata` on it). */
  filename: boolean;
  /** false: parquet paths like `region=eu/` are not read as partition columns (the pipelines list files themselves). */
  hivePartitioning?: false;
  /** CSV rows DuckDB cannot read are skipped and recorded in this table (files are then read one by one). */
  csvRejects?: { table: string; types: Record<string, string> };
}

/** The format of a read: the format option, else the file extension (`.jsonl` is json, `.txt` text); undefined when neither says. */
export function readFilesFormat(path: string, format: string | undefined): string | undefined {
  const f = (format ?? '').toLowerCase();
  if (f) return f;
  const ext = /\.(csv|json|jsonl|parquet|txt)$/i.exec(path)?.[1].toLowerCase();
  return ext === 'jsonl' ? 'json' : ext === 'txt' ? 'text' : ext;
}

/** True for a format weir reads. */
export function isReadFilesFormat(f: string | undefined): f is ReadFilesFormat {
  return f === 'csv' || f === 'json' || f === 'parquet' || f === 'text';
}

/**
 * A DuckDB SELECT reading `paths` (files or globs) the way Databricks' read_files does: csv (header, delimiter,
 * quote, escape, null value, date formats; types inferred unless told not to), json (JSON lines or multi-line
 * arrays), parquet, and text (one row per line in `value`). Files with different columns are united by name.
 */
export function readFilesSql(format: ReadFilesFormat, paths: string[], r: ReadFilesOptions): string {
  const o = Object.fromEntries(Object.entries(r.options).map(([k, v]) => [k.toLowerCase(), v]));
  const list = `[${paths.map(q).join(', ')}]`;
  const infer = (o.infercolumntypes ?? o.inferschema ?? String(r.inferByDefault)).toLowerCase() === 'true';
  const fn = r.filename ? ', filename = true' : '';
  switch (format) {
    case 'csv': {
      const parts = [`header = ${(o.header ?? 'false').toLowerCase() === 'true'}`, `all_varchar = ${!infer}`];
      if (r.filename) parts.push('filename = true');
      const sep = o.sep ?? o.delimiter;
      if (sep) parts.push(`delim = ${q(sep)}`);
      if (o.quote) parts.push(`quote = ${q(o.quote)}`);
      if (o.escape) parts.push(`escape = ${q(o.escape)}`);
      if (o.nullvalue) parts.push(`nullstr = ${q(o.nullvalue)}`);
      if (o.dateformat) parts.push(`dateformat = ${q(javaParseFormat(o.dateformat))}`);
      if (o.timestampformat) parts.push(`timestampformat = ${q(javaParseFormat(o.timestampformat))}`);
      if (!r.csvRejects) return `SELECT * FROM read_csv(${list}, ${[...parts, 'union_by_name = true'].join(', ')})`;
      // DuckDB records rejected rows only without union_by_name: read file by file, then unite by name.
      const rj = r.csvRejects;
      parts.push('store_rejects = true', `rejects_table = ${q(rj.table)}`, `rejects_scan = ${q(`${rj.table}_scans`)}`);
      if (Object.keys(rj.types).length) parts.push(`types = {${Object.entries(rj.types).map(([c, t]) => `${q(c)}: ${q(t)}`).join(', ')}}`);
      return paths.map((p) => `SELECT * FROM read_csv([${q(p)}], ${parts.join(', ')})`).join(' UNION ALL BY NAME ');
    }
    case 'json':
      return `SELECT * FROM read_json(${list}, format = 'auto', union_by_name = true${fn}${infer ? '' : ', sample_size = -1'})`;
    case 'parquet':
      return `SELECT * FROM read_parquet(${list}, union_by_name = true${fn}${r.hivePartitioning === false ? ', hive_partitioning = false' : ''})`;
    case 'text':
      return `SELECT unnest(string_split(rtrim(content, chr(10)), chr(10))) AS value${r.filename ? ', filename' : ''} FROM read_text(${list})`;
  }
}
