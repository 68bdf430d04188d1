/**
 * Per-file statistics (PROTOCOL §Per-file Statistics): the `stats` JSON string of an add, or the checkpoint's
 * `stats_parsed` struct (which the checkpoint reader folds into the same JSON form). Values are keyed by physical
 * column name and nested like the schema.
 */

/** Parsed statistics of one data file; every part is optional (old writers, `no_stats` tables). */
export interface FileStats {
  numRecords?: number;
  minValues: Record<string, unknown>;
  maxValues: Record<string, unknown>;
  nullCount: Record<string, unknown>;
  /** false when a deletion vector made min/max/nullCount describe more rows than are live (still valid bounds). */
  tightBounds?: boolean;
}

function objectOr(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Parses an add's stats; undefined when absent or unreadable (a reader must then assume nothing). */
export function parseStats(stats: string | null | undefined): FileStats | undefined {
  if (stats === null || stats === undefined || stats === '') return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(stats);
  } catch {
    return undefined; // unreadable stats only cost skipping, never correctness
  }
  const o = objectOr(raw);
  const n = o.numRecords;
  return {
    numRecords: typeof n === 'number' ? n : typeof n === 'string' && /^\d+$/.test(n) ? Number(n) : undefined,
    minValues: objectOr(o.minValues),
    maxValues: objectOr(o.maxValues),
    nullCount: objectOr(o.nullCount),
    tightBounds: typeof o.tightBounds === 'boolean' ? o.tightBounds : undefined,
  };
}

/** The value at a nested physical path (`['s', 'l']`) of a stats section, or undefined. */
export function statAt(section: Record<string, unknown>, path: readonly string[]): unknown {
  let cur: unknown = section;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur === null ? undefined : cur;
}

/** The null count of a column, when recorded as a number. */
export function nullCountAt(stats: FileStats, path: readonly string[]): number | undefined {
  const v = statAt(stats.nullCount, path);
  return typeof v === 'number' ? v : undefined;
}
