import type { FileSource } from '../../domain/pipeline-definition.js';
import { WeirError } from '../../domain/weir-error.js';
import type { ListedFile } from '../../engine/file-listing.js';
import { javaParseFormat } from '../../engine/spark-sql/java-date-format.js';

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The format of a file source: the format option, else the legacy cloud_files format, else the file extension. */
export function sourceFormat(src: FileSource): string {
  const f = (src.format ?? src.options.format ?? '').toLowerCase();
  if (f) return f;
  const ext = /\.(csv|json|jsonl|parquet|txt)$/i.exec(src.path)?.[1].toLowerCase();
  if (ext) return ext === 'jsonl' ? 'json' : ext === 'txt' ? 'text' : ext;
  throw new WeirError('PIPELINE.INVALID_DEFINITION', `${src.function}('${src.path}'): say which format the files have, e.g. format => 'csv'`);
}

/**
 * DuckDB SQL that reads the given files the way Databricks' read_files / cloud_files does: csv (header, delimiter,
 * types inferred unless inferColumnTypes is false — cloud_files reads strings unless it is true), json (JSON lines
 * or multi-line arrays), parquet and text (one row per line in `value`). Files may have different columns: they are
 * united by name. With `withMetadata`, a `_metadata` struct (file_path, file_name, file_size,
 * file_modification_time) is added. An empty file list yields no rows. With `csv.rejectsTable`, CSV rows DuckDB cannot
 * read are skipped and recorded there (see file-source-relation.ts).
 */
export function fileSourceSql(src: FileSource, files: ListedFile[], withMetadata: boolean, csv?: { rejectsTable: string; types: Record<string, string> }): string {
  const format = sourceFormat(src);
  if (files.length === 0) return emptyRelation(src, format);
  const list = `[${files.map((f) => q(f.path)).join(', ')}]`;
  const o = src.options;
  const inferDefault = src.function === 'cloud_files' ? 'false' : 'true';
  const infer = (o.inferColumnTypes ?? o.inferSchema ?? inferDefault).toLowerCase() === 'true';
  let read: string;
  switch (format) {
    case 'csv': {
      const header = (o.header ?? 'false').toLowerCase() === 'true';
      const sep = o.sep ?? o.delimiter;
      const parts = [`header = ${header}`, 'filename = true', `all_varchar = ${!infer}`];
      if (sep) parts.push(`delim = ${q(sep)}`);
      if (o.quote) parts.push(`quote = ${q(o.quote)}`);
      if (o.escape) parts.push(`escape = ${q(o.escape)}`);
      if (o.nullValue) parts.push(`nullstr = ${q(o.nullValue)}`);
      if (o.dateFormat) parts.push(`dateformat = ${q(javaParseFormat(o.dateFormat))}`);
      if (o.timestampFormat) parts.push(`timestampformat = ${q(javaParseFormat(o.timestampFormat))}`);
      if (!csv) {
        read = `SELECT * FROM read_csv(${list}, ${[...parts, 'union_by_name = true'].join(', ')})`;
        break;
      }
      // DuckDB records rejected rows only without union_by_name: read file by file, then unite by name.
      parts.push('store_rejects = true', `rejects_table = ${q(csv.rejectsTable)}`, `rejects_scan = ${q(`${csv.rejectsTable}_scans`)}`);
      if (Object.keys(csv.types).length) parts.push(`types = {${Object.entries(csv.types).map(([c, t]) => `${q(c)}: ${q(t)}`).join(', ')}}`);
      read = files.map((f) => `SELECT * FROM read_csv([${q(f.path)}], ${parts.join(', ')})`).join(' UNION ALL BY NAME ');
      break;
    }
    case 'json':
      read = `SELECT * FROM read_json(${list}, format = 'auto', union_by_name = true, filename = true${infer ? '' : ", sample_size = -1"})`;
      break;
    case 'parquet':
      read = `SELECT * FROM read_parquet(${list}, union_by_name = true, filename = true, hive_partitioning = false)`;
      break;
    case 'text':
      read = `SELECT unnest(string_split(rtrim(content, chr(10)), chr(10))) AS value, filename FROM read_text(${list})`;
      break;
    default:
      throw new WeirError('PIPELINE.INVALID_DEFINITION', `${src.function}('${src.path}'): format '${format}' is not supported; use csv, json, parquet or text`);
  }
  if (!withMetadata) return `SELECT * EXCLUDE (filename) FROM (${read})`;
  const meta = files.map((f) => `(${q(f.path)}, ${f.size}, ${f.mtimeMs})`).join(', ');
  return `SELECT r.* EXCLUDE (filename), struct_pack(file_path := r.filename, file_name := parse_filename(r.filename), file_size := m.size, file_modification_time := make_timestamp(m.mtime * 1000)) AS _metadata FROM (${read}) r JOIN (VALUES ${meta}) AS m(path, size, mtime) ON m.path = r.filename`;
}

function emptyRelation(src: FileSource, format: string): string {
  // Nothing new: a relation with no rows. Its columns do not matter for an append of zero rows, which is skipped.
  if (format === 'text') return 'SELECT NULL::VARCHAR AS value WHERE false';
  return `SELECT NULL AS _no_new_files_in_${src.function} WHERE false`;
}
