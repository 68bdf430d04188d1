import type { CatalogRecord, SchemaRecord, TableRecord } from '../store/ports/catalog-store.js';
import type { Snapshot } from '../lake/snapshot.js';
import type { DeltaField, DeltaType } from '../lake/write/delta-schema.js';

/** Owner reported for every securable: weir has one metastore and no per-object ownership. */
const OWNER = 'admin';
/** The one metastore weir serves (its id is fixed so clients comparing ids across calls see the same one). */
export const METASTORE_ID = '00000000-0000-0000-0000-000000000001';

/** Delta primitive names as Unity Catalog's type_name and Spark SQL's type_text spell them. */
const PRIMITIVES: Record<string, [string, string]> = {
  string: ['STRING', 'string'], long: ['LONG', 'bigint'], integer: ['INT', 'int'], short: ['SHORT', 'smallint'],
  byte: ['BYTE', 'tinyint'], float: ['FLOAT', 'float'], double: ['DOUBLE', 'double'], boolean: ['BOOLEAN', 'boolean'],
  binary: ['BINARY', 'binary'], date: ['DATE', 'date'], timestamp: ['TIMESTAMP', 'timestamp'],
  timestamp_ntz: ['TIMESTAMP_NTZ', 'timestamp_ntz'], void: ['NULL', 'void'], variant: ['VARIANT', 'variant'],
};

/** The Spark SQL text of a Delta type (`bigint`, `decimal(10,2)`, `array<struct<a:int>>`). */
export function typeText(t: DeltaType): string {
  if (typeof t === 'string') return PRIMITIVES[t]?.[1] ?? t;
  if (t.type === 'array') return `array<${typeText(t.elementType)}>`;
  if (t.type === 'map') return `map<${typeText(t.keyType)},${typeText(t.valueType)}>`;
  return `struct<${t.fields.map((f) => `${f.name}:${typeText(f.type)}`).join(',')}>`;
}

/** Unity Catalog's type_name of a Delta type. */
export function typeName(t: DeltaType): string {
  if (typeof t !== 'string') return t.type.toUpperCase();
  if (t.startsWith('decimal')) return 'DECIMAL';
  return PRIMITIVES[t]?.[0] ?? t.toUpperCase();
}

/** A ColumnInfo of a table field; comments recorded in the catalog win over the Delta field's metadata. */
export function columnInfo(f: DeltaField, position: number, comment: string | undefined, partitionColumns: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: f.name,
    type_text: typeText(f.type),
    type_name: typeName(f.type),
    type_json: JSON.stringify({ name: f.name, type: f.type, nullable: f.nullable, metadata: f.metadata }),
    position,
    nullable: f.nullable,
  };
  const decimal = typeof f.type === 'string' ? /^decimal\((\d+),\s*(\d+)\)$/.exec(f.type) : null;
  if (decimal) Object.assign(out, { type_precision: Number(decimal[1]), type_scale: Number(decimal[2]) });
  const text = comment ?? (typeof f.metadata.comment === 'string' ? f.metadata.comment : undefined);
  if (text) out.comment = text;
  const partition = partitionColumns.indexOf(f.name);
  if (partition >= 0) out.partition_index = partition;
  return out;
}

/** A CatalogInfo. */
export function catalogInfo(c: CatalogRecord): Record<string, unknown> {
  return {
    name: c.name,
    full_name: c.name,
    ...(c.comment ? { comment: c.comment } : {}),
    properties: c.properties,
    owner: OWNER,
    catalog_type: 'MANAGED_CATALOG',
    securable_type: 'CATALOG',
    isolation_mode: 'OPEN',
    metastore_id: METASTORE_ID,
    created_at: c.created_time,
    created_by: OWNER,
    updated_at: c.created_time,
  };
}

/** A SchemaInfo. */
export function schemaInfo(s: SchemaRecord): Record<string, unknown> {
  return {
    name: s.name,
    catalog_name: s.catalog,
    full_name: `${s.catalog}.${s.name}`,
    ...(s.comment ? { comment: s.comment } : {}),
    properties: s.properties,
    owner: OWNER,
    catalog_type: 'MANAGED_CATALOG',
    securable_type: 'SCHEMA',
    metastore_id: METASTORE_ID,
    created_at: s.created_time,
    created_by: OWNER,
    updated_at: s.created_time,
  };
}

/** What a TableInfo may leave out (the list call's omit_columns / omit_properties). */
export interface TableInfoOptions {
  omitColumns?: boolean;
  omitProperties?: boolean;
}

/**
 * A TableInfo: the catalog entry plus what the Delta log says (columns, partitioning, the table's configuration
 * merged under the catalog's properties, the last commit time). A table without a Delta log yet has no columns.
 */
export function tableInfo(t: TableRecord, snap: Snapshot | undefined, o: TableInfoOptions = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: t.name,
    catalog_name: t.catalog,
    schema_name: t.schema,
    full_name: `${t.catalog}.${t.schema}.${t.name}`,
    table_type: t.table_type,
    data_source_format: 'DELTA',
    storage_location: t.location,
    owner: OWNER,
    securable_type: 'TABLE',
    metastore_id: METASTORE_ID,
    created_at: t.created_time,
    created_by: OWNER,
    updated_at: Math.max(t.updated_time, snap?.timestamp ?? 0),
    updated_by: OWNER,
  };
  if (snap?.metadata.id) out.table_id = snap.metadata.id;
  const comment = t.comment ?? snap?.metadata.description ?? undefined;
  if (comment) out.comment = comment;
  if (!o.omitColumns && snap) {
    const fields = (JSON.parse(snap.metadata.schemaString) as { fields: DeltaField[] }).fields;
    out.columns = fields.map((f, i) => columnInfo(f, i, t.column_comments[f.name] || undefined, snap.metadata.partitionColumns));
  }
  if (!o.omitProperties) {
    const props: Record<string, string> = { ...(snap?.metadata.configuration ?? {}), ...t.properties };
    if (snap) props['delta.lastCommitTimestamp'] = String(snap.timestamp);
    if (snap) props['delta.lastUpdateVersion'] = String(snap.version);
    out.properties = props;
  }
  return out;
}
