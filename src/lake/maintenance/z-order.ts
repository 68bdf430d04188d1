/**
 * Z-order (Morton order) in DuckDB: each Z-order column is mapped to its rank bucket (percent_rank scaled to
 * 2^bits - 1, so skewed and non-numeric columns spread evenly), and the buckets' bits are interleaved into one
 * UBIGINT key. Sorting by the key keeps rows close in every column close together, so files cut from the sorted
 * rows get narrow min/max ranges on all the columns at once.
 */
import { quoteIdent } from '../write/delta-schema.js';

/** Bits per column: 16, fewer when more than four columns share the 64-bit key. */
export function bitsPerColumn(columns: number): number {
  return Math.max(1, Math.min(16, Math.floor(64 / Math.max(1, columns))));
}

/** The rank bucket of a column: `floor(percent_rank() OVER (ORDER BY c) * (2^bits - 1))` as UBIGINT. */
function rankSql(column: string, bits: number): string {
  return `CAST(floor(percent_rank() OVER (ORDER BY ${quoteIdent(column)} ASC NULLS FIRST) * ${2 ** bits - 1}) AS UBIGINT)`;
}

/** The interleaving of rank columns `r0…r(k-1)`: bit b of column i goes to bit b*k + i of the key. */
function interleaveSql(rankCols: string[], bits: number): string {
  const k = rankCols.length;
  const terms: string[] = [];
  for (let b = 0; b < bits; b++) {
    for (let i = 0; i < k; i++) {
      const shift = b * k + i - b;
      const bit = `(${rankCols[i]} & CAST(${2 ** b} AS UBIGINT))`;
      terms.push(shift === 0 ? bit : shift > 0 ? `(${bit} << ${shift})` : `(${bit} >> ${-shift})`);
    }
  }
  return terms.join(' | ');
}

/** A SELECT of `source`'s rows plus `__weir_z`, the Z-order key of `columns`. */
export function zOrderSql(source: string, columns: string[]): string {
  const bits = bitsPerColumn(columns.length);
  const ranks = columns.map((c, i) => `${rankSql(c, bits)} AS __weir_r${i}`);
  const key = interleaveSql(columns.map((_, i) => `__weir_r${i}`), bits);
  return `SELECT * EXCLUDE (${columns.map((_, i) => `__weir_r${i}`).join(', ')}), ${key} AS __weir_z FROM (SELECT *, ${ranks.join(', ')} FROM (${source}))`;
}
