/**
 * MERGE INTO: joins the source with the target's files (pruned by the ON condition's target-only parts), rewrites
 * only the files that hold matched rows (all files when WHEN NOT MATCHED BY SOURCE clauses exist), and appends the
 * inserted rows. Several source rows matching one target row is an error, as in Delta, unless the only matched
 * clause is an unconditional DELETE. One commit, operation MERGE, with Spark's metrics.
 */
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Clock } from '../../domain/clock.js';
import { WeirError } from '../../domain/weir-error.js';
import type { Action, AddFile } from '../actions.js';
import type { PendingCommit } from '../commit/commit-transaction.js';
import type { TableState } from '../commit/table-state.js';
import { skipFiles } from '../file-skipping.js';
import { dataFilePath } from '../scan/data-file-path.js';
import type { Snapshot } from '../snapshot.js';
import { assertWritable } from '../write/table-protocol.js';
import { tableScanSql } from '../write/table-scan-sql.js';
import { quoteIdent, type DeltaStructType } from '../write/delta-schema.js';
import { clauseColumnSql, clauseIndexSql, codeClauses, type CodedClause, type MergeSpec } from './merge-clauses.js';
import { removeAction, runDml } from './matching-files.js';
import { pruningPredicate } from './pruning-predicate.js';
import { sourceKeyRanges } from './source-key-ranges.js';
import { tableSchema, typedColumns, writeTableRows } from './write-table-rows.js';

export type { MergeSpec } from './merge-clauses.js';

/** Action codes: matched clause i → i, not-matched-by-source j → BY_SOURCE + j, insert k → INSERT + k, none → -1. */
const BY_SOURCE = 1000;
const INSERT = 2000;

interface MergeContext {
  conn: DuckDBConnection;
  snapshot: Snapshot;
  spec: MergeSpec;
  schema: DeltaStructType;
  t: string;
  s: string;
  names: { src: string; pairs: string; tgt: string; out: string };
}

/**
 * Target files that may hold rows satisfying the ON condition: its target-only parts and the source's key ranges
 * (`t.x = s.y` → x within [min(y), max(y)]) prune by partition values and stats.
 */
async function targetCandidates(ctx: MergeContext): Promise<AddFile[]> {
  const t = ctx.spec.targetAlias ?? 't';
  const own = await pruningPredicate(ctx.conn, ctx.spec.on, t);
  const ranges = await sourceKeyRanges(ctx.conn, { on: ctx.spec.on, targetAlias: t, sourceAlias: ctx.spec.sourceAlias ?? 's', sourceTable: ctx.names.src, schema: ctx.schema });
  const args = [...(own ? [own] : []), ...ranges];
  if (args.length === 0) return ctx.snapshot.files;
  try {
    return skipFiles(ctx.snapshot, { op: 'and', args }).kept;
  } catch {
    return ctx.snapshot.files;
  }
}

async function assertSingleMatches(ctx: MergeContext): Promise<void> {
  const matched = ctx.spec.whenMatched ?? [];
  if (matched.length === 0 || (matched.length === 1 && matched[0].action === 'delete' && !matched[0].condition?.trim())) return;
  const { t, s, names } = ctx;
  const [dup] = await runDml(ctx.conn, `SELECT count(*) AS n FROM (SELECT ${t}.__weir_tgt_row FROM ${names.tgt} ${t} JOIN ${names.src} ${s} ON (${ctx.spec.on}) GROUP BY 1 HAVING count(*) > 1)`, 'MERGE ON condition');
  if (Number(dup?.n ?? 0) > 0) {
    throw new WeirError(
      'DELTA.MERGE_MULTIPLE_MATCHES',
      `MERGE into ${ctx.snapshot.tablePath}: multiple source rows matched and attempted to modify the same target row (${dup.n} target row(s) matched more than one source row for ON ${ctx.spec.on}); the result would be ambiguous, so preprocess the source to keep one row per key`,
      { params: { tablePath: ctx.snapshot.tablePath, targetRows: Number(dup.n) } },
    );
  }
}

