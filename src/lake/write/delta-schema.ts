/**
 * The Delta schema types the writer needs (PROTOCOL §Schema Serialization Format), how they serialise to
 * `schemaString`, and the DuckDB SQL type each one is written as.
 */
import { PRIMITIVE_SQL, sqlIdent as quoteIdent, sqlString as quoteLiteral } from '../schema/duckdb-type.js';
import { WeirError } from '../../domain/weir-error.js';

/** A Delta primitive name (`long`, `integer`, `decimal(10,2)`, `timestamp_ntz`…) or a nested type. */
export type DeltaType = string | DeltaArrayType | DeltaMapType | DeltaStructType;

/** `{"type":"array",…}`. */
export interface DeltaArrayType {
  type: 'array';
  elementType: DeltaType;
  containsNull: boolean;
}

/** `{"type":"map",…}`. */
export interface DeltaMapType {
  type: 'map';
  keyType: DeltaType;
  valueType: DeltaType;
  valueContainsNull: boolean;
}

/** One field of a struct. */
export interface DeltaField {
  name: string;
  type: DeltaType;
  nullable: boolean;
  metadata: Record<string, unknown>;
}

/** `{"type":"struct","fields":[…]}`; the top-level table schema is one. */
export interface DeltaStructType {
  type: 'struct';
  fields: DeltaField[];
}

/** Parses a `metaData.schemaString`. */
export function parseSchemaString(schemaString: string, tablePath: string): DeltaStructType {
  try {
    const parsed = JSON.parse(schemaString) as DeltaStructType;
    if (parsed.type !== 'struct' || !Array.isArray(parsed.fields)) throw new Error('top level is not a struct');
    return parsed;
  } catch (e) {
    throw new WeirError('DELTA.LOG_CORRUPT', `the table at ${tablePath} has an unreadable metaData.schemaString (${(e as Error).message}); repair the last metaData action in _delta_log`, { cause: e, params: { tablePath } });
  }
}

/** Identifier and literal quoting, shared with the reader. */
export { quoteIdent, quoteLiteral };

/** The DuckDB SQL type a value of this Delta type is written as. */
export function duckDbTypeOf(t: DeltaType): string {
  if (typeof t === 'string') {
    // `void` is readable (always NULL) but weir never writes a column of it.
    const sql = t === 'void' ? undefined : PRIMITIVE_SQL[t];
    if (sql) return sql;
    const dec = /^decimal\((\d+),\s*(\d+)\)$/.exec(t);
    if (dec) return `DECIMAL(${dec[1]},${dec[2]})`;
    throw new WeirError('DELTA.UNSUPPORTED_TYPE', `the Delta type "${t}" cannot be written by weir; change the column's type`, { params: { type: t } });
  }
  if (t.type === 'array') return `${duckDbTypeOf(t.elementType)}[]`;
  if (t.type === 'map') return `MAP(${duckDbTypeOf(t.keyType)}, ${duckDbTypeOf(t.valueType)})`;
  return `STRUCT(${t.fields.map((f) => `${quoteIdent(f.name)} ${duckDbTypeOf(f.type)}`).join(', ')})`;
}

/** A short human form of a type for error messages (`long`, `array<integer>`, `struct<a:string>`). */
export function describeType(t: DeltaType): string {
  if (typeof t === 'string') return t;
  if (t.type === 'array') return `array<${describeType(t.elementType)}>`;
  if (t.type === 'map') return `map<${describeType(t.keyType)},${describeType(t.valueType)}>`;
  return `struct<${t.fields.map((f) => `${f.name}:${describeType(f.type)}`).join(',')}>`;
}

/** True when the type (or any type nested in it) is `timestamp_ntz`, which needs the timestampNtz feature. */
export function usesTimestampNtz(t: DeltaType): boolean {
  if (typeof t === 'string') return t === 'timestamp_ntz';
  if (t.type === 'array') return usesTimestampNtz(t.elementType);
  if (t.type === 'map') return usesTimestampNtz(t.keyType) || usesTimestampNtz(t.valueType);
  return t.fields.some((f) => usesTimestampNtz(f.type));
}

/** Structural equality of two Delta types (ignoring nullability and field metadata). */
export function sameType(a: DeltaType, b: DeltaType): boolean {
  return describeType(a) === describeType(b);
}
