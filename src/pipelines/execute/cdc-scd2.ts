/** Temp tables of one SCD 2 batch (created by cdc-flow.ts). */
export const SCD2 = { changes: '__weir_changes', target: '__weir_cdc_target', versions: '__weir_cdc_versions', state: '__weir_cdc_scd2' };

/** How one SCD 2 flow reads its changes: quoted keys and sequence column, kept columns, the delete predicate, tracked columns. */
export interface Scd2Shape {
  keys: string[];
  seq: string;
  cols: string[];
  isDelete: string;
  /** TRACK HISTORY ON: the columns whose changes open a new version; absent, every change does. */
  tracked?: string[];
  /** IGNORE NULL UPDATES: a NULL in a change keeps the key's previous value (not across a delete). */
  ignoreNulls?: boolean;
}

const q = (n: string) => `"${n.replace(/"/g, '""')}"`;
const keyMatch = (keys: string[], a: string, b: string) => keys.map((k) => `${a}.${k} IS NOT DISTINCT FROM ${b}.${k}`).join(' AND ');

/** Columns of the version state (TRACK HISTORY only): when each version's untracked columns were last updated in place. */
export function versionColumnsSql(s: Scd2Shape): string {
  return `SELECT ${s.keys.join(', ')}, ${s.seq} AS __START_AT, ${s.seq} AS __UPDATED_AT FROM ${SCD2.changes}`;
}

/**
 * Every event of every key: the stored versions (at their __START_AT; with TRACK HISTORY, carrying the sequence of
 * their last in-place update), the stored deletes (the gaps where a version closed without a successor) and the
 * new changes. Exact duplicates (same key and sequence) count once; a delete wins a tie.
 */
function eventsSql(s: Scd2Shape): string {
  const colList = s.cols.map(q).join(', ');
  const upd = s.tracked ? `coalesce(v.__UPDATED_AT, t.__START_AT)` : 't.__START_AT';
  const versions = s.tracked ? ` LEFT JOIN ${SCD2.versions} v ON ${keyMatch(s.keys, 'v', 't')} AND v.__START_AT = t.__START_AT` : '';
  const stored = `SELECT ${s.cols.map((c) => `t.${q(c)}`).join(', ')}, t.__START_AT AS __seq, ${upd} AS __upd, false AS __del, 0 AS __src FROM ${SCD2.target} t${versions}`;
  const storedDeletes = `SELECT ${s.cols.map((c) => (s.keys.includes(q(c)) ? `t.${q(c)}` : `NULL AS ${q(c)}`)).join(', ')}, t.__END_AT AS __seq, t.__END_AT AS __upd, true AS __del, 0 AS __src FROM ${SCD2.target} t
      WHERE t.__END_AT IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${SCD2.target} n WHERE ${keyMatch(s.keys, 'n', 't')} AND n.__START_AT = t.__END_AT)`;
  const changes = `SELECT ${colList}, ${s.seq} AS __seq, ${s.seq} AS __upd, ${s.isDelete} AS __del, 1 AS __src FROM ${SCD2.changes}`;
  const events = `SELECT * FROM (${stored} UNION ALL BY NAME ${storedDeletes} UNION ALL BY NAME ${changes})
    QUALIFY row_number() OVER (PARTITION BY ${s.keys.join(', ')}, __seq ORDER BY __del DESC, __upd DESC, __src DESC) = 1`;
  return s.ignoreNulls ? withNullsFilled(s, events) : events;
}

/**
 * IGNORE NULL UPDATES: each change's NULL columns take the key's latest earlier non-NULL value, in sequence order,
 * within one life of the key (a delete starts a new one, so a re-inserted key inherits nothing). Filling before the
 * versions are cut means a NULL is no change, for TRACK HISTORY too.
 */
function withNullsFilled(s: Scd2Shape, events: string): string {
  const k = s.keys.join(', ');
  const others = s.cols.filter((c) => !s.keys.includes(q(c)));
  if (!others.length) return events;
  const fill = others.map(
    (c) => `CASE WHEN __del THEN ${q(c)} ELSE coalesce(${q(c)}, last_value(${q(c)} IGNORE NULLS) OVER (PARTITION BY ${k}, __life ORDER BY __seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)) END AS ${q(c)}`,
  );
  return `SELECT * EXCLUDE (__life) REPLACE (${fill.join(', ')}) FROM (
      SELECT *, coalesce(sum(CASE WHEN __del THEN 1 ELSE 0 END) OVER (PARTITION BY ${k} ORDER BY __seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS __life FROM (${events}))`;
}

/**
 * The new SCD 2 history, recomputed per key over the stored versions and the new changes together, so a change that
 * arrives late (older sequence) lands in its place in the chain. Events are grouped into runs: a run starts at a
 * key's first event, after a delete, and — with TRACK HISTORY ON — only where a tracked column differs from the
 * previous event (without it, at every event). A run is one version: __START_AT is its first event's sequence, the
 * untracked columns hold the values of its latest event (an in-place update), and the next run's start (a change or
 * a delete) is its __END_AT. Rows carry `__del` (delete runs) and `__UPDATED_AT` for the caller to split.
 */
export function scd2StateSql(s: Scd2Shape): string {
  const k = s.keys.join(', ');
  const tracked = s.tracked === undefined ? undefined : s.tracked.length ? `row(${s.tracked.map(q).join(', ')})` : 'row(0)';
  const boundary = tracked ? `__del OR __pdel IS NULL OR __pdel OR __ptr IS DISTINCT FROM ${tracked}` : 'true';
  const others = s.cols.filter((c) => !s.keys.includes(q(c)));
  const values = others.map((c) => `first(${q(c)} ORDER BY __upd DESC, __src DESC) AS ${q(c)}`);
  return `WITH e1 AS (SELECT *, lag(__del) OVER w AS __pdel${tracked ? `, lag(${tracked}) OVER w AS __ptr` : ''} FROM (${eventsSql(s)}) WINDOW w AS (PARTITION BY ${k} ORDER BY __seq)),
    e2 AS (SELECT *, sum(CASE WHEN ${boundary} THEN 1 ELSE 0 END) OVER (PARTITION BY ${k} ORDER BY __seq ROWS UNBOUNDED PRECEDING) AS __run FROM e1),
    runs AS (SELECT ${k}, __run, bool_or(__del) AS __del, min(__seq) AS __START_AT, max(__upd) AS __UPDATED_AT${values.length ? `, ${values.join(', ')}` : ''} FROM e2 GROUP BY ${k}, __run)
    SELECT ${s.cols.map(q).join(', ')}, __START_AT, lead(__START_AT) OVER (PARTITION BY ${k} ORDER BY __START_AT) AS __END_AT, __UPDATED_AT, __del FROM runs`;
}

/** The target rows of a computed history (versions, not deletes). */
export function scd2TargetSql(s: Scd2Shape): string {
  return `SELECT ${s.cols.map(q).join(', ')}, __START_AT, __END_AT FROM ${SCD2.state} WHERE NOT __del`;
}

/** The version state to keep: versions whose untracked columns were updated in place after they opened. */
export function scd2VersionsSql(s: Scd2Shape): string {
  return `SELECT ${s.keys.join(', ')}, __START_AT, __UPDATED_AT FROM ${SCD2.state} WHERE NOT __del AND __UPDATED_AT > __START_AT`;
}
