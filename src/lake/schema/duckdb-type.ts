/** The DuckDB SQL type each Delta type reads as (timestamp → TIMESTAMPTZ, timestamp_ntz → TIMESTAMP). */
import { WeirError } from '../../domain/weir-error.js';
import type { DataType, PrimitiveType } from './struct-type.js';

/** The DuckDB SQL type of each Delta primitive type name (decimal aside); shared by the reader and the writer. */
export const PRIMITIVE_SQL: Readonly<Record<string, string>> = {
  string: 'VARCHAR',
  long: 'BIGINT',
  integer: 'INTEGER',
  short: 'SMALLINT',
  byte: 'TINYINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  binary: 'BLOB',
  date: 'DATE',
  timestamp: 'TIMESTAMP WITH TIME ZONE',
  timestamp_ntz: 'TIMESTAMP',
  // A `void` column only ever holds NULL; INTEGER is the type DuckDB gives an untyped NULL column.
  void: 'INTEGER',
};

/** Quotes an identifier for DuckDB SQL. */
export function sqlIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a string literal for DuckDB SQL. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function primitiveSql(t: PrimitiveType): string {
  if (t.name === 'decimal') return `DECIMAL(${t.precision ?? 10},${t.scale ?? 0})`;
  const sql = PRIMITIVE_SQL[t.name];
  if (sql === undefined) {
    throw new WeirError('DELTA.UNSUPPORTED_TYPE', `Delta type "${t.name}" has no DuckDB equivalent in weir's reader; read the table without that column`, { params: { type: t.name } });
  }
  return sql;
}

/** The DuckDB SQL type of a Delta type (`STRUCT("a" BIGINT)`, `VARCHAR[]`, `MAP(VARCHAR, INTEGER)`…). */
export function duckDbType(t: DataType): string {
  switch (t.type) {
    case 'primitive':
      return primitiveSql(t);
    case 'array':
      return `${duckDbType(t.elementType)}[]`;
    case 'map':
      return `MAP(${duckDbType(t.keyType)}, ${duckDbType(t.valueType)})`;
    case 'struct':
      return `STRUCT(${t.fields.map((f) => `${sqlIdent(f.name)} ${duckDbType(f.type)}`).join(', ')})`;
  }
}
