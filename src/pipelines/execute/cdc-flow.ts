import type { DuckDBConnection } from '@duckdb/node-api';
import type { MergeSpec } from '../../lake/dml/merge-clauses.js';
import type { AutoCdcFlow, Dataset } from '../../domain/pipeline-definition.js';
import { translateSparkSql } from '../../engine/spark-sql/translate-spark-sql.js';
import type { GraphFlow } from '../graph/pipeline-graph.js';
import type { UpdateContext } from '../update/flow-runner.js';
import type { FlowCheckpoints } from './flow-checkpoint.js';
import { prepareQuery, type PrepareContext } from './flow-inputs.js';

const q = (n: string) => `"${n.replace(/"/g, '""')}"`;
const CHANGES = '__weir_changes';
const TARGET = '__weir_cdc_target';

/**
 * AUTO CDC INTO / APPLY CHANGES INTO: applies the new change rows (since the checkpoint) to the target, by KEYS in
 * SEQUENCE BY order. SCD type 1 keeps the latest row per key (deletes remove it; a change older than the stored
 * row is ignored; IGNORE NULL UPDATES keeps stored values for NULL columns). SCD type 2 keeps every version with
 * `__START_AT` / `__END_AT` (NULL for the current row); a delete closes the current row. SCD 1 changes to an existing
 * table are a MERGE (only files with changed keys are rewritten); otherwise the new state is committed as one
 * overwrite carrying the flow's txn, so a re-run of the same batch is a no-op.
 */
export async function runCdcFlow(p: PrepareContext, ctx: UpdateContext, flow: GraphFlow, ds: Dataset, cps: FlowCheckpoints, full: boolean) {
  const def = flow.definition as AutoCdcFlow;
  const cp = full ? { batch_id: -1, files: {}, tables: {} } : cps.load(flow.id);
  if (def.once && cp.once_done && !full) return { num_output_rows: 0, dropped_records: 0, expectations: [], skipped: true };
  const wrap = 'SELECT * FROM ';
  const shift = wrap.length;
  const source = { ...def.source, text: wrap + def.source.text, references: def.source.references.map((r) => ({ ...r, start: r.start + shift, end: r.end + shift })), fileSources: def.source.fileSources.map((f) => ({ ...f, start: f.start + shift, end: f.end + shift })) };
  const prepared = await prepareQuery(p, flow, source, cp, full, shift);
  const exists = (await p.tables.latestVersion(flow.target)) !== undefined;
  if (!prepared.hasNewData && exists && !full) {
    cps.save(flow.id, prepared.next);
    return { num_output_rows: 0, dropped_records: 0, expectations: [] };
  }
  await p.conn.run(`CREATE OR REPLACE TEMP TABLE ${CHANGES} AS ${prepared.sql}`);
  const cols = await columnsOf(p.conn, CHANGES);
  const spark = (sql: string) => translateSparkSql(sql, { configuration: ctx.configuration }).statements[0].sql;
  const isDelete = def.applyAsDeletes ? `coalesce((${spark(`SELECT ${def.applyAsDeletes}`).replace(/^SELECT /i, '').replace(/;$/, '')}), false)` : 'false';
  const kept = cols.filter((c) => (def.columnList ? def.columnList.includes(c) : !(def.exceptColumnList ?? []).includes(c)));
  if (exists && !full) await p.conn.run(`CREATE OR REPLACE TEMP TABLE ${TARGET} AS ${await p.tables.scanSql(flow.target)}`);
  else await p.conn.run(`CREATE OR REPLACE TEMP TABLE ${TARGET} AS SELECT ${kept.map(q).join(', ')}${def.storedAsScdType === 2 ? `, ${q(def.sequenceBy)} AS __START_AT, ${q(def.sequenceBy)} AS __END_AT` : ''} FROM ${CHANGES} WHERE false`);
  const keys = def.keys.map(q);
  const seq = q(def.sequenceBy);
  const stateSql = def.storedAsScdType === 1 ? scd1(keys, seq, kept, isDelete, def.ignoreNullUpdates) : scd2(keys, seq, kept, isDelete);
  const totals = await p.conn.runAndReadAll(`SELECT count(*) FILTER (WHERE NOT ${isDelete}), count(*) FILTER (WHERE ${isDelete}) FROM ${CHANGES}`);
  const [upserts, deletes] = (totals.getRows()[0] as unknown[]).map(Number);
  const batch = prepared.next.batch_id + 1;
  const targetCols = exists && !full && def.storedAsScdType === 1 ? await columnsOf(p.conn, TARGET) : [];
  if (targetCols.length && kept.every((c) => targetCols.includes(c))) {
    // SCD 1 on an existing table: a MERGE rewrites only the files holding changed keys. It is idempotent (a change
    // applies only over an older sequence), so re-running a batch after a crash changes nothing.
    await p.tables.merge(flow.target, scd1Merge(keys, seq, kept, isDelete, def.ignoreNullUpdates));
  } else await p.tables.write(flow.target, stateSql, { mode: 'overwrite', overwriteSchema: true, partitionBy: ds.partitionCols.length ? ds.partitionCols : undefined, properties: ds.tableProperties, txn: { appId: `${ctx.pipeline.pipeline_id}/${flow.id}`, version: batch } });
  cps.save(flow.id, { ...prepared.next, batch_id: batch, once_done: def.once || prepared.next.once_done });
  await p.conn.run(`DROP TABLE IF EXISTS ${CHANGES}; DROP TABLE IF EXISTS ${TARGET}`);
  return { num_output_rows: upserts + deletes, dropped_records: 0, expectations: [], num_upserted_rows: upserts, num_deleted_rows: deletes };
}

