/** A column of a SQL result. */
export interface SqlColumn {
  name: string;
  type: string;
}

/** The result of one SQL statement: columns, the first rows (JSON-safe values) and the full row count. */
export interface SqlResult {
  columns: SqlColumn[];
  rows: unknown[][];
  /** Rows the statement returned in total (rows may be cut at maxRows). */
  rowCount: number;
  truncated: boolean;
}

/** Options of one execute call. */
export interface SqlExecuteOptions {
  params?: Record<string, string>;
  maxRows?: number;
  searchPath?: string;
}

/** The SQL warehouse as runners see it. */
export interface SqlEngine {
  /**
   * Runs one or more statements; the result is the last statement's. Named parameters `:name` are bound
   * from `params` (as strings). At most `maxRows` rows are returned (default 1000). Relative file paths in
   * the SQL (read_csv('data/x.csv')) resolve against `searchPath` when given (the job's folder).
   */
  execute(sql: string, opts?: SqlExecuteOptions): Promise<SqlResult>;
  /** Releases the engine's resources. */
  close(): Promise<void>;
}
