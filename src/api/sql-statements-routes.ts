import { Hono } from 'hono';
import { z } from 'zod';
import type { SqlColumn, SqlResult } from '../engine/sql-engine.js';
import type { StatementExecution, StatementSnapshot } from '../engine/warehouse/statement-execution.js';
import { ApiError } from './errors.js';
import { handle } from './handle.js';
import { parseParams } from './params.js';

/** The one warehouse weir reports, so clients that pick a warehouse id find one (any id is accepted). */
export const WEIR_WAREHOUSE = Object.freeze({
  id: 'weir',
  name: 'weir DuckDB warehouse',
  state: 'RUNNING',
  cluster_size: 'X-Small',
  min_num_clusters: 1,
  max_num_clusters: 1,
  num_clusters: 1,
  auto_stop_mins: 0,
  warehouse_type: 'PRO',
  enable_serverless_compute: true,
  creator_name: 'weir',
});

const Execute = z.object({
  statement: z.string().min(1),
  warehouse_id: z.string().optional(),
  catalog: z.string().optional(),
  schema: z.string().optional(),
  parameters: z.array(z.object({ name: z.string().min(1), value: z.string().nullable().optional(), type: z.string().optional() })).optional(),
  wait_timeout: z.string().regex(/^\d+s$/, "wait_timeout must be '0s' or between '5s' and '50s'").optional(),
  on_wait_timeout: z.enum(['CONTINUE', 'CANCEL']).optional(),
  format: z.string().optional(),
  disposition: z.string().optional(),
  row_limit: z.number().int().positive().optional(),
  byte_limit: z.number().int().positive().optional(),
});

/** Databricks type_name and type_text of a DuckDB column type. */
export function columnType(duckType: string): { type_name: string; type_text: string } {
  const t = duckType.toUpperCase();
  const simple: Record<string, [string, string]> = {
    BOOLEAN: ['BOOLEAN', 'BOOLEAN'], TINYINT: ['BYTE', 'TINYINT'], SMALLINT: ['SHORT', 'SMALLINT'], INTEGER: ['INT', 'INT'],
    BIGINT: ['LONG', 'BIGINT'], HUGEINT: ['DECIMAL', 'DECIMAL(38,0)'], UBIGINT: ['DECIMAL', 'DECIMAL(20,0)'], UINTEGER: ['LONG', 'BIGINT'],
    USMALLINT: ['INT', 'INT'], UTINYINT: ['SHORT', 'SMALLINT'], FLOAT: ['FLOAT', 'FLOAT'], DOUBLE: ['DOUBLE', 'DOUBLE'],
    VARCHAR: ['STRING', 'STRING'], DATE: ['DATE', 'DATE'], BLOB: ['BINARY', 'BINARY'], INTERVAL: ['INTERVAL', 'INTERVAL'],
    TIMESTAMP: ['TIMESTAMP', 'TIMESTAMP_NTZ'], 'TIMESTAMP WITH TIME ZONE': ['TIMESTAMP', 'TIMESTAMP'], NULL: ['NULL', 'VOID'],
  };
  if (simple[t]) return { type_name: simple[t][0], type_text: simple[t][1] };
  if (t.startsWith('DECIMAL')) return { type_name: 'DECIMAL', type_text: t.replace(/\s+/g, '') };
  if (t.startsWith('TIMESTAMP')) return { type_name: 'TIMESTAMP', type_text: 'TIMESTAMP' };
  if (t.endsWith('[]')) return { type_name: 'ARRAY', type_text: `ARRAY<${columnType(t.slice(0, -2)).type_text}>` };
  if (t.startsWith('STRUCT')) return { type_name: 'STRUCT', type_text: t };
  if (t.startsWith('MAP')) return { type_name: 'MAP', type_text: t };
  return { type_name: 'STRING', type_text: t };
}

/** A value as the JSON_ARRAY format carries it: a string, or null. */
function cell(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function manifest(r: SqlResult): Record<string, unknown> {
  const columns = r.columns.map((c: SqlColumn, position) => ({ name: c.name, ...columnType(c.type), position }));
  const rows = r.rows.length;
  return {
    format: 'JSON_ARRAY',
    schema: { column_count: columns.length, columns },
    total_row_count: rows,
    total_chunk_count: 1,
    chunks: [{ chunk_index: 0, row_offset: 0, row_count: rows }],
    truncated: r.truncated,
  };
}

/** The StatementResponse body of a statement. */
export function statementResponse(s: StatementSnapshot): Record<string, unknown> {
  const status: Record<string, unknown> = { state: s.state };
  if (s.error) status.error = { error_code: s.error.code, message: s.error.message };
  const body: Record<string, unknown> = { statement_id: s.id, status };
  if (s.state === 'SUCCEEDED' && s.result) {
    body.manifest = manifest(s.result);
    const result: Record<string, unknown> = { chunk_index: 0, row_offset: 0, row_count: s.result.rows.length };
    if (s.result.rows.length) result.data_array = s.result.rows.map((r) => r.map(cell));
    body.result = result;
  }
  return body;
}

function waitSeconds(text: string | undefined): number {
  const n = Number((text ?? '10s').slice(0, -1));
  if (n !== 0 && (n < 5 || n > 50)) throw new ApiError(400, 'INVALID_PARAMETER_VALUE', `wait_timeout '${text}' is out of range; use '0s' (answer at once and poll) or a value between '5s' and '50s'`);
  return n;
}

/** The SQL Statement Execution API 2.0 and the warehouses list, under /api/2.0. */
export function sqlStatementsRoutes(statements: StatementExecution): Hono {
  const app = new Hono();
  app.post('/sql/statements', handle(async (p) => {
    const q = parseParams(Execute, p);
    if (q.format && q.format !== 'JSON_ARRAY') throw new ApiError(400, 'INVALID_PARAMETER_VALUE', `format ${q.format} is not supported by weir; use JSON_ARRAY`);
    if (q.disposition && q.disposition !== 'INLINE') throw new ApiError(400, 'INVALID_PARAMETER_VALUE', `disposition ${q.disposition} is not supported by weir; use INLINE`);
    const s = await statements.submit({
      statement: q.statement,
      catalog: q.catalog,
      schema: q.schema,
      parameters: q.parameters,
      waitSeconds: waitSeconds(q.wait_timeout),
      onWaitTimeout: q.on_wait_timeout ?? 'CONTINUE',
      rowLimit: q.row_limit,
    });
    return statementResponse(s);
  }));
  app.get('/sql/statements/:id', handle(async (_p, c) => {
    const id = c.req.param('id') ?? '';
    return statementResponse(found(statements.get(id), id));
  }));
  app.post('/sql/statements/:id/cancel', handle(async (_p, c) => {
    const id = c.req.param('id') ?? '';
    if (!statements.cancel(id)) found(undefined, id);
    return {};
  }));
  app.get('/sql/warehouses', handle(async () => ({ warehouses: [WEIR_WAREHOUSE] })));
  app.get('/sql/warehouses/:id', handle(async () => ({ ...WEIR_WAREHOUSE })));
  return app;
}

function found(s: StatementSnapshot | undefined, id: string): StatementSnapshot {
  if (!s) throw new ApiError(404, 'NOT_FOUND', `statement ${id} does not exist (statements are kept in memory until the server restarts); submit it again with POST /api/2.0/sql/statements`);
  return s;
}
