import type { DuckDBConnection } from '@duckdb/node-api';
import type { FileSource } from '../../domain/pipeline-definition.js';
import { WeirError } from '../../domain/weir-error.js';
import type { ListedFile } from '../../engine/file-listing.js';
import type { FlowCheckpoint } from './flow-checkpoint.js';
import { fileSourceSql, sourceFormat } from './file-source-sql.js';

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
let seq = 0;

/**
 * The rows a file source yields for one batch, as DuckDB SQL, with Auto Loader's data-quality rules:
 * - `schemaHints` ('amount DOUBLE, ts TIMESTAMP') fix column types;
 * - CSV rows that do not parse (wrong type, wrong column count) never vanish: with `rescuedDataColumn` they come
 *   back as a row whose `_rescued_data` holds the raw line, file and line number; without it the flow fails naming
 *   the file and line;
 * - columns that appear in later files follow `schemaEvolutionMode`: addNewColumns (default: kept, the table
 *   gains them), rescue (packed as JSON into `_rescued_data`), failOnNewColumns (the flow fails naming them), none
 *   (dropped). The columns seen so far are remembered in the flow's checkpoint.
 */
export async function fileSourceRelation(conn: DuckDBConnection, src: FileSource, files: ListedFile[], withMetadata: boolean, next: FlowCheckpoint): Promise<string> {
  const rescue = src.options.rescuedDataColumn;
  const hints = parseSchemaHints(src);
  const csv = sourceFormat(src) === 'csv';
  let sql = fileSourceSql(src, files, withMetadata, csv && files.length > 0 ? { rejectsTable: `__weir_rejects_${++seq}`, types: hints } : undefined);
  if (csv && files.length) sql = await materializeCsv(conn, sql, `__weir_rejects_${seq}`, rescue);
  // CSV applies the hints while parsing (so a bad value is a rejected row); other formats cast after reading.
  else if (Object.keys(hints).length && files.length) sql = `SELECT * REPLACE (${Object.entries(hints).map(([c, t]) => `CAST(${quote(c)} AS ${t}) AS ${quote(c)}`).join(', ')}) FROM (${sql})`;
  if (!files.length) return sql;
  const columns = (await conn.runAndReadAll(`DESCRIBE ${sql}`)).getRowObjectsJson().map((r) => String(r.column_name));
  const known = next.schemas?.[src.path];
  next.schemas = { ...(next.schemas ?? {}), [src.path]: known ?? columns };
  if (!known) return rescue && !columns.includes(rescue) ? `SELECT *, CAST(NULL AS VARCHAR) AS ${quote(rescue)} FROM (${sql})` : sql;
  const added = columns.filter((c) => !known.includes(c) && c !== rescue && c !== '_metadata');
  const mode = (src.options.schemaEvolutionMode ?? (rescue ? 'rescue' : 'addNewColumns')).toLowerCase();
  if (!added.length) return sql;
  switch (mode) {
    case 'addnewcolumns':
      next.schemas[src.path] = [...known, ...added];
      return sql;
    case 'none':
      return `SELECT * EXCLUDE (${added.map(quote).join(', ')}) FROM (${sql})`;
    case 'failonnewcolumns':
      throw new WeirError('PIPELINE.SCHEMA_CHANGE', `${src.path}: new column(s) ${added.join(', ')} appeared in the files, and schemaEvolutionMode is failOnNewColumns; add them to the query's schema or change the mode`);
    case 'rescue': {
      const column = rescue ?? '_rescued_data';
      const packed = `to_json(struct_pack(${added.map((c) => `${quote(c)} := ${quote(c)}`).join(', ')}))`;
      const merged = columns.includes(column) ? `coalesce(json_merge_patch(${quote(column)}, ${packed}), ${packed})` : packed;
      return `SELECT * EXCLUDE (${[...added, ...(columns.includes(column) ? [column] : [])].map(quote).join(', ')}), ${merged} AS ${quote(column)} FROM (${sql})`;
    }
    default:
      throw new WeirError('PIPELINE.INVALID_DEFINITION', `${src.path}: schemaEvolutionMode '${src.options.schemaEvolutionMode}' is not one of addNewColumns, rescue, failOnNewColumns, none`);
  }
}

/** Reads the CSV files once into a temp table, so the rows DuckDB rejected are known before anything is written. */
async function materializeCsv(conn: DuckDBConnection, sql: string, rejects: string, rescue: string | undefined): Promise<string> {
  const table = `${rejects}_rows`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${table} AS ${sql}`);
  const bad = (await conn.runAndReadAll(`SELECT s.file_path, e.line, e.error_message, e.csv_line FROM ${rejects} e JOIN ${rejects}_scans s USING (scan_id, file_id) ORDER BY s.file_path, e.line`)).getRowObjectsJson();
  if (!bad.length) return `SELECT * FROM ${table}`;
  if (!rescue) {
    const shown = bad.slice(0, 3).map((b) => `${b.file_path}:${b.line}: ${b.error_message}`).join('; ');
    throw new WeirError('PIPELINE.MALFORMED_INPUT', `${bad.length} CSV row(s) could not be read: ${shown}. Fix the files, or set rescuedDataColumn => '_rescued_data' to keep such rows in that column`);
  }
  const rescued = `SELECT to_json(struct_pack(raw := e.csv_line, file_path := s.file_path, line := e.line, error := e.error_message)) AS ${quote(rescue)} FROM ${rejects} e JOIN ${rejects}_scans s USING (scan_id, file_id)`;
  return `SELECT *, CAST(NULL AS VARCHAR) AS ${quote(rescue)} FROM ${table} UNION ALL BY NAME ${rescued}`;
}

const SPARK_TYPES: Record<string, string> = {
  string: 'VARCHAR', int: 'INTEGER', integer: 'INTEGER', bigint: 'BIGINT', long: 'BIGINT', smallint: 'SMALLINT', short: 'SMALLINT', tinyint: 'TINYINT',
  byte: 'TINYINT', double: 'DOUBLE', float: 'FLOAT', real: 'FLOAT', boolean: 'BOOLEAN', date: 'DATE', timestamp: 'TIMESTAMPTZ', timestamp_ntz: 'TIMESTAMP', binary: 'BLOB',
};

/** schemaHints ('amount DOUBLE, id BIGINT, price DECIMAL(10,2)') as DuckDB types by column. */
function parseSchemaHints(src: FileSource): Record<string, string> {
  const text = src.options.schemaHints?.trim();
  if (!text) return {};
  const out: Record<string, string> = {};
  for (const part of text.split(/,(?![^(]*\))/)) {
    const m = /^`?([^`\s]+)`?\s+(\w+)(\s*\(\s*\d+\s*,\s*\d+\s*\))?$/.exec(part.trim());
    const base = m?.[2].toLowerCase();
    const type = base === 'decimal' || base === 'numeric' ? `DECIMAL${m?.[3]?.replace(/\s/g, '') ?? '(10,0)'}` : base ? SPARK_TYPES[base] : undefined;
    if (!m || !type) {
      throw new WeirError('PIPELINE.INVALID_DEFINITION', `${src.path}: schemaHints entry "${part.trim()}" is not "column type" with a type among ${Object.keys(SPARK_TYPES).join(', ')}, decimal(p,s)`);
    }
    out[m[1]] = type;
  }
  return out;
}
