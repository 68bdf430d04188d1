/**
 * A bronze → silver (3 expectations) → gold (aggregates) pipeline over 10M generated rows in Parquet files, run by
 * weir (Delta tables, expectations counted, event log), against a hand-written DuckDB SQL script doing the same
 * transformations into plain Parquet files. Then an incremental update after 1% more files arrive, against the
 * full refresh. Goals: full ≤ 1.3x the DuckDB script; incremental ≤ 5% of the full refresh; peak RSS < 2 GB.
 *
 * `node --import tsx bench/pipeline-vs-duckdb.ts [rows=10000000] [files=100]`
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../src/domain/clock.js';
import { DuckDbWarehouse } from '../src/engine/duckdb-warehouse.js';
import { startPipelines } from '../src/start-pipelines.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import { tempDir, verdict } from './lib.js';

const ROWS = Number(process.argv[2] ?? 10_000_000);
const FILES = Number(process.argv[3] ?? 100);
const dir = tempDir('pipeline');
const landing = join(dir, 'landing');
mkdirSync(landing);
const warehouse = await DuckDbWarehouse.open(join(dir, 'bench.duckdb'));
const conn = await warehouse.connect();

/** Writes file i of the generated orders: order_id, customer, region, amount, quantity, status, ts. */
async function generate(i: number, rows: number): Promise<void> {
  const base = i * rows;
  await conn.run(`COPY (SELECT ${base} + range AS order_id, (range * 7919) % 100000 AS customer,
      ['eu','us','apac','amer'][1 + (range % 4)::INT] AS region, ((range * 31) % 10000) / 100.0 - 1 AS amount,
      ((range * 13) % 20)::INT AS quantity, CASE WHEN range % 50 = 0 THEN NULL ELSE ['complete','returned','pending'][1 + (range % 3)::INT] END AS status,
      TIMESTAMPTZ '2026-01-01' + to_seconds((range % 8640000)::BIGINT) AS ts
    FROM range(${rows})) TO '${join(landing, `part-${String(i).padStart(5, '0')}.parquet`)}' (FORMAT parquet)`);
}
const perFile = Math.floor(ROWS / FILES);
const g0 = performance.now();
for (let i = 0; i < FILES; i++) await generate(i, perFile);
console.log(`generated ${FILES} files × ${perFile} rows in ${((performance.now() - g0) / 1000).toFixed(1)} s`);

// The reference: the same transformations as one DuckDB script into plain Parquet.
const ref = join(dir, 'reference');
mkdirSync(ref);
const r0 = performance.now();
await conn.run(`
  COPY (SELECT * FROM read_parquet('${landing}/*.parquet')) TO '${ref}/bronze.parquet' (FORMAT parquet);
  COPY (SELECT order_id, customer, region, amount, quantity, amount * quantity AS total, status, ts FROM read_parquet('${ref}/bronze.parquet')
        WHERE amount > 0 AND quantity > 0 AND status IS NOT NULL) TO '${ref}/silver.parquet' (FORMAT parquet);
  COPY (SELECT region, date_trunc('day', ts) AS day, count(*) AS orders, sum(total) AS revenue FROM read_parquet('${ref}/silver.parquet') GROUP BY ALL) TO '${ref}/gold.parquet' (FORMAT parquet);
`);
const refMs = performance.now() - r0;
conn.closeSync();

// weir: the same pipeline in DLT SQL.
const src = join(dir, 'pipeline');
mkdirSync(src);
writeFileSync(
  join(src, 'p.sql'),
  `CREATE OR REFRESH STREAMING TABLE bronze AS SELECT * FROM STREAM read_files('${landing}', format => 'parquet');
CREATE OR REFRESH STREAMING TABLE silver (
  CONSTRAINT positive_amount EXPECT (amount > 0) ON VIOLATION DROP ROW,
  CONSTRAINT positive_quantity EXPECT (quantity > 0) ON VIOLATION DROP ROW,
  CONSTRAINT has_status EXPECT (status IS NOT NULL) ON VIOLATION DROP ROW
) AS SELECT order_id, customer, region, amount, quantity, amount * quantity AS total, status, ts FROM STREAM(LIVE.bronze);
CREATE OR REFRESH MATERIALIZED VIEW gold AS SELECT region, date_trunc('DAY', ts) AS day, count(*) AS orders, sum(total) AS revenue FROM LIVE.silver GROUP BY region, date_trunc('DAY', ts);
`,
);
const store = await openSqliteStore(join(dir, 'weir.sqlite'));
const pipelines = await startPipelines(store, warehouse, systemClock, dir);
const p = await pipelines.create({ name: 'bench', libraries: [{ file: { path: 'pipeline/p.sql' } }], serverless: true }, { sourceDir: dir });
async function timedUpdate(body: Record<string, unknown>): Promise<number> {
  const t = performance.now();
  const u = await pipelines.waitForUpdate((await pipelines.startUpdate(p.pipeline_id, body)).update_id);
  if (u.state !== 'COMPLETED') {
    const { events } = await pipelines.store.listEvents(p.pipeline_id, { levels: ['ERROR'], ascending: true, offset: 0, limit: 5 });
    throw new Error(`update ${u.state}: ${events.map((e) => e.message).join(' | ')}`);
  }
  return performance.now() - t;
}
const fullMs = await timedUpdate({ full_refresh: true });
const extra = Math.max(1, Math.round(FILES / 100));
for (let i = 0; i < extra; i++) {
  const c = await warehouse.connect();
  await (async () => {
    await c.run(`COPY (SELECT ${(FILES + i) * perFile} + range AS order_id, range % 100000 AS customer, 'eu' AS region, 5.0 AS amount, 2 AS quantity, 'complete' AS status, TIMESTAMPTZ '2026-02-01' AS ts FROM range(${perFile})) TO '${join(landing, `part-${String(FILES + i).padStart(5, '0')}.parquet`)}' (FORMAT parquet)`);
  })();
  c.closeSync();
}
const incMs = await timedUpdate({});
await pipelines.close();
await store.close();
await warehouse.close();
const rss = process.resourceUsage().maxRSS / 1024;
rmSync(dir, { recursive: true, force: true });

const ratio = fullMs / refMs;
console.log(`${ROWS} rows in ${FILES} Parquet files, bronze → silver (3 expectations) → gold`);
console.log(`hand-written DuckDB script: ${(refMs / 1000).toFixed(2)} s`);
console.log(`weir full refresh:          ${(fullMs / 1000).toFixed(2)} s  → ${ratio.toFixed(2)}x (goal ≤ 1.3x) ${verdict(ratio <= 1.3)}`);
console.log(`weir incremental (+${extra} file(s), ${((extra / FILES) * 100).toFixed(0)}%): ${(incMs / 1000).toFixed(2)} s → ${((incMs / fullMs) * 100).toFixed(1)}% of the full refresh (goal ≤ 5%) ${verdict(incMs / fullMs <= 0.05)}`);
console.log(`peak RSS: ${rss.toFixed(0)} MB (goal < 2048 MB) ${verdict(rss < 2048)}`);
