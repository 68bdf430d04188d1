/**
 * The SQL relation of rows a scan must drop because deletion vectors mark them: `(f VARCHAR, r BIGINT)` pairs of
 * file path and row index, anti-joined against read_parquet's `file_row_number`. Consecutive indexes become one
 * `range()` so a DV deleting a million contiguous rows stays a short SQL text.
 */
import { sqlString } from '../schema/duckdb-type.js';

function runs(rows: readonly number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const r of rows) {
    const last = out[out.length - 1];
    if (last && r === last[1] + 1) last[1] = r;
    else out.push([r, r]);
  }
  return out;
}

/** A SELECT of (f, r) for every deleted row; `deleted` maps the file path (as passed to read_parquet) to indexes. */
export function deletedRowsSql(deleted: ReadonlyMap<string, readonly number[]>): string {
  const parts: string[] = [];
  for (const [file, rows] of deleted) {
    const singles: number[] = [];
    for (const [a, b] of runs([...rows].sort((x, y) => x - y))) {
      if (b - a >= 3) parts.push(`SELECT ${sqlString(file)} AS f, unnest(range(${a}, ${b + 1})) AS r`);
      else for (let r = a; r <= b; r++) singles.push(r);
    }
    if (singles.length > 0) parts.push(`SELECT ${sqlString(file)} AS f, unnest([${singles.join(', ')}]::BIGINT[]) AS r`);
  }
  return parts.length === 0 ? `SELECT NULL::VARCHAR AS f, NULL::BIGINT AS r WHERE false` : parts.join(' UNION ALL ');
}
