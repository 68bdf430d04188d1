import type { FileSource } from '../../domain/pipeline-definition.js';
import { WeirError } from '../../domain/weir-error.js';
import type { ListedFile } from '../../engine/file-listing.js';
import { isReadFilesFormat, readFilesFormat, readFilesSql } from '../../engine/read-files-sql.js';

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The format of a file source: the format option, else the legacy cloud_files format, else the file extension. */
export function sourceFormat(src: FileSource): string {
  const f = readFilesFormat(src.path, src.format ?? src.options.format);
  if (f) return f;
  throw new WeirError('PIPELINE.INVALID_DEFINITION', `${src.function}('${src.path}'): say which format the files have, e.g. format => 'csv'`);
}

/**
 * DuckDB SQL that reads the given files the way Databricks' read_files / cloud_files does (src/engine/read-files-sql.ts;
 * cloud_files reads strings unless inferColumnTypes is true). With `withMetadata`, a `_metadata` struct (file_path,
 * file_name, file_size, file_modification_time) is added. An empty file list yields no rows. With `csv.rejectsTable`,
 * CSV rows DuckDB cannot read are skipped and recorded there (see file-source-relation.ts).
 */
export function fileSourceSql(src: FileSource, files: ListedFile[], withMetadata: boolean, csv?: { rejectsTable: string; types: Record<string, string> }): string {
  const format = sourceFormat(src);
  if (files.length === 0) return emptyRelation(src, format);
  if (!isReadFilesFormat(format)) {
    throw new WeirError('PIPELINE.INVALID_DEFINITION', `${src.function}('${src.path}'): format '${format}' is not supported; use csv, json, parquet or text`);
  }
  const read = readFilesSql(
    format,
    files.map((f) => f.path),
    { options: src.options, inferByDefault: src.function !== 'cloud_files', filename: true, hivePartitioning: false, csvRejects: csv && { table: csv.rejectsTable, types: csv.types } },
  );
  if (!withMetadata) return `SELECT * EXCLUDE (filename) FROM (${read})`;
  const meta = files.map((f) => `(${q(f.path)}, ${f.size}, ${f.mtimeMs})`).join(', ');
  return `SELECT r.* EXCLUDE (filename), struct_pack(file_path := r.filename, file_name := parse_filename(r.filename), file_size := m.size, file_modification_time := make_timestamp(m.mtime * 1000)) AS _metadata FROM (${read}) r JOIN (VALUES ${meta}) AS m(path, size, mtime) ON m.path = r.filename`;
}

function emptyRelation(src: FileSource, format: string): string {
  // Nothing new: a relation with no rows. Its columns do not matter for an append of zero rows, which is skipped.
  if (format === 'text') return 'SELECT NULL::VARCHAR AS value WHERE false';
  return `SELECT NULL AS _no_new_files_in_${src.function} WHERE false`;
}