/** Rows of the rewritten files with their action code and new values, into the `out` temp table. */
async function rewriteTouched(ctx: MergeContext, touched: AddFile[]): Promise<void> {
  const { conn, spec, schema, t, s, names } = ctx;
  const scan = await tableScanSql(conn, ctx.snapshot, { files: touched, withFile: true });
  await runDml(conn, `CREATE TEMP TABLE ${names.tgt} AS SELECT *, row_number() OVER () AS __weir_tgt_row FROM (${scan})`, 'MERGE target scan');
  await assertSingleMatches(ctx);
  const pick = `SELECT ${t}.__weir_tgt_row, min(${s}.__weir_src_row) AS __weir_sr FROM ${names.tgt} ${t} LEFT JOIN ${names.src} ${s} ON (${spec.on}) GROUP BY 1`;
  const coded: CodedClause[] = [
    ...codeClauses(spec.whenMatched ?? [], 0, schema, spec.sourceAlias ?? 's', 'whenMatched'),
    ...codeClauses(spec.whenNotMatchedBySource ?? [], BY_SOURCE, schema, spec.sourceAlias ?? 's', 'whenNotMatchedBySource'),
  ];
  const action = `CASE WHEN ${t}.__weir_sr IS NULL THEN ${clauseIndexSql(spec.whenNotMatchedBySource ?? [], BY_SOURCE)} ELSE ${clauseIndexSql(spec.whenMatched ?? [], 0)} END`;
  const cols = schema.fields.map((f) => `${clauseColumnSql(coded, f.name, '__weir_action', `${t}.${quoteIdent(f.name)}`)} AS ${quoteIdent(f.name)}`);
  const joined = `(SELECT g.*, p.__weir_sr FROM ${names.tgt} g JOIN (${pick}) p USING (__weir_tgt_row))`;
  await runDml(conn, `CREATE TEMP TABLE ${names.out} AS SELECT ${action} AS __weir_action, ${cols.join(', ')} FROM ${joined} ${t} LEFT JOIN ${names.src} ${s} ON ${s}.__weir_src_row = ${t}.__weir_sr`, 'MERGE clauses');
}

/** Source rows that match no target row, with the insert clause that applies, appended to `out`. */
async function insertUnmatched(ctx: MergeContext, hasOut: boolean): Promise<void> {
  const { conn, spec, schema, s, names } = ctx;
  const clauses = spec.whenNotMatched ?? [];
  const coded = codeClauses(clauses, INSERT, schema, spec.sourceAlias ?? 's', 'whenNotMatched');
  const cols = schema.fields.map((f) => `${clauseColumnSql(coded, f.name, '__weir_action', 'NULL')} AS ${quoteIdent(f.name)}`);
  const select = `SELECT ${clauseIndexSql(clauses, INSERT)} AS __weir_action, ${cols.join(', ')} FROM ${names.src} ${s} ANTI JOIN ${names.pairs} p ON p.sr = ${s}.__weir_src_row`;
  await runDml(conn, hasOut ? `INSERT INTO ${names.out} BY NAME SELECT * FROM (${select}) WHERE __weir_action >= 0` : `CREATE TEMP TABLE ${names.out} AS SELECT * FROM (${select}) WHERE __weir_action >= 0`, 'MERGE insert clauses');
}

/** Counts output rows per action code. */
async function actionCounts(ctx: MergeContext): Promise<Map<number, number>> {
  const rows = await runDml(ctx.conn, `SELECT __weir_action AS a, count(*) AS n FROM ${ctx.names.out} GROUP BY 1`, 'MERGE metrics');
  return new Map(rows.map((r) => [Number(r.a), Number(r.n)]));
}

function mergeMetrics(spec: MergeSpec, counts: Map<number, number>, sourceRows: number, adds: AddFile[], removed: AddFile[]): Record<string, string> {
  let updated = 0;
  let deleted = 0;
  let inserted = 0;
  const tally = (code: number, n: number, action: string) => {
    if (code >= INSERT) inserted += n;
    else if (action === 'delete') deleted += n;
    else updated += n;
  };
  for (const [code, n] of counts) {
    if (code < 0) continue;
    const clause = code >= INSERT ? spec.whenNotMatched?.[code - INSERT] : code >= BY_SOURCE ? spec.whenNotMatchedBySource?.[code - BY_SOURCE] : spec.whenMatched?.[code];
    tally(code, n, clause?.action ?? '');
  }
  const copied = counts.get(-1) ?? 0;
  return {
    numSourceRows: String(sourceRows),
    numTargetRowsInserted: String(inserted),
    numTargetRowsUpdated: String(updated),
    numTargetRowsDeleted: String(deleted),
    numTargetRowsCopied: String(copied),
    numOutputRows: String(inserted + updated + copied),
    numTargetFilesAdded: String(adds.length),
    numTargetFilesRemoved: String(removed.length),
    numTargetBytesAdded: String(adds.reduce((n, a) => n + a.size, 0)),
    numTargetBytesRemoved: String(removed.reduce((n, a) => n + a.size, 0)),
  };
}

