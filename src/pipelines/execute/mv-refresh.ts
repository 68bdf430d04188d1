import type { DuckDBConnection } from '@duckdb/node-api';
import type { GraphFlow } from '../graph/pipeline-graph.js';
import type { PrepareContext } from './flow-inputs.js';
import { planIncrementalAggregate, type IncrementalAggregate } from './incremental-aggregate.js';

/**
 * An aggregate view over one append-only table input can be refreshed from the rows appended since its last
 * refresh (see incremental-aggregate.ts); returns the plan, the input and the version it was last read at.
 */
export async function incrementalRefresh(p: PrepareContext, flow: GraphFlow, cp: { tables: Record<string, number> }) {
  const def = flow.definition;
  if (def.type !== 'flow' || def.query.fileSources.length || flow.inputs.length !== 1) return undefined;
  const input = flow.inputs[0].id;
  const plan = planIncrementalAggregate(def.query.text);
  const from = cp.tables[input];
  if (!plan || from === undefined || p.views.has(input)) return undefined;
  const latest = await p.tables.latestVersion(input);
  if (latest === undefined || latest <= from || !(await p.tables.appendOnly(input, from, latest))) return undefined;
  return { plan, input, from };
}

/**
 * Stored rows and the new partial aggregates, combined per key (sum of counts and sums, min of mins, max of maxes),
 * cast back to the stored types (DuckDB widens sum(BIGINT) to HUGEINT).
 */
export async function mergeAggregates(conn: DuckDBConnection, plan: IncrementalAggregate, storedSql: string, deltaSql: string): Promise<string> {
  const q = (n: string) => `"${n.replace(/"/g, '""')}"`;
  const types = new Map((await conn.runAndReadAll(`DESCRIBE ${storedSql}`)).getRowObjectsJson().map((r) => [String(r.column_name), String(r.column_type)]));
  const keys = plan.columns.filter((c) => c.combine === 'key').map((c) => q(c.name));
  const cols = plan.columns.map((c) => (c.combine === 'key' ? q(c.name) : `CAST(${c.combine}(${q(c.name)}) AS ${types.get(c.name) ?? 'DOUBLE'}) AS ${q(c.name)}`));
  return `SELECT ${cols.join(', ')} FROM (SELECT * FROM (${storedSql}) UNION ALL BY NAME SELECT * FROM (${deltaSql}))${keys.length ? ` GROUP BY ${keys.join(', ')}` : ''}`;
}

/** The versions of a flow's table inputs, or undefined when one cannot be versioned (a view of this update). */
export async function inputVersions(p: PrepareContext, flow: GraphFlow): Promise<Record<string, number> | undefined> {
  const out: Record<string, number> = {};
  for (const i of flow.inputs) {
    if (p.views.has(i.id)) return undefined;
    const v = await p.tables.latestVersion(i.id);
    if (v === undefined) return undefined;
    out[i.id] = v;
  }
  return out;
}

/**
 * A materialized view whose inputs are all tables at the versions of its last refresh is not recomputed: the
 * result would be the same (the reason is shown in its flow_progress). File inputs and views always recompute.
 */
export async function unchangedInputs(p: PrepareContext, flow: GraphFlow, readsFiles: boolean, cp: { tables: Record<string, number> }): Promise<{ unchanged: boolean }> {
  if (readsFiles || flow.inputs.length === 0) return { unchanged: false };
  const now = await inputVersions(p, flow);
  if (!now) return { unchanged: false };
  const before = cp.tables;
  if (Object.keys(now).length !== Object.keys(before).length) return { unchanged: false };
  // Versions that only reorganised files (OPTIMIZE, VACUUM: dataChange=false) do not change the result.
  for (const [id, v] of Object.entries(now)) {
    if (before[id] === undefined || (before[id] !== v && (await p.tables.dataChanged(id, before[id], v)))) return { unchanged: false };
  }
  return { unchanged: true };
}