/** SCD 1 as a MERGE of the latest change per key: deletes and updates over older rows, inserts of new keys. */
function scd1Merge(keys: string[], seq: string, cols: string[], isDelete: string, ignoreNulls: boolean): MergeSpec {
  const newer = `(t.${seq} IS NULL OR s.${seq} > t.${seq})`;
  const value = (c: string) => (ignoreNulls && !keys.includes(q(c)) ? `coalesce(s.${q(c)}, t.${q(c)})` : `s.${q(c)}`);
  return {
    source: `SELECT ${cols.map(q).join(', ')}, ${isDelete} AS __del FROM ${CHANGES} QUALIFY row_number() OVER (PARTITION BY ${keys.join(', ')} ORDER BY ${seq} DESC) = 1`,
    on: keys.map((k) => `t.${k} IS NOT DISTINCT FROM s.${k}`).join(' AND '),
    whenMatched: [
      { condition: `s.__del AND ${newer}`, action: 'delete' },
      { condition: `NOT s.__del AND ${newer}`, action: 'update', set: Object.fromEntries(cols.map((c) => [c, value(c)])) },
    ],
    whenNotMatched: [{ condition: 'NOT s.__del', action: 'insert', values: Object.fromEntries(cols.map((c) => [c, `s.${q(c)}`])) }],
  };
}

async function columnsOf(conn: DuckDBConnection, table: string): Promise<string[]> {
  const r = await conn.runAndReadAll(`DESCRIBE ${table}`);
  return r.getRowObjectsJson().map((row) => String(row.column_name));
}

const keyMatch = (keys: string[], a: string, b: string) => keys.map((k) => `${a}.${k} IS NOT DISTINCT FROM ${b}.${k}`).join(' AND ');

/** Latest change per key wins over the stored row when its sequence is newer; deletes remove the key. */
function scd1(keys: string[], seq: string, cols: string[], isDelete: string, ignoreNulls: boolean): string {
  const latest = `SELECT *, ${isDelete} AS __del FROM ${CHANGES} QUALIFY row_number() OVER (PARTITION BY ${keys.join(', ')} ORDER BY ${seq} DESC) = 1`;
  const applies = `(t.${seq} IS NULL OR l.${seq} > t.${seq})`;
  const value = (c: string) => (ignoreNulls && !keys.includes(q(c)) ? `coalesce(l.${q(c)}, t.${q(c)})` : `l.${q(c)}`);
  return `WITH l AS (${latest})
    SELECT t.* FROM ${TARGET} t WHERE NOT EXISTS (SELECT 1 FROM l WHERE ${keyMatch(keys, 'l', 't')} AND ${applies})
    UNION ALL BY NAME
    SELECT ${cols.map((c) => `${value(c)} AS ${q(c)}`).join(', ')} FROM l LEFT JOIN ${TARGET} t ON ${keyMatch(keys, 'l', 't')}
    WHERE NOT l.__del AND ${applies}`;
}

/**
 * SCD 2 history, recomputed per key over the stored versions and the new changes together, so a change that
 * arrives late (older sequence) lands in its place in the chain: every non-delete event opens a version that the
 * key's next event (change or delete) closes. Stored deletes are the gaps where a version closed without a
 * successor; a key deleted then inserted again gets a new open version. Exact duplicates (same key and sequence)
 * count once.
 */
function scd2(keys: string[], seq: string, cols: string[], isDelete: string): string {
  const k = keys.join(', ');
  const colList = cols.map(q).join(', ');
  const stored = `SELECT ${colList}, __START_AT AS __seq, false AS __del FROM ${TARGET}`;
  const storedDeletes = `SELECT ${cols.map((c) => (keys.includes(q(c)) ? `t.${q(c)}` : `NULL AS ${q(c)}`)).join(', ')}, t.__END_AT AS __seq, true AS __del FROM ${TARGET} t
      WHERE t.__END_AT IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${TARGET} n WHERE ${keyMatch(keys, 'n', 't')} AND n.__START_AT = t.__END_AT)`;
  const changes = `SELECT ${colList}, ${seq} AS __seq, ${isDelete} AS __del FROM ${CHANGES}`;
  const all = `SELECT * FROM (${stored} UNION ALL BY NAME ${storedDeletes} UNION ALL BY NAME ${changes}) QUALIFY row_number() OVER (PARTITION BY ${k}, __seq ORDER BY __del DESC) = 1`;
  return `WITH e AS (SELECT *, lead(__seq) OVER (PARTITION BY ${k} ORDER BY __seq) AS __next FROM (${all}))
    SELECT ${colList}, __seq AS __START_AT, __next AS __END_AT FROM e WHERE NOT __del`;
}
