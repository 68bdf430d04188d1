/**
 * Column mapping (PROTOCOL §Column Mapping): with mode `name` or `id`, data files, partition values and stats use
 * each field's physical name (`delta.columnMapping.physicalName`) or field id (`delta.columnMapping.id`), while
 * readers present the logical names of the schema.
 */
import { WeirError } from '../domain/weir-error.js';
import type { Metadata } from './actions.js';
import type { StructField } from './schema/struct-type.js';

/** The table's column mapping mode. */
export type ColumnMappingMode = 'none' | 'name' | 'id';

/** The column mapping mode of a table's metadata (absent ⇒ none). */
export function columnMappingMode(metadata: Metadata): ColumnMappingMode {
  const mode = metadata.configuration?.['delta.columnMapping.mode'] ?? 'none';
  if (mode === 'none' || mode === 'name' || mode === 'id') return mode;
  throw new WeirError('DELTA.UNSUPPORTED_FEATURE', `table property delta.columnMapping.mode is "${mode}"; weir reads only none, name and id`, { params: { feature: 'columnMapping', mode } });
}

/** The name a field has in data files, partition values and stats under `mode`. */
export function physicalName(field: StructField, mode: ColumnMappingMode): string {
  if (mode === 'none') return field.name;
  const physical = field.metadata['delta.columnMapping.physicalName'];
  return typeof physical === 'string' && physical !== '' ? physical : field.name;
}

/** The Parquet field id of a field under id mode (undefined when the schema carries none). */
export function fieldId(field: StructField): number | undefined {
  const id = field.metadata['delta.columnMapping.id'];
  return typeof id === 'number' ? id : typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : undefined;
}
