import type { DuckDBConnection } from '@duckdb/node-api';
import { formatOrigin, type AutoCdcFlow, type Dataset } from '../../domain/pipeline-definition.js';
import { WeirError } from '../../domain/weir-error.js';
import { translateSparkSql } from '../../engine/spark-sql/translate-spark-sql.js';
import type { GraphFlow } from '../graph/pipeline-graph.js';
import type { UpdateContext } from '../update/flow-runner.js';
import { differsSql, newTruncateSql, SCD1, scd1EventsSql, scd1Merge, scd1StateSql, tombstoneColumnsSql, tombstonesSql, type Scd1Shape } from './cdc-scd1.js';
import { SCD2, scd2StateSql, scd2TargetSql, scd2VersionsSql, versionColumnsSql, type Scd2Shape } from './cdc-scd2.js';
import { CdcStateTable } from './cdc-state.js';
import type { FlowCheckpoints } from './flow-checkpoint.js';
import { prepareQuery, type PrepareContext } from './flow-inputs.js';

const q = (n: string) => `"${n.replace(/"/g, '""')}"`;
const CHANGES = SCD1.changes;
const TARGET = SCD1.target;
const NEW_TOMBSTONES = '__weir_cdc_tombstones_new';

/** Table property: how long SCD 1 keeps a delete's tombstone (seconds). */
export const TOMBSTONE_GC_PROPERTY = 'pipelines.cdc.tombstoneGCThresholdInSeconds';
/** Default tombstone retention: 2 days. */
export const DEFAULT_TOMBSTONE_GC_SECONDS = 172_800;

/** What one AUTO CDC batch needs besides the SQL: its flow, target dataset and where its state lives. */
interface CdcRun {
  p: PrepareContext;
  ctx: UpdateContext;
  flow: GraphFlow;
  def: AutoCdcFlow;
  ds: Dataset;
  cps: FlowCheckpoints;
  full: boolean;
  exists: boolean;
  batch: number;
}

/**
 * AUTO CDC INTO / APPLY CHANGES INTO: applies the new change rows (since the checkpoint) to the target, by KEYS in
 * SEQUENCE BY order. SCD type 1 keeps the latest row per key: a change older than the stored row is ignored,
 * IGNORE NULL UPDATES keeps stored values for NULL columns, a delete removes the key and leaves a tombstone (so an
 * older change arriving later does not bring it back), APPLY AS TRUNCATE WHEN empties the target as of its sequence.
 * SCD type 2 keeps every version with `__START_AT` / `__END_AT` (NULL for the current row); a delete closes the
 * current row; with TRACK HISTORY ON only changes of the tracked columns open a version. SCD 1 changes to an existing
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
  const isDelete = predicate(def.applyAsDeletes, ctx);
  const isTruncate = predicate(def.applyAsTruncates, ctx);
  const kept = cols.filter((c) => (def.columnList ? def.columnList.includes(c) : !(def.exceptColumnList ?? []).includes(c)));
  const seq = q(def.sequenceBy);
  if (exists && !full) await p.conn.run(`CREATE OR REPLACE TEMP TABLE ${TARGET} AS ${await p.tables.scanSql(flow.target)}`);
  else await p.conn.run(`CREATE OR REPLACE TEMP TABLE ${TARGET} AS SELECT ${kept.map(q).join(', ')}${def.storedAsScdType === 2 ? `, ${seq} AS __START_AT, ${seq} AS __END_AT` : ''} FROM ${CHANGES} WHERE false`);
  const totals = await p.conn.runAndReadAll(`SELECT count(*) FILTER (WHERE NOT ${isDelete} AND NOT ${isTruncate}), count(*) FILTER (WHERE ${isDelete} AND NOT ${isTruncate}) FROM ${CHANGES}`);
  const [upserts, deletes] = (totals.getRows()[0] as unknown[]).map(Number);
  const run: CdcRun = { p, ctx, flow, def, ds, cps, full, exists, batch: prepared.next.batch_id + 1 };
  const keys = def.keys.map(q);
  if (def.storedAsScdType === 1) await applyScd1(run, { keys, seq, cols: kept, isDelete, isTruncate, ignoreNulls: def.ignoreNullUpdates });
  else await applyScd2(run, { keys, seq, cols: kept, isDelete, tracked: trackedColumns(def, kept), ignoreNulls: def.ignoreNullUpdates });
  cps.save(flow.id, { ...prepared.next, batch_id: run.batch, once_done: def.once || prepared.next.once_done });
  await p.conn.run(`DROP TABLE IF EXISTS ${CHANGES}; DROP TABLE IF EXISTS ${TARGET}`);
  return { num_output_rows: upserts + deletes, dropped_records: 0, expectations: [], num_upserted_rows: upserts, num_deleted_rows: deletes };
}

/** A change predicate (APPLY AS DELETE / TRUNCATE WHEN) as DuckDB SQL; false when the clause is absent. */
function predicate(expr: string | undefined, ctx: UpdateContext): string {
  if (expr === undefined) return 'false';
  const sql = translateSparkSql(`SELECT ${expr}`, { configuration: ctx.configuration }).statements[0].sql;
  return `coalesce((${sql.replace(/^SELECT /i, '').replace(/;$/, '')}), false)`;
}

