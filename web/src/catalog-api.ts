import { apiGet, apiPost } from './api-client.js';

// The catalog lives under other API versions than the Jobs API: paths name theirs (api-client.ts).
const UC = '2.1/unity-catalog';

/** A CatalogInfo or SchemaInfo (the fields the UI shows). */
export interface Securable {
  name: string;
  full_name: string;
  catalog_name?: string;
  comment?: string;
  owner?: string;
  created_at?: number;
  properties?: Record<string, string>;
}

/** A ColumnInfo. */
export interface ColumnInfo {
  name: string;
  type_text: string;
  type_name: string;
  position: number;
  nullable: boolean;
  comment?: string;
  partition_index?: number;
}

/** A TableInfo. */
export interface TableInfo {
  name: string;
  catalog_name: string;
  schema_name: string;
  full_name: string;
  table_type: string;
  data_source_format: string;
  storage_location: string;
  comment?: string;
  owner?: string;
  created_at: number;
  updated_at: number;
  columns?: ColumnInfo[];
  properties?: Record<string, string>;
}

/** One page of a Unity Catalog list. */
export interface UcPage<T> {
  items: T[];
  next?: string;
}

/** Rows per page of the catalog, schema and table lists. */
export const UC_PAGE = 100;

/** A page of catalogs. */
export async function listCatalogs(pageToken?: string): Promise<UcPage<Securable>> {
  const r = await apiGet<{ catalogs?: Securable[]; next_page_token?: string }>(`${UC}/catalogs`, { max_results: UC_PAGE, page_token: pageToken });
  return { items: r.catalogs ?? [], next: r.next_page_token };
}

/** A page of a catalog's schemas. */
export async function listSchemas(catalog: string, pageToken?: string): Promise<UcPage<Securable>> {
  const r = await apiGet<{ schemas?: Securable[]; next_page_token?: string }>(`${UC}/schemas`, { catalog_name: catalog, max_results: UC_PAGE, page_token: pageToken });
  return { items: r.schemas ?? [], next: r.next_page_token };
}

/** A page of a schema's tables, without columns and properties (no Delta log is read for the list). */
export async function listTables(catalog: string, schema: string, pageToken?: string): Promise<UcPage<TableInfo>> {
  const r = await apiGet<{ tables?: TableInfo[]; next_page_token?: string }>(`${UC}/tables`, { catalog_name: catalog, schema_name: schema, max_results: UC_PAGE, page_token: pageToken, omit_columns: true, omit_properties: true });
  return { items: r.tables ?? [], next: r.next_page_token };
}

/** A catalog or schema by full name. */
export function getSecurable(kind: 'catalogs' | 'schemas', fullName: string): Promise<Securable> {
  return apiGet<Securable>(`${UC}/${kind}/${encodeURIComponent(fullName)}`);
}

/** A table with its columns and properties. */
export function getTable(fullName: string): Promise<TableInfo> {
  return apiGet<TableInfo>(`${UC}/tables/${encodeURIComponent(fullName)}`);
}

/** A pipeline that connects tables (pipelineInfos entry). */
export interface PipelineInfo {
  pipeline_id: string;
  update_id?: string;
  name?: string;
  flow_name?: string;
  lineage_timestamp?: string;
  column_lineage?: unknown;
}

/** A job that connects tables (jobInfos entry). */
export interface JobInfo {
  job_id: number;
  name?: string;
  task_keys?: string[];
}

/** One upstream or downstream entry: a table and what connects it, or an entity alone. */
export interface LineageEntry {
  tableInfo?: { name: string; catalog_name: string; schema_name: string; table_type: string; lineage_timestamp?: string };
  pipelineInfos?: PipelineInfo[];
  jobInfos?: JobInfo[];
}

/** A table's lineage, with the pipelines and jobs between it and its neighbours. */
export interface TableLineage {
  upstreams: LineageEntry[];
  downstreams: LineageEntry[];
}

/** GET /api/2.0/lineage-tracking/table-lineage with entity lineage. */
export function getLineage(fullName: string): Promise<TableLineage> {
  return apiGet<TableLineage>('2.0/lineage-tracking/table-lineage', { table_name: fullName, include_entity_lineage: true });
}

/** A finished statement's columns and rows (values as the API's JSON_ARRAY strings). */
export interface StatementRows {
  columns: string[];
  rows: (string | null)[][];
}

interface StatementResponse {
  statement_id: string;
  status: { state: string; error?: { error_code?: string; message?: string } };
  manifest?: { schema?: { columns?: { name: string }[] } };
  result?: { data_array?: (string | null)[][] };
}

/** Runs one statement on the SQL warehouse (Statement Execution API), polling until it ends. */
export async function runStatement(statement: string, rowLimit: number): Promise<StatementRows> {
  let r = await apiPost<StatementResponse>('2.0/sql/statements', { statement, wait_timeout: '30s', row_limit: rowLimit });
  while (r.status.state === 'RUNNING' || r.status.state === 'PENDING') {
    await new Promise((ok) => setTimeout(ok, 500));
    r = await apiGet<StatementResponse>(`2.0/sql/statements/${r.statement_id}`);
  }
  if (r.status.state !== 'SUCCEEDED') throw new Error(`${r.status.error?.error_code ?? r.status.state}: ${r.status.error?.message ?? 'the statement did not succeed'}`);
  return { columns: (r.manifest?.schema?.columns ?? []).map((c) => c.name), rows: r.result?.data_array ?? [] };
}

/** A table name quoted for Spark SQL (`main`.`sales`.`orders`). */
export function quotedName(t: { catalog_name: string; schema_name: string; name: string }): string {
  return [t.catalog_name, t.schema_name, t.name].map((p) => `\`${p.replace(/`/g, '``')}\``).join('.');
}

/** `#catalog/<c>/<s>/<t>` (each part URI-encoded). */
export function catalogHref(...parts: string[]): string {
  return ['#catalog', ...parts.map(encodeURIComponent)].join('/');
}
