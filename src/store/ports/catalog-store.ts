/** A catalog (the first level of `catalog.schema.table`). */
export interface CatalogRecord {
  name: string;
  comment?: string;
  properties: Record<string, string>;
  created_time: number;
}

/** A schema (database) inside a catalog. */
export interface SchemaRecord {
  catalog: string;
  name: string;
  comment?: string;
  properties: Record<string, string>;
  created_time: number;
}

/** A table: managed (its folder under the warehouse) or external (a LOCATION the user gave). */
export interface TableRecord {
  catalog: string;
  schema: string;
  name: string;
  table_type: 'MANAGED' | 'EXTERNAL';
  /** Absolute path of the Delta table root. */
  location: string;
  comment?: string;
  /** Table properties set through TBLPROPERTIES / ALTER TABLE … SET TBLPROPERTIES. */
  properties: Record<string, string>;
  /** Column comments by column name. */
  column_comments: Record<string, string>;
  created_time: number;
  updated_time: number;
}

/** Persistence of catalogs, schemas and tables (names are stored lower-case, as Unity Catalog does). */
export interface CatalogStore {
  /** Inserts a catalog; false when it exists already. */
  createCatalog(c: CatalogRecord): Promise<boolean>;
  getCatalog(name: string): Promise<CatalogRecord | undefined>;
  listCatalogs(): Promise<CatalogRecord[]>;
  updateCatalog(c: CatalogRecord): Promise<void>;
  /** Deletes a catalog with its schemas and table entries; false when there was none. */
  deleteCatalog(name: string): Promise<boolean>;
  /** Inserts a schema; false when it exists already. */
  createSchema(s: SchemaRecord): Promise<boolean>;
  getSchema(catalog: string, name: string): Promise<SchemaRecord | undefined>;
  listSchemas(catalog: string): Promise<SchemaRecord[]>;
  updateSchema(s: SchemaRecord): Promise<void>;
  /** Deletes a schema with its table entries; false when there was none. */
  deleteSchema(catalog: string, name: string): Promise<boolean>;
  /** Inserts a table entry; false when it exists already. */
  createTable(t: TableRecord): Promise<boolean>;
  getTable(catalog: string, schema: string, name: string): Promise<TableRecord | undefined>;
  /** Tables of a schema ordered by name. */
  listTables(catalog: string, schema: string): Promise<TableRecord[]>;
  updateTable(t: TableRecord): Promise<void>;
  /** Deletes a table entry; false when there was none. */
  deleteTable(catalog: string, schema: string, name: string): Promise<boolean>;
}