/**
 * SCD 1: tombstones and the truncate watermark are read first; the target is then MERGEd (or rewritten when the batch
 * truncates it or it is new), and the tombstones are saved after it, computed from the target as written.
 */
async function applyScd1(r: CdcRun, s: Scd1Shape): Promise<void> {
  const { p, flow } = r;
  const state = CdcStateTable.of(p.conn, r.cps.dir, flow.id, 'tombstones');
  const stored = await state.exists();
  await state.load(SCD1.tombstones, tombstoneColumnsSql(s), r.full);
  const hadTombstones = Number((await p.conn.runAndReadAll(`SELECT count(*) FROM ${SCD1.tombstones}`)).getRows()[0][0]) > 0;
  const now = (p.now ?? Date.now)();
  const cutoff = now - gcThresholdSeconds(r.ds) * 1000;
  // Expired tombstones no longer block late changes, from this batch on (the truncate watermark never expires).
  await p.conn.run(`DELETE FROM ${SCD1.tombstones} WHERE NOT __truncate AND __deleted_at < ${cutoff}`);
  for (const sql of scd1EventsSql(s)) await p.conn.run(sql);
  const truncated = Boolean((await p.conn.runAndReadAll(newTruncateSql())).getRows()[0][0]);
  const targetCols = r.exists && !r.full ? await columnsOf(p.conn, TARGET) : [];
  if (!truncated && targetCols.length && s.cols.every((c) => targetCols.includes(c))) {
    // An existing table: a MERGE rewrites only the files holding changed keys. It is idempotent (a change applies
    // only over an older sequence), so re-running a batch after a crash changes nothing.
    await p.tables.merge(flow.target, scd1Merge(s));
  } else await writeState(r, scd1StateSql(s));
  const hasDeletes = Number((await p.conn.runAndReadAll(`SELECT count(*) FROM ${SCD1.events} WHERE __del`)).getRows()[0][0]) > 0;
  // Nothing deleted and nothing to forget: an upsert-only feed pays no tombstone bookkeeping.
  if (!hasDeletes && !hadTombstones && !truncated && !(r.full && stored)) return;
  await p.conn.run(`CREATE OR REPLACE TEMP TABLE ${NEW_TOMBSTONES} AS ${tombstonesSql(s, await p.tables.scanSql(flow.target), now, cutoff)}`);
  const changed = Number((await p.conn.runAndReadAll(differsSql(NEW_TOMBSTONES, SCD1.tombstones))).getRows()[0][0]) > 0;
  if (changed || (r.full && stored)) await state.save(`SELECT * FROM ${NEW_TOMBSTONES}`);
  await p.conn.run(`DROP TABLE IF EXISTS ${NEW_TOMBSTONES}; DROP TABLE IF EXISTS ${SCD1.tombstones}; DROP TABLE IF EXISTS ${SCD1.events}; DROP TABLE IF EXISTS ${SCD1.mark}`);
}

