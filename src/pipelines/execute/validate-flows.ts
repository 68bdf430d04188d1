import type { DuckDBConnection } from '@duckdb/node-api';
import { formatOrigin, type Dataset } from '../../domain/pipeline-definition.js';
import { WeirError } from '../../domain/weir-error.js';
import type { GraphFlow } from '../graph/pipeline-graph.js';
import type { UpdateContext } from '../update/flow-runner.js';
import { prepareQuery, type PrepareContext } from './flow-inputs.js';
import { shapeColumns } from './shape-columns.js';
import type { TableAccess } from './table-access.js';

const FRESH = () => ({ batch_id: -1, files: {}, tables: {} });

/**
 * validate_only: binds every flow's query in DuckDB, in dependency order, with each dataset standing in as an empty temp
 * table of its query's columns — nothing is read beyond what binding and LIMIT 0 need and nothing is written. Reports every error (SQL that does
 * not bind, a declared column list that does not match the query) at its file:line, then fails if there was any.
 * A flow whose files have not arrived yet cannot be bound; it and what reads it are reported as not checked.
 */
export async function validateFlows(conn: DuckDBConnection, tables: TableAccess, ctx: UpdateContext): Promise<void> {
  const views = new Map<string, string>();
  const p: PrepareContext = { conn, graph: ctx.graph, tables, configuration: ctx.configuration, views, baseDir: ctx.pipeline.source_dir };
  const unchecked = new Set<string>();
  const errors: string[] = [];
  for (const flowId of ctx.graph.order) {
    const flow = ctx.graph.flows.find((f) => f.id === flowId) as GraphFlow;
    if (views.has(flow.target)) continue;
    const ds = ctx.graph.datasets.find((d) => d.id === flow.target)?.definition;
    const def = flow.definition;
    const query = def.type === 'auto_cdc' ? { ...def.source, text: `SELECT * FROM ${def.source.text}`, references: shift(def.source.references), fileSources: shift(def.source.fileSources) } : def.query;
    if (flow.inputs.some((i) => unchecked.has(i.id))) {
      unchecked.add(flow.target);
      continue;
    }
    try {
      const q = await prepareQuery(p, flow, query, FRESH(), true, def.type === 'auto_cdc' ? 14 : 0);
      if (query.fileSources.length && !q.sources.some((s) => s.files)) {
        unchecked.add(flow.target);
        await ctx.events.emit({ level: 'WARN', event_type: 'flow_progress', message: `Flow '${flow.id}' was not checked: its source files have not arrived yet.`, origin: { flow_name: flow.id }, details: { flow_progress: { status: 'SKIPPED' } } });
        continue;
      }
      const produced = (await conn.runAndReadAll(`DESCRIBE ${q.sql}`)).getRowObjectsJson().map((r) => String(r.column_name));
      const mismatches = ds && def.type === 'flow' ? columnMismatches(ds, flow.target, produced) : [];
      errors.push(...mismatches);
      if (mismatches.length) {
        unchecked.add(flow.target);
        continue;
      }
      const name = `__weir_validate_${views.size}`;
      // An empty table, not a view: a view would bind the flow's input aliases (`__files_0`, `bronze`) by name,
      // and the next flow's prepareQuery replaces those on this same connection.
      await conn.run(`CREATE OR REPLACE TEMP TABLE "${name}" AS SELECT * FROM (${ds ? shapeColumns(ds, q.sql, ctx.configuration) : q.sql}) LIMIT 0`);
      views.set(flow.target, name);
    } catch (e) {
      errors.push(`${formatOrigin(query.origin)}: flow '${flow.id}' does not bind: ${(e as Error).message}`);
      unchecked.add(flow.target);
    }
  }
  for (const v of views.values()) await conn.run(`DROP TABLE IF EXISTS "${v}"`);
  for (const e of errors) await ctx.events.error(e, 'PIPELINE.INVALID_DEFINITION');
  if (errors.length) throw new WeirError('PIPELINE.INVALID_DEFINITION', `validation found ${errors.length} error(s); the first: ${errors[0]}`);
}

function shift<T extends { start: number; end: number }>(xs: T[]): T[] {
  return xs.map((x) => ({ ...x, start: x.start + 14, end: x.end + 14 }));
}

/** A declared column list must name exactly the query's columns (generated columns are computed, not read). */
export function columnMismatches(ds: Dataset, id: string, produced: string[]): string[] {
  const declared = ds.columns.filter((c) => !c.generatedAs);
  if (!ds.columns.some((c) => c.type)) return [];
  const has = new Set(produced.map((c) => c.toLowerCase()));
  const wants = new Set(declared.map((c) => c.name.toLowerCase()));
  const at = `${formatOrigin(ds.origin)}: ${id}`;
  const out: string[] = [];
  const missing = declared.filter((c) => !has.has(c.name.toLowerCase())).map((c) => c.name);
  const extra = produced.filter((c) => !wants.has(c.toLowerCase()) && !ds.columns.some((d) => d.generatedAs && d.name.toLowerCase() === c.toLowerCase()));
  if (missing.length) out.push(`${at} declares column(s) ${missing.join(', ')} that its query does not produce (it produces ${produced.join(', ')}); fix the column list or the query`);
  if (extra.length) out.push(`${at}: its query produces column(s) ${extra.join(', ')} that the declared column list does not have; declare them or leave them out of the SELECT`);
  return out;
}
