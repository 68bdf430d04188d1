/**
 * Writes rows into new data files of an existing table with the table's own settings (schema, partitioning,
 * codec, stats columns), and builds the ordered, typed select list DML queries produce rows through.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Clock } from '../../domain/clock.js';
import type { AddFile } from '../actions.js';
import type { Snapshot } from '../snapshot.js';
import { duckDbTypeOf, parseSchemaString, quoteIdent, type DeltaStructType } from '../write/delta-schema.js';
import { statsSettings } from '../write/stats-columns.js';
import { writeDataFiles } from '../write/write-data-files.js';

/** The table schema of a snapshot. */
export function tableSchema(snapshot: Snapshot): DeltaStructType {
  return parseSchemaString(snapshot.metadata.schemaString, snapshot.tablePath);
}

/**
 * A select list with exactly the table's columns, in order, each cast to its Delta type: `exprs` gives the SQL of
 * a column (default: the column itself, optionally qualified with `qualifier`).
 */
export function typedColumns(schema: DeltaStructType, exprs: (name: string) => string | undefined, qualifier?: string): string {
  return schema.fields
    .map((f) => {
      const expr = exprs(f.name) ?? (qualifier ? `${qualifier}.${quoteIdent(f.name)}` : quoteIdent(f.name));
      return `CAST(${expr} AS ${duckDbTypeOf(f.type)}) AS ${quoteIdent(f.name)}`;
    })
    .join(', ');
}

/** Writes the rows of `query` (exactly the table's columns, in order) and returns their add actions. */
export async function writeTableRows(conn: DuckDBConnection, snapshot: Snapshot, query: string, clock: Clock): Promise<AddFile[]> {
  const schema = tableSchema(snapshot);
  const { configuration, partitionColumns } = snapshot.metadata;
  return writeDataFiles(conn, {
    tablePath: snapshot.tablePath,
    query,
    schema,
    partitionColumns,
    codec: configuration['delta.parquet.compression.codec'] ?? 'zstd',
    stats: statsSettings(configuration, schema, partitionColumns),
    clock,
  });
}
