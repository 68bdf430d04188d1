import { apiGet, apiPost } from './api-client.js';

/** A column of a statement's result schema. */
export interface SqlColumn {
  name: string;
  type_text: string;
  position: number;
}

/** The StatementResponse of the SQL Statement Execution API 2.0 (the fields the editor reads). */
export interface StatementResponse {
  statement_id: string;
  status: { state: 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'CLOSED'; error?: { error_code?: string; message?: string } };
  manifest?: { schema: { column_count: number; columns?: SqlColumn[] }; total_row_count: number; truncated?: boolean };
  result?: { data_array?: (string | null)[][] };
}

/** The Statement Execution API is served under /api/2.0 (a versioned path for api-client.ts). */
const BASE = '2.0/sql/statements';

/** Submits a statement to the weir warehouse; waits up to 10 s, then answers PENDING/RUNNING to be polled. */
export function executeStatement(o: { statement: string; rowLimit: number; catalog?: string; schema?: string }): Promise<StatementResponse> {
  return apiPost<StatementResponse>(BASE, {
    warehouse_id: 'weir',
    statement: o.statement,
    catalog: o.catalog || undefined,
    schema: o.schema || undefined,
    row_limit: o.rowLimit,
    wait_timeout: '10s',
    on_wait_timeout: 'CONTINUE',
  });
}

/** The current state (and result, once SUCCEEDED) of a submitted statement. */
export function getStatement(id: string): Promise<StatementResponse> {
  return apiGet<StatementResponse>(`${BASE}/${encodeURIComponent(id)}`);
}

/** Asks the warehouse to cancel a running statement. */
export function cancelStatement(id: string): Promise<unknown> {
  return apiPost(`${BASE}/${encodeURIComponent(id)}/cancel`, {});
}

/** A 1-based line and column in the statement text. */
export interface TextPosition {
  line: number;
  column: number;
}

/**
 * Where an error message points in the statement: weir's Spark SQL layer says "at line L, column C"; DuckDB prints
 * "LINE L: <text>" with a caret under the column on the next line.
 */
export function errorPosition(message: string): TextPosition | undefined {
  const weir = /at line (\d+), column (\d+)/.exec(message);
  if (weir) return { line: Number(weir[1]), column: Number(weir[2]) };
  const duck = /(LINE (\d+): )[^\n]*\n( *)\^/.exec(message);
  if (duck) return { line: Number(duck[2]), column: Math.max(1, duck[3].length - duck[1].length + 1) };
  return undefined;
}

/** The character offset of a position in `text` (clamped to the text). */
export function offsetOf(text: string, p: TextPosition): number {
  const lines = text.split('\n');
  let offset = 0;
  for (let i = 0; i < Math.min(p.line - 1, lines.length); i++) offset += lines[i].length + 1;
  return Math.min(text.length, offset + p.column - 1);
}
