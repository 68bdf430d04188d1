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

/** The SQL warehouse as runners see it. */
export interface SqlEngine {
  /**
   * Runs one or more statements; the result is the last statement's. Named parameters `:name` are bound
   * from `params` (as strings). At most `maxRows` rows are returned (default 1000).
   */
  execute(sql: string, opts?: { params?: Record<string, string>; maxRows?: number }): Promise<SqlResult>;
  /** Releases the engine's resources. */
  close(): Promise<void>;
}
