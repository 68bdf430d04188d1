/**
 * Which columns get per-file statistics and how long string bounds are, from the table properties Spark uses:
 * `delta.dataSkippingStatsColumns` (explicit list, nested as `a.b`), else the first
 * `delta.dataSkippingNumIndexedCols` leaf columns of the non-partition schema (default 32, -1 = all), and
 * `delta.dataSkippingStringPrefixLength` (default 32).
 */
import type { DeltaStructType, DeltaType } from './delta-schema.js';

/** The statistics settings of one table. */
export interface StatsSettings {
  /** True when the leaf column at this path gets min/max/nullCount. */
  indexed(path: string[]): boolean;
  prefixLength: number;
}

const SEP = '\u0000';

function leaves(t: DeltaType, prefix: string[], out: string[][]): void {
  if (typeof t !== 'string' && t.type === 'struct') for (const f of t.fields) leaves(f.type, [...prefix, f.name], out);
  else out.push(prefix);
}

/** Reads the stats settings from a table's configuration. */
export function statsSettings(configuration: Record<string, string>, schema: DeltaStructType, partitionColumns: string[]): StatsSettings {
  const prefix = Number(configuration['delta.dataSkippingStringPrefixLength']);
  const prefixLength = Number.isInteger(prefix) && prefix > 0 ? prefix : 32;
  const explicit = configuration['delta.dataSkippingStatsColumns'];
  if (explicit !== undefined && explicit.trim() !== '') {
    const wanted = explicit.split(',').map((c) => c.trim().split('.').map((p) => p.replace(/^`|`$/g, '').toLowerCase()));
    const indexed = (path: string[]) => wanted.some((w) => w.length <= path.length && w.every((p, i) => p === path[i].toLowerCase()));
    return { indexed, prefixLength };
  }
  const n = Number(configuration['delta.dataSkippingNumIndexedCols'] ?? '32');
  if (n === -1 || !Number.isInteger(n)) return { indexed: () => true, prefixLength };
  const all: string[][] = [];
  for (const f of schema.fields) if (!partitionColumns.includes(f.name)) leaves(f.type, [f.name], all);
  const allowed = new Set(all.slice(0, Math.max(0, n)).map((p) => p.join(SEP)));
  return { indexed: (path) => allowed.has(path.join(SEP)), prefixLength };
}
