/**
 * The SQL expression that turns a column as stored in Parquet into the Delta schema's logical type and names:
 * casts (type widening, decimals, INT96 → timestamp), naive timestamps read as UTC, and under column mapping
 * nested struct fields renamed from physical to logical names.
 */
import type { ColumnMappingMode } from '../column-mapping.js';
import { physicalName } from '../column-mapping.js';
import { duckDbType, sqlIdent } from '../schema/duckdb-type.js';
import type { DataType } from '../schema/struct-type.js';

function needsRename(t: DataType, mode: ColumnMappingMode): boolean {
  if (mode === 'none') return false;
  if (t.type === 'struct') return t.fields.some((f) => physicalName(f, mode) !== f.name || needsRename(f.type, mode));
  if (t.type === 'array') return needsRename(t.elementType, mode);
  return false;
}

/** Converts `expr` (of DuckDB type `sourceType` when known) to `target`, renaming nested fields under `mode`. */
export function columnExpr(expr: string, target: DataType, sourceType: string | undefined, mode: ColumnMappingMode, depth = 0): string {
  if (needsRename(target, mode)) {
    if (target.type === 'struct') {
      const fields = target.fields.map((f) => `${sqlIdent(f.name)} := ${columnExpr(`${expr}.${sqlIdent(physicalName(f, mode))}`, f.type, undefined, mode, depth)}`);
      return `CASE WHEN ${expr} IS NULL THEN NULL ELSE struct_pack(${fields.join(', ')}) END`;
    }
    if (target.type === 'array') {
      const v = `__e${depth}`; // one lambda variable per nesting level, so inner lambdas never shadow outer ones
      return `list_transform(${expr}, ${v} -> ${columnExpr(v, target.elementType, undefined, mode, depth + 1)})`;
    }
  }
  const sqlType = duckDbType(target);
  if (sourceType !== undefined && sourceType.toUpperCase() === sqlType) return expr;
  if (target.type === 'primitive' && target.name === 'timestamp' && sourceType !== undefined && /^TIMESTAMP(_NS|_MS|_S)?$/i.test(sourceType)) {
    // INT96 and isAdjustedToUTC=false columns read as naive TIMESTAMP; Delta `timestamp` is UTC, whatever the session zone.
    return `timezone('UTC', CAST(${expr} AS TIMESTAMP))`;
  }
  return `CAST(${expr} AS ${sqlType})`;
}
