import type { DuckDBConnection } from '@duckdb/node-api';
import type { CatalogService } from '../../catalog/catalog-service.js';
import { formatTableId, qualifyTableName, type NameScope } from '../../catalog/table-id.js';
import type { Clock } from '../../domain/clock.js';
import { WeirError } from '../../domain/weir-error.js';
import { DeltaTable, type VersionSelector } from '../../lake/delta-table.js';
import { translateSparkSql, type TimeTravel } from '../spark-sql/translate-spark-sql.js';
import { expandReadFiles } from './read-files-call.js';

/** Where a table name points: a catalog table or a path table, with its Delta root. */
export interface ResolvedTable {
  /** `catalog.schema.table`, or ``delta.`/path` `` for a path table. */
  display: string;
  location: string;
}

/** What statements run against: the connection, the catalog, the session's scope and configuration. */
export interface StatementContext {
  conn: DuckDBConnection;
  catalog: CatalogService;
  scope: NameScope;
  config: Record<string, string>;
  clock: Clock;
}

/** `TIMESTAMP AS OF '2024-01-01 10:00:00'` as epoch ms (UTC unless the text names a zone). */
export function timestampMs(text: string): number {
  const iso = text.trim().replace(' ', 'T');
  const zoned = /(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : /T/.test(iso) ? `${iso}Z` : `${iso}T00:00:00Z`;
  const ms = Date.parse(zoned);
  if (Number.isNaN(ms)) throw new WeirError('SQL.SYNTAX', `TIMESTAMP AS OF '${text}' is not a timestamp; write it as 'yyyy-MM-dd HH:mm:ss'`, { params: { timestamp: text } });
  return ms;
}

/** The selector of a time-travel clause. */
export function versionSelector(tt: TimeTravel | undefined): VersionSelector {
  if (!tt) return {};
  return tt.version !== undefined ? { version: tt.version } : { timestamp: timestampMs(tt.timestamp ?? '') };
}

/** Resolves a name as written to a Delta table: ``delta.`/path` `` or a catalog table; undefined when neither. */
export async function resolveTable(ctx: StatementContext, parts: string[]): Promise<ResolvedTable | undefined> {
  if (parts.length === 2 && parts[0].toLowerCase() === 'delta' && /[/\\]/.test(parts[1])) return { display: `delta.\`${parts[1]}\``, location: parts[1] };
  if (parts.length > 3 || parts.some((p) => /[/\\]/.test(p) || p === '.' || p === '..')) return undefined; // parquet.`/p`, DuckDB names
  const id = qualifyTableName(parts, ctx.scope);
  const t = await ctx.catalog.findTable(id);
  return t ? { display: formatTableId(id), location: t.location } : undefined;
}

/** Like resolveTable, but fails naming the table when it is unknown. */
export async function requireTable(ctx: StatementContext, parts: string[]): Promise<ResolvedTable> {
  const t = await resolveTable(ctx, parts);
  if (t) return t;
  const name = parts.length <= 3 ? formatTableId(qualifyTableName(parts, ctx.scope)) : parts.join('.');
  throw new WeirError('CATALOG.NOT_FOUND', `table ${name} does not exist; create it first, check SHOW TABLES, or qualify the name as catalog.schema.table`, { params: { name } });
}

/** A Delta table handle on the statement's connection. */
export function deltaTable(ctx: StatementContext, location: string): DeltaTable {
  return DeltaTable.forPath(ctx.conn, location, { clock: ctx.clock });
}

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * Translates one Spark SQL statement to DuckDB, with every table name that resolves to a Delta table (catalog
 * name or path, at a version when time-travelled) replaced by a temporary view over that version's files. The
 * view is named after the table (so `orders.id` still works); `release` drops the views afterwards.
 */
export async function translateWithTables(ctx: StatementContext, spark: string): Promise<{ sql: string; settings: Record<string, string>; release: () => Promise<void> }> {
  const sparkSql = await expandEventLog(ctx, expandReadFiles(spark));
  const seen = new Map<string, { parts: string[]; tt?: TimeTravel }>();
  const key = (parts: string[], tt?: TimeTravel) => JSON.stringify([parts.map((p) => p.toLowerCase()), tt ?? null]);
  translateSparkSql(sparkSql, { configuration: ctx.config, resolveTable: (parts, tt) => (seen.set(key(parts, tt), { parts, tt }), '__weir_pending') });
  const views = new Map<string, string>();
  const used = new Set<string>();
  try {
    for (const [k, { parts, tt }] of seen) {
      const t = await resolveTable(ctx, parts);
      // A three-part name in a known catalog is the user's table, not a DuckDB database: say it is missing.
      if (!t && parts.length === 3 && (await ctx.catalog.catalogExists(parts[0]))) await requireTable(ctx, parts);
      if (!t) continue;
      const scan = await deltaTable(ctx, t.location).scanSql(versionSelector(tt));
      const base = (parts[parts.length - 1].split(/[/\\]/).filter(Boolean).pop() ?? 't').toLowerCase();
      let name = base;
      for (let n = 2; used.has(name); n++) name = `${base}_${n}`;
      used.add(name);
      await ctx.conn.run(`CREATE OR REPLACE TEMP VIEW ${quote(name)} AS ${scan}`);
      views.set(k, quote(name));
    }
  } catch (e) {
    await dropViews(ctx.conn, [...views.values()]);
    throw e;
  }
  const out = translateSparkSql(sparkSql, { configuration: ctx.config, resolveTable: (parts, tt) => views.get(key(parts, tt)) });
  return { sql: out.statements.map((s) => s.sql).join(';\n'), settings: out.settings, release: () => dropViews(ctx.conn, [...views.values()]) };
}

/** `event_log('<pipeline id or name>')` → the pipeline's event log Delta table, as a path table. */
async function expandEventLog(ctx: StatementContext, sql: string): Promise<string> {
  const calls = [...sql.matchAll(/\bevent_log\s*\(\s*'((?:[^']|'')*)'\s*\)/gi)];
  let out = sql;
  for (const m of calls.reverse()) {
    const name = m[1].replace(/''/g, "'");
    const location = await ctx.catalog.eventLogLocation?.(name);
    if (!location) throw new WeirError('CATALOG.NOT_FOUND', `event_log('${name}'): no pipeline has that id or name${ctx.catalog.eventLogLocation ? '' : ' (this process runs no pipeline engine)'}`);
    out = `${out.slice(0, m.index)}delta.\`${location.replace(/`/g, '``')}\`${out.slice((m.index ?? 0) + m[0].length)}`;
  }
  return out;
}

async function dropViews(conn: DuckDBConnection, names: string[]): Promise<void> {
  for (const n of names) await conn.run(`DROP VIEW IF EXISTS ${n}`).catch(() => undefined);
}

/** Translates a Spark SQL expression (a predicate or a SET value) to DuckDB SQL. */
export function translateExpression(ctx: StatementContext, expr: string): string {
  const out = translateSparkSql(`SELECT ${expr}`, { configuration: ctx.config }).statements[0].sql;
  return out.replace(/^SELECT\s/i, '').trim();
}
