import type { MergeSpec } from '../../lake/dml/merge-clauses.js';

/** Temp tables of one SCD 1 batch (created by cdc-flow.ts). */
export const SCD1 = { changes: '__weir_changes', target: '__weir_cdc_target', tombstones: '__weir_cdc_tombstones', events: '__weir_cdc_events', mark: '__weir_cdc_mark' };

/** How one SCD 1 flow reads its changes: quoted key and sequence columns, kept columns, event predicates. */
export interface Scd1Shape {
  keys: string[];
  seq: string;
  cols: string[];
  isDelete: string;
  isTruncate: string;
  ignoreNulls: boolean;
}

const q = (n: string) => `"${n.replace(/"/g, '""')}"`;
const keyMatch = (keys: string[], a: string, b: string) => keys.map((k) => `${a}.${k} IS NOT DISTINCT FROM ${b}.${k}`).join(' AND ');
/** The truncate watermark: the sequence value up to which the target was emptied (NULL: never truncated). */
const MARK = `(SELECT __seq FROM ${SCD1.mark})`;

/** Columns of the tombstone table: the keys, the delete's sequence value, when it was recorded (epoch ms), and the truncate marker row. */
export function tombstoneColumnsSql(s: Scd1Shape): string {
  return `SELECT ${s.keys.join(', ')}, ${s.seq} AS __seq, 0::BIGINT AS __deleted_at, false AS __truncate FROM ${SCD1.changes}`;
}

/**
 * Statements that turn the raw changes into the batch's events: the truncate watermark (the newest of the stored one
 * and this batch's APPLY AS TRUNCATE events) and every non-truncate change after it, flagged as delete or upsert.
 */
export function scd1EventsSql(s: Scd1Shape): string[] {
  return [
    `CREATE OR REPLACE TEMP TABLE ${SCD1.mark} AS SELECT max(__seq) AS __seq FROM (SELECT __seq FROM ${SCD1.tombstones} WHERE __truncate UNION ALL SELECT ${s.seq} FROM ${SCD1.changes} WHERE ${s.isTruncate})`,
    `CREATE OR REPLACE TEMP TABLE ${SCD1.events} AS SELECT ${s.cols.map(q).join(', ')}, ${s.isDelete} AS __del FROM ${SCD1.changes} WHERE NOT ${s.isTruncate} AND (${MARK} IS NULL OR ${s.seq} > ${MARK})`,
  ];
}

/** True when this batch moved the truncate watermark (the target must then be rewritten without the emptied rows). */
export function newTruncateSql(): string {
  return `SELECT ${MARK} IS DISTINCT FROM (SELECT max(__seq) FROM ${SCD1.tombstones} WHERE __truncate)`;
}

/**
 * The latest event per key (a delete wins a tie), unless a tombstone holds a delete at least as new: that keeps a
 * late change from resurrecting a deleted key.
 */
function latestSql(s: Scd1Shape): string {
  return `SELECT * FROM ${SCD1.events} l WHERE NOT EXISTS (SELECT 1 FROM ${SCD1.tombstones} b WHERE NOT b.__truncate AND ${keyMatch(s.keys, 'b', 'l')} AND b.__seq >= l.${s.seq})
    QUALIFY row_number() OVER (PARTITION BY ${s.keys.join(', ')} ORDER BY ${s.seq} DESC, __del DESC) = 1`;
}

/** SCD 1 as a MERGE of the latest event per key: deletes and updates over older rows, inserts of new keys. */
export function scd1Merge(s: Scd1Shape): MergeSpec {
  const newer = `(t.${s.seq} IS NULL OR s.${s.seq} > t.${s.seq})`;
  const value = (c: string) => (s.ignoreNulls && !s.keys.includes(q(c)) ? `coalesce(s.${q(c)}, t.${q(c)})` : `s.${q(c)}`);
  return {
    source: latestSql(s),
    on: keyMatch(s.keys, 't', 's'),
    whenMatched: [
      { condition: `s.__del AND ${newer}`, action: 'delete' },
      { condition: `NOT s.__del AND ${newer}`, action: 'update', set: Object.fromEntries(s.cols.map((c) => [c, value(c)])) },
    ],
    whenNotMatched: [{ condition: 'NOT s.__del', action: 'insert', values: Object.fromEntries(s.cols.map((c) => [c, `s.${q(c)}`])) }],
  };
}

/** The whole new SCD 1 state: stored rows after the truncate watermark that no newer event replaces, plus the upserts. */
export function scd1StateSql(s: Scd1Shape): string {
  const kept = `SELECT * FROM ${SCD1.target} WHERE ${MARK} IS NULL OR ${s.seq} > ${MARK}`;
  const applies = `(t.${s.seq} IS NULL OR l.${s.seq} > t.${s.seq})`;
  const value = (c: string) => (s.ignoreNulls && !s.keys.includes(q(c)) ? `coalesce(l.${q(c)}, t.${q(c)})` : `l.${q(c)}`);
  return `WITH l AS (${latestSql(s)}), t AS (${kept})
    SELECT t.* FROM t WHERE NOT EXISTS (SELECT 1 FROM l WHERE ${keyMatch(s.keys, 'l', 't')} AND ${applies})
    UNION ALL BY NAME
    SELECT ${s.cols.map((c) => `${value(c)} AS ${q(c)}`).join(', ')} FROM l LEFT JOIN t ON ${keyMatch(s.keys, 'l', 't')}
    WHERE NOT l.__del AND ${applies}`;
}

/**
 * The tombstones after the batch, from the target as written: per key the newest of the stored tombstone and this
 * batch's deletes, unless the target holds the key at that sequence or later (a newer change re-inserted it), it is
 * older than the GC cutoff, or the truncate watermark covers it; plus the watermark row itself. Computing it from
 * the written target makes it idempotent: a batch re-run after a crash between the two commits gives the same set.
 */
export function tombstonesSql(s: Scd1Shape, targetScan: string, nowMs: number, cutoffMs: number): string {
  const keys = s.keys.join(', ');
  const cand = `SELECT ${keys}, __seq, __deleted_at FROM ${SCD1.tombstones} WHERE NOT __truncate
    UNION ALL SELECT ${keys}, ${s.seq} AS __seq, ${nowMs}::BIGINT AS __deleted_at FROM ${SCD1.events} WHERE __del`;
  const best = `SELECT * FROM (${cand}) QUALIFY row_number() OVER (PARTITION BY ${keys} ORDER BY __seq DESC, __deleted_at) = 1`;
  const markTime = `coalesce((SELECT min(__deleted_at) FROM ${SCD1.tombstones} WHERE __truncate AND __seq = m.__seq), ${nowMs}::BIGINT)`;
  return `SELECT b.*, false AS __truncate FROM (${best}) b
    WHERE b.__deleted_at >= ${cutoffMs} AND (${MARK} IS NULL OR b.__seq > ${MARK})
      AND NOT EXISTS (SELECT 1 FROM (${targetScan}) t WHERE ${keyMatch(s.keys, 't', 'b')} AND t.${s.seq} >= b.__seq)
    UNION ALL BY NAME
    SELECT m.__seq, ${markTime} AS __deleted_at, true AS __truncate FROM ${SCD1.mark} m WHERE m.__seq IS NOT NULL`;
}

/** Rows in one of two tables but not the other (the tombstones changed and must be saved). */
export function differsSql(a: string, b: string): string {
  return `SELECT (SELECT count(*) FROM (SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b})) + (SELECT count(*) FROM (SELECT * FROM ${b} EXCEPT ALL SELECT * FROM ${a}))`;
}
