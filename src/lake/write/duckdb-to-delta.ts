/**
 * Maps DuckDB result types to Delta types. Types Delta lacks are cast to the nearest Delta type (UUID/ENUM →
 * string, unsigned → the next wider signed type, UBIGINT/HUGEINT → decimal(20,0)/decimal(38,0), TIMESTAMP_S/MS/NS →
 * timestamp as UTC) or refused (TIME, INTERVAL, UNION, BIT…).
 */
import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { WeirError } from '../../domain/weir-error.js';
import type { DeltaType } from './delta-schema.js';

/** The Delta type for a DuckDB type, and whether values must be cast to reach it. */
export interface MappedType {
  delta: DeltaType;
  needsCast: boolean;
}

const DIRECT: Partial<Record<DuckDBTypeId, string>> = {
  [DuckDBTypeId.BOOLEAN]: 'boolean',
  [DuckDBTypeId.TINYINT]: 'byte',
  [DuckDBTypeId.SMALLINT]: 'short',
  [DuckDBTypeId.INTEGER]: 'integer',
  [DuckDBTypeId.BIGINT]: 'long',
  [DuckDBTypeId.FLOAT]: 'float',
  [DuckDBTypeId.DOUBLE]: 'double',
  [DuckDBTypeId.VARCHAR]: 'string',
  [DuckDBTypeId.BLOB]: 'binary',
  [DuckDBTypeId.DATE]: 'date',
  [DuckDBTypeId.TIMESTAMP]: 'timestamp_ntz',
  [DuckDBTypeId.TIMESTAMP_TZ]: 'timestamp',
};

const CAST: Partial<Record<DuckDBTypeId, string>> = {
  [DuckDBTypeId.UTINYINT]: 'short',
  [DuckDBTypeId.USMALLINT]: 'integer',
  [DuckDBTypeId.UINTEGER]: 'long',
  [DuckDBTypeId.UBIGINT]: 'decimal(20,0)',
  [DuckDBTypeId.HUGEINT]: 'decimal(38,0)',
  [DuckDBTypeId.UUID]: 'string',
  [DuckDBTypeId.ENUM]: 'string',
  [DuckDBTypeId.SQLNULL]: 'string',
  [DuckDBTypeId.TIMESTAMP_S]: 'timestamp',
  [DuckDBTypeId.TIMESTAMP_MS]: 'timestamp',
  [DuckDBTypeId.TIMESTAMP_NS]: 'timestamp',
};

/** Maps one DuckDB type; `where` names the column (path) for the error message. */
export function mapDuckDbType(t: DuckDBType, where: string): MappedType {
  const direct = DIRECT[t.typeId];
  if (direct) return { delta: direct, needsCast: false };
  const cast = CAST[t.typeId];
  if (cast) return { delta: cast, needsCast: true };
  switch (t.typeId) {
    case DuckDBTypeId.DECIMAL:
      return { delta: `decimal(${t.width},${t.scale})`, needsCast: false };
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const el = mapDuckDbType(t.valueType, `${where}.element`);
      return { delta: { type: 'array', elementType: el.delta, containsNull: true }, needsCast: el.needsCast || t.typeId === DuckDBTypeId.ARRAY };
    }
    case DuckDBTypeId.MAP: {
      const k = mapDuckDbType(t.keyType, `${where}.key`);
      const v = mapDuckDbType(t.valueType, `${where}.value`);
      return { delta: { type: 'map', keyType: k.delta, valueType: v.delta, valueContainsNull: true }, needsCast: k.needsCast || v.needsCast };
    }
    case DuckDBTypeId.STRUCT: {
      const fields = t.entryNames.map((name, i) => ({ name, mapped: mapDuckDbType(t.entryTypes[i], `${where}.${name}`) }));
      return {
        delta: { type: 'struct', fields: fields.map((f) => ({ name: f.name, type: f.mapped.delta, nullable: true, metadata: {} })) },
        needsCast: fields.some((f) => f.mapped.needsCast),
      };
    }
    default:
      throw new WeirError(
        'DELTA.UNSUPPORTED_TYPE',
        `column ${where} has the DuckDB type ${t.toString()}, which Delta Lake cannot store; cast it in the query (e.g. to VARCHAR or BIGINT)`,
        { params: { column: where, duckdbType: t.toString() } },
      );
  }
}