/** Finds the matched pairs, the files to rewrite, and writes the new files. */
async function mergeFiles(ctx: MergeContext, clock: Clock): Promise<{ adds: AddFile[]; touched: AddFile[]; counts: Map<number, number>; sourceRows: number; scanned: number }> {
  const { conn, snapshot, spec, t, s, names } = ctx;
  await runDml(conn, `CREATE TEMP TABLE ${names.src} AS SELECT *, row_number() OVER () AS __weir_src_row FROM (${spec.source})`, 'MERGE source query');
  const [{ n: sourceRows }] = await runDml(conn, `SELECT count(*) AS n FROM ${names.src}`, 'MERGE source query');
  const candidates = await targetCandidates(ctx);
  const scan = await tableScanSql(conn, snapshot, { files: candidates, withFile: true });
  await runDml(conn, `CREATE TEMP TABLE ${names.pairs} AS SELECT ${s}.__weir_src_row AS sr, ${t}.__file AS f FROM ${names.src} ${s} JOIN (${scan}) ${t} ON (${spec.on})`, 'MERGE ON condition');
  let touched: AddFile[] = [];
  if ((spec.whenNotMatchedBySource ?? []).length > 0) touched = snapshot.files;
  else if ((spec.whenMatched ?? []).length > 0) {
    const hit = new Set((await runDml(conn, `SELECT DISTINCT f FROM ${names.pairs}`, 'MERGE')).map((r) => String(r.f)));
    touched = snapshot.files.filter((f) => hit.has(dataFilePath(snapshot.tablePath, f.path)));
  }
  if (touched.length > 0) await rewriteTouched(ctx, touched);
  await insertUnmatched(ctx, touched.length > 0);
  const counts = await actionCounts(ctx);
  const deletes = [...(spec.whenMatched ?? []).map((c, i) => [c, i] as const), ...(spec.whenNotMatchedBySource ?? []).map((c, j) => [c, BY_SOURCE + j] as const)].filter(([c]) => c.action === 'delete').map(([, code]) => code);
  const keep = deletes.length > 0 ? `WHERE __weir_action NOT IN (${deletes.join(', ')})` : '';
  const adds = await writeTableRows(conn, snapshot, `SELECT ${typedColumns(ctx.schema, () => undefined)} FROM ${names.out} ${keep}`, clock);
  return { adds, touched, counts, sourceRows: Number(sourceRows), scanned: candidates.length };
}

/** Builds (and writes the data files of) the MERGE commit. */
export async function buildMerge(conn: DuckDBConnection, state: TableState, spec: MergeSpec, clock: Clock): Promise<PendingCommit> {
  const { snapshot } = state;
  assertWritable(snapshot.tablePath, snapshot.protocol, snapshot.metadata, true);
  const id = randomUUID().replace(/-/g, '').slice(0, 12);
  const names = { src: `__weir_merge_src_${id}`, pairs: `__weir_merge_pairs_${id}`, tgt: `__weir_merge_tgt_${id}`, out: `__weir_merge_out_${id}` };
  const ctx: MergeContext = { conn, snapshot, spec, schema: tableSchema(snapshot), t: quoteIdent(spec.targetAlias ?? 't'), s: quoteIdent(spec.sourceAlias ?? 's'), names };
  const now = clock.now();
  let result;
  try {
    result = await mergeFiles(ctx, clock);
  } finally {
    for (const n of Object.values(names)) await conn.run(`DROP TABLE IF EXISTS ${n}`).catch(() => undefined);
  }
  const { adds, touched, counts, sourceRows, scanned } = result;
  const actions: Action[] = [...touched.map((f) => ({ remove: removeAction(f, now) })), ...adds.map((a) => ({ add: a }))];
  const parameters: Record<string, string> = { predicate: JSON.stringify(spec.on) };
  parameters.matchedPredicates = JSON.stringify((spec.whenMatched ?? []).map((c) => ({ ...(c.condition ? { predicate: c.condition } : {}), actionType: c.action })));
  parameters.notMatchedPredicates = JSON.stringify((spec.whenNotMatched ?? []).map((c) => ({ ...(c.condition ? { predicate: c.condition } : {}), actionType: c.action })));
  parameters.notMatchedBySourcePredicates = JSON.stringify((spec.whenNotMatchedBySource ?? []).map((c) => ({ ...(c.condition ? { predicate: c.condition } : {}), actionType: c.action })));
  return {
    tablePath: snapshot.tablePath,
    readState: state,
    actions,
    operation: 'MERGE',
    operationParameters: parameters,
    operationMetrics: { ...mergeMetrics(spec, counts, sourceRows, adds, touched), numTargetFilesBeforeSkipping: String(snapshot.files.length), numTargetFilesAfterSkipping: String(scanned) },
    footprint: { isBlindAppend: false, removedPaths: new Set(touched.map((f) => f.path)), appIds: new Set(), changesMetadata: false, readPaths: new Set(touched.map((f) => f.path)), readsNewData: true },
  };
}