/** SCD 2: the whole history is rewritten (one overwrite with the flow's txn), then the in-place update sequences. */
async function applyScd2(r: CdcRun, s: Scd2Shape): Promise<void> {
  const { p, flow } = r;
  const versions = s.tracked ? CdcStateTable.of(p.conn, r.cps.dir, flow.id, 'versions') : undefined;
  if (versions) await versions.load(SCD2.versions, versionColumnsSql(s), r.full);
  await p.conn.run(`CREATE OR REPLACE TEMP TABLE ${SCD2.state} AS ${scd2StateSql(s)}`);
  await writeState(r, scd2TargetSql(s));
  if (versions) {
    const rows = Number((await p.conn.runAndReadAll(`SELECT count(*) FROM (${scd2VersionsSql(s)})`)).getRows()[0][0]);
    if (rows > 0 || (await versions.exists())) await versions.save(scd2VersionsSql(s));
    await p.conn.run(`DROP TABLE IF EXISTS ${SCD2.versions}`);
  }
  await p.conn.run(`DROP TABLE IF EXISTS ${SCD2.state}`);
}

async function writeState(r: CdcRun, sql: string): Promise<void> {
  const { ds } = r;
  await r.p.tables.write(r.flow.target, sql, { mode: 'overwrite', overwriteSchema: true, partitionBy: ds.partitionCols.length ? ds.partitionCols : undefined, properties: ds.tableProperties, txn: { appId: `${r.ctx.pipeline.pipeline_id}/${r.flow.id}`, version: r.batch } });
}

/**
 * TRACK HISTORY ON: the kept columns whose changes open a new version. `* EXCEPT (…)` tracks every kept column but
 * those, the keys and the SEQUENCE BY column (it changes with every event and is already recorded as __START_AT).
 */
function trackedColumns(def: AutoCdcFlow, kept: string[]): string[] | undefined {
  const lower = (l: string[]) => l.map((c) => c.toLowerCase());
  const fixed = new Set(lower([...def.keys, def.sequenceBy]));
  if (def.trackHistoryColumnList) {
    const unknown = def.trackHistoryColumnList.filter((c) => !lower(kept).includes(c.toLowerCase()));
    if (unknown.length) throw new WeirError('PIPELINE.INVALID_DEFINITION', `${formatOrigin(def.origin)}: TRACK HISTORY ON names ${unknown.join(', ')}, which the target does not keep (columns: ${kept.join(', ')}); fix the column list`);
    const wanted = new Set(lower(def.trackHistoryColumnList));
    return kept.filter((c) => wanted.has(c.toLowerCase()) && !fixed.has(c.toLowerCase()));
  }
  if (def.trackHistoryExceptColumnList) {
    const except = new Set(lower(def.trackHistoryExceptColumnList));
    return kept.filter((c) => !except.has(c.toLowerCase()) && !fixed.has(c.toLowerCase()));
  }
  return undefined;
}

/** `pipelines.cdc.tombstoneGCThresholdInSeconds` of the target, or the default. */
function gcThresholdSeconds(ds: Dataset): number {
  const raw = ds.tableProperties[TOMBSTONE_GC_PROPERTY];
  if (raw === undefined) return DEFAULT_TOMBSTONE_GC_SECONDS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new WeirError('PIPELINE.INVALID_DEFINITION', `${formatOrigin(ds.origin)}: TBLPROPERTIES '${TOMBSTONE_GC_PROPERTY}' = '${raw}' is not a number of seconds; write e.g. '172800' (2 days)`);
  return n;
}

async function columnsOf(conn: DuckDBConnection, table: string): Promise<string[]> {
  const r = await conn.runAndReadAll(`DESCRIBE ${table}`);
  return r.getRowObjectsJson().map((row) => String(row.column_name));
}
