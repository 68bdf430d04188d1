/**
 * Delta schema types as read from `metaData.schemaString` (PROTOCOL §Schema Serialization Format), validated
 * into a typed tree: primitives carry a parsed kind (decimal precision/scale included), nested types their children.
 */
import { WeirError } from '../../domain/weir-error.js';

/** A Delta primitive type name, with decimals normalised to `decimal`. */
export type PrimitiveName =
  | 'string' | 'long' | 'integer' | 'short' | 'byte' | 'float' | 'double' | 'boolean' | 'binary'
  | 'date' | 'timestamp' | 'timestamp_ntz' | 'decimal' | 'void' | 'variant';

/** A primitive type; `precision`/`scale` only for decimals. */
export interface PrimitiveType {
  type: 'primitive';
  name: PrimitiveName;
  precision?: number;
  scale?: number;
}

/** `{"type":"array",…}`. */
export interface ArrayType {
  type: 'array';
  elementType: DataType;
  containsNull: boolean;
}

/** `{"type":"map",…}`. */
export interface MapType {
  type: 'map';
  keyType: DataType;
  valueType: DataType;
  valueContainsNull: boolean;
}

/** One field of a struct, with its column metadata (column mapping ids and physical names live here). */
export interface StructField {
  name: string;
  type: DataType;
  nullable: boolean;
  metadata: Record<string, unknown>;
}

/** `{"type":"struct","fields":[…]}`; the table schema is one. */
export interface StructType {
  type: 'struct';
  fields: StructField[];
}

/** Any Delta data type. */
export type DataType = PrimitiveType | ArrayType | MapType | StructType;

const PRIMITIVES = new Set<string>(['string', 'long', 'integer', 'short', 'byte', 'float', 'double', 'boolean', 'binary', 'date', 'timestamp', 'timestamp_ntz', 'void', 'variant']);

function bad(where: string, what: string): WeirError {
  return new WeirError('DELTA.LOG_CORRUPT', `metaData.schemaString at ${where}: ${what}; the table's schema cannot be read — repair the last metaData action in _delta_log`, { params: { field: where } });
}

function parsePrimitive(name: string, where: string): PrimitiveType {
  if (PRIMITIVES.has(name)) return { type: 'primitive', name: name as PrimitiveName };
  const m = /^decimal\(\s*(\d+)\s*,\s*(-?\d+)\s*\)$/.exec(name);
  if (m) return { type: 'primitive', name: 'decimal', precision: Number(m[1]), scale: Number(m[2]) };
  if (name === 'decimal') return { type: 'primitive', name: 'decimal', precision: 10, scale: 0 };
  throw bad(where, `unknown primitive type "${name}"`);
}

/** Parses one serialised Delta type (a JSON value from a schema string). */
export function parseDataType(raw: unknown, where: string): DataType {
  if (typeof raw === 'string') return parsePrimitive(raw, where);
  if (raw === null || typeof raw !== 'object') throw bad(where, `expected a type, got ${JSON.stringify(raw)}`);
  const o = raw as Record<string, unknown>;
  if (o.type === 'array') return { type: 'array', elementType: parseDataType(o.elementType, `${where}.element`), containsNull: o.containsNull !== false };
  if (o.type === 'map') {
    return { type: 'map', keyType: parseDataType(o.keyType, `${where}.key`), valueType: parseDataType(o.valueType, `${where}.value`), valueContainsNull: o.valueContainsNull !== false };
  }
  if (o.type === 'struct') return parseStruct(o, where);
  throw bad(where, `unknown type ${JSON.stringify(o.type)}`);
}

function parseStruct(o: Record<string, unknown>, where: string): StructType {
  if (!Array.isArray(o.fields)) throw bad(where, 'a struct without "fields"');
  const fields = o.fields.map((f: unknown, i: number): StructField => {
    const field = (f ?? {}) as Record<string, unknown>;
    if (typeof field.name !== 'string') throw bad(`${where}.fields[${i}]`, 'a field without a name');
    const path = where === '' ? field.name : `${where}.${field.name}`;
    return {
      name: field.name,
      type: parseDataType(field.type, path),
      nullable: field.nullable !== false,
      metadata: (field.metadata ?? {}) as Record<string, unknown>,
    };
  });
  return { type: 'struct', fields };
}

/** Parses a `metaData.schemaString` into a typed StructType; `tablePath` names the table in errors. */
export function parseSchema(schemaString: string | undefined | null, tablePath: string): StructType {
  if (schemaString === undefined || schemaString === null || schemaString === '') {
    throw new WeirError('DELTA.LOG_CORRUPT', `the table at ${tablePath} has a metaData action without schemaString; a later metaData must supply it`, { params: { tablePath } });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(schemaString);
  } catch (e) {
    throw new WeirError('DELTA.LOG_CORRUPT', `the table at ${tablePath} has a metaData.schemaString that is not JSON (${(e as Error).message}); repair the last metaData action in _delta_log`, { cause: e, params: { tablePath } });
  }
  const type = parseDataType(raw, '');
  if (type.type !== 'struct') throw bad('(top level)', `the table schema must be a struct, got ${type.type}`);
  return type;
}
