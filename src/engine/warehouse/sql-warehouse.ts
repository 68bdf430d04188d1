import type { DuckDBConnection } from '@duckdb/node-api';
import type { CatalogService } from '../../catalog/catalog-service.js';
import { DEFAULT_SCOPE, type NameScope } from '../../catalog/table-id.js';
import { systemClock, type Clock } from '../../domain/clock.js';
import { WeirError } from '../../domain/weir-error.js';
import type { DuckDbWarehouse } from '../duckdb-warehouse.js';
import { installSparkMacros, splitStatements } from '../spark-sql/translate-spark-sql.js';
import type { SqlEngine, SqlExecuteOptions, SqlResult } from '../sql-engine.js';
import { bindParameterMarkers, type StatementParameter } from './parameter-markers.js';
import { routeStatement } from './route-statement.js';
import type { StatementContext } from './table-resolution.js';

/** A session's state that outlives one call: the current catalog and schema, and SET configuration. */
export interface WarehouseSession {
  scope: NameScope;
  config: Record<string, string>;
}

/** Options of one warehouse call. */
export interface WarehouseExecuteOptions extends SqlExecuteOptions {
  /** Typed parameters (Statement Execution API); `params` (strings) are added to them. */
  parameters?: StatementParameter[];
  /** Carries USE and SET across calls; a fresh `main.default` session when absent. */
  session?: WarehouseSession;
  /** Stops the script: DuckDB is interrupted and the call fails with SQL.FAILED (canceled). */
  signal?: AbortSignal;
}

/** A new session in `main.default` (or the given catalog and schema). */
export function newSession(scope: Partial<NameScope> = {}): WarehouseSession {
  return { scope: { catalog: (scope.catalog ?? DEFAULT_SCOPE.catalog).toLowerCase(), schema: (scope.schema ?? DEFAULT_SCOPE.schema).toLowerCase() }, config: {} };
}

/**
 * The SQL warehouse: Spark SQL over catalog tables by name. Each statement of a script is routed (queries, DDL,
 * INSERT, DML, maintenance, SHOW/DESCRIBE, USE, SET), table names resolve through the catalog to Delta scans, and
 * writes go through DeltaTable. What it does not recognise is translated and run on DuckDB as is.
 */
export class SqlWarehouse implements SqlEngine {
  constructor(private readonly duck: DuckDbWarehouse, readonly catalog: CatalogService, private readonly clock: Clock = systemClock) {}

  async execute(sql: string, opts: WarehouseExecuteOptions = {}): Promise<SqlResult> {
    const maxRows = opts.maxRows ?? 1000;
    const session = opts.session ?? newSession();
    const params = [...(opts.parameters ?? []), ...Object.entries(opts.params ?? {}).map(([name, value]) => ({ name, value }))];
    const conn = await this.duck.connect();
    const onAbort = () => conn.interrupt();
    opts.signal?.addEventListener('abort', onAbort);
    try {
      await this.prepare(conn, opts.searchPath);
      const ctx: StatementContext = { conn, catalog: this.catalog, scope: session.scope, config: session.config, clock: this.clock };
      let last: SqlResult = { columns: [], rows: [], rowCount: 0, truncated: false };
      for (const st of splitStatements(sql)) {
        if (opts.signal?.aborted) throw canceled();
        last = await routeStatement(ctx, bindParameterMarkers(st.sql, params), maxRows);
      }
      return last;
    } catch (e) {
      if (opts.signal?.aborted) throw canceled();
      if (e instanceof WeirError) throw e;
      throw new WeirError('SQL.FAILED', (e as Error).message, { cause: e });
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      conn.closeSync();
    }
  }

  private async prepare(conn: DuckDBConnection, searchPath: string | undefined): Promise<void> {
    if (searchPath) await conn.run(`SET SESSION file_search_path = '${searchPath.replace(/'/g, "''")}'`);
    await installSparkMacros(conn);
  }

  async close(): Promise<void> {
    await this.duck.close();
  }
}

function canceled(): WeirError {
  return new WeirError('SQL.FAILED', 'the statement was canceled', { params: { canceled: true } });
}
