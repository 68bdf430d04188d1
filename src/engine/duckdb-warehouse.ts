import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { WeirError } from '../domain/weir-error.js';
import type { SqlEngine, SqlExecuteOptions, SqlResult } from './sql-engine.js';
import { toDuckDbParameters } from './named-parameters.js';

/** Turns a DuckDB value into something JSON can carry (bigints as numbers when safe, dates as strings). */
export function jsonSafe(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(jsonSafe);
  if (typeof v === 'object' && v !== null && 'toString' in v && v.constructor !== Object) return String(v);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]));
  return String(v);
}

/** The SQL warehouse on one DuckDB database file (or memory), shared by every SQL task of the process. */
export class DuckDbWarehouse implements SqlEngine {
  private constructor(private readonly instance: DuckDBInstance) {}

  /** Opens (or creates) the database at `path`; ':memory:' for a throwaway one. */
  static async open(path: string, opts: { threads?: number } = {}): Promise<DuckDbWarehouse> {
    const config: Record<string, string> = {};
    if (opts.threads) config.threads = String(opts.threads);
    const instance = await DuckDBInstance.create(path, config);
    return new DuckDbWarehouse(instance);
  }

  /** A fresh connection, for callers that keep session state (USE, SET, temp views). */
  async connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  async execute(sql: string, opts: SqlExecuteOptions = {}): Promise<SqlResult> {
    const maxRows = opts.maxRows ?? 1000;
    const conn = await this.instance.connect();
    try {
      if (opts.searchPath) await conn.run(`SET SESSION file_search_path = '${opts.searchPath.replace(/'/g, "''")}'`);
      const statements = await conn.extractStatements(toDuckDbParameters(sql));
      const n = statements.count;
      if (n === 0) return { columns: [], rows: [], rowCount: 0, truncated: false };
      let last: SqlResult = { columns: [], rows: [], rowCount: 0, truncated: false };
      for (let i = 0; i < n; i++) {
        const prepared = await statements.prepare(i);
        for (let p = 1; p <= prepared.parameterCount; p++) {
          const name = prepared.parameterName(p);
          const value = opts.params?.[name];
          if (value === undefined) {
            throw new WeirError(
              'SQL.FAILED',
              `statement ${i + 1} uses the parameter :${name}, which has no value; add "${name}" to the task's parameters`,
              { params: { parameter: name } },
            );
          }
          prepared.bindVarchar(p, value);
        }
        const reader = await prepared.runAndReadAll();
        const rows = reader.getRows() as unknown[][];
        last = {
          columns: reader.columnNames().map((name, c) => ({ name, type: reader.columnTypes()[c].toString() })),
          rows: rows.slice(0, maxRows).map((r) => r.map(jsonSafe)),
          rowCount: rows.length,
          truncated: rows.length > maxRows,
        };
      }
      return last;
    } catch (e) {
      if (e instanceof WeirError) throw e;
      throw new WeirError('SQL.FAILED', (e as Error).message, { cause: e });
    } finally {
      conn.closeSync();
    }
  }

  async close(): Promise<void> {
    this.instance.closeSync();
  }
}
