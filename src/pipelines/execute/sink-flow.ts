import { isAbsolute, resolve } from 'node:path';
import type { Flow, Sink } from '../../domain/pipeline-definition.js';
import { nameFromString } from '../define/sql-fragments.js';
import { qualifyName, type DefaultNamespace } from '../graph/qualify-name.js';
import type { GraphFlow } from '../graph/pipeline-graph.js';
import type { UpdateContext } from '../update/flow-runner.js';
import type { FlowCheckpoints } from './flow-checkpoint.js';
import { prepareQuery, type PrepareContext } from './flow-inputs.js';
import type { FlowMetrics } from './run-flow.js';

/**
 * Where a Delta sink is written: `options.path` (relative to the pipeline's folder) or the managed location of
 * `options.tableName`, qualified with the pipeline's catalog and schema.
 */
export function sinkLocation(sink: Sink, baseDir: string, defaults: DefaultNamespace, tableLocation: (id: string) => string): string {
  const path = sink.options.path;
  if (path !== undefined) return isAbsolute(path) ? path : resolve(baseDir, path);
  return tableLocation(qualifyName(nameFromString(sink.options.tableName ?? '', sink.origin, 'sink tableName'), sink.namespace, defaults));
}

/**
 * An append flow into a sink: what is new since the checkpoint is appended with the flow's txn. A full refresh
 * forgets what the flow consumed (it replays its sources) but never clears the sink; its batch numbers keep
 * counting, so the replayed batches are not mistaken for ones the sink already has.
 */
export async function runSinkFlow(p: PrepareContext, ctx: UpdateContext, flow: GraphFlow, cps: FlowCheckpoints, full: boolean): Promise<FlowMetrics> {
  const def = flow.definition as Flow;
  const stored = cps.load(flow.id);
  const cp = full ? { batch_id: stored.batch_id, files: {}, tables: {} } : stored;
  if (def.once && cp.once_done && !full) return { num_output_rows: 0, dropped_records: 0, expectations: [], skipped: true };
  const q = await prepareQuery(p, flow, def.query, cp, full);
  if (!q.hasNewData) {
    cps.save(flow.id, q.next);
    return { num_output_rows: 0, dropped_records: 0, expectations: [] };
  }
  const batch = q.next.batch_id + 1;
  const written = await p.tables.write(flow.target, q.sql, { mode: 'append', mergeSchema: true, txn: { appId: `${ctx.pipeline.pipeline_id}/${flow.id}`, version: batch } });
  cps.save(flow.id, { ...q.next, batch_id: batch, once_done: def.once || q.next.once_done });
  return { num_output_rows: written.numOutputRows, dropped_records: 0, expectations: [] };
}
