/**
 * Writing 10M generated rows as a Delta table (DeltaTable.create: conform, COPY with RETURN_STATS, stats, commit)
 * vs DuckDB's plain COPY of the same rows with the same codec: unpartitioned (one Parquet file) and partitioned
 * into 16 directories (PARTITION_BY). Median of 3 each.
 * `node --import tsx bench/delta-write.ts` (ROWS=… to change the size).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { DeltaTable } from '../src/lake/delta-table.js';
import { median, ms, tempDir, verdict } from './lib.js';

const rows = Number(process.env.ROWS ?? 10_000_000);
const codec = 'zstd'; // what weir writes when delta.parquet.compression.codec is absent (the protocol's SHOULD)
const query = `SELECT i AS id, (i % 1000)::INTEGER AS k, 'name-' || (i % 10000) AS s, i * 0.5 AS x, DATE '2020-01-01' + (i % 3650)::INTEGER AS d, (i % 16)::INTEGER AS p FROM range(${rows}) t(i)`;

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** Median Delta and COPY times over 3 alternating runs. */
async function compare(conn: DuckDBConnection, dir: string, partitioned: boolean): Promise<{ delta: number; copy: number }> {
  const delta: number[] = [];
  const copy: number[] = [];
  for (let run = 0; run < 3; run++) {
    const ref = join(dir, `ref-${partitioned}-${run}${partitioned ? '' : '.parquet'}`);
    const opts = partitioned ? `, PARTITION_BY (p)` : '';
    copy.push(await timed(() => conn.run(`COPY (${query}) TO '${ref}' (FORMAT parquet, COMPRESSION ${codec}${opts})`)));
    rmSync(ref, { recursive: true, force: true });
    const table = DeltaTable.forPath(conn, join(dir, `delta-${partitioned}-${run}`));
    delta.push(await timed(() => table.create(query, partitioned ? { partitionBy: ['p'] } : {})));
    rmSync(table.tablePath, { recursive: true, force: true });
    console.log(`${partitioned ? 'partitioned' : 'one file'} run ${run + 1}: delta ${ms(delta[run], 0)}, copy ${ms(copy[run], 0)}`);
  }
  return { delta: median(delta), copy: median(copy) };
}

const dir = tempDir('delta-write');
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
try {
  const flat = await compare(conn, dir, false);
  const parts = await compare(conn, dir, true);
  const n = rows.toLocaleString('en-US');
  const r1 = flat.delta / flat.copy;
  const r2 = parts.delta / parts.copy;
  console.log(`delta-write: ${n} rows as a Delta table ${ms(flat.delta, 0)} vs DuckDB COPY to one Parquet file ${ms(flat.copy, 0)} (${codec}): ${r1.toFixed(2)}x — goal ≤ 1.15x: ${verdict(r1 <= 1.15)}`);
  console.log(`delta-write: ${n} rows, 16 partitions, Delta ${ms(parts.delta, 0)} vs DuckDB COPY PARTITION_BY ${ms(parts.copy, 0)}: ${r2.toFixed(2)}x — goal ≤ 1.15x: ${verdict(r2 <= 1.15)}`);
} finally {
  conn.closeSync();
  instance.closeSync();
  rmSync(dir, { recursive: true, force: true });
}
