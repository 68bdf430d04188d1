/** Runs every benchmark in sequence, each in its own Node process, and prints their outputs. `npm run bench` */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const benches: { file: string; flags: string[] }[] = [
  { file: 'dag-vs-make.ts', flags: [] },
  { file: 'sequential-handoff.ts', flags: [] },
  { file: 'rss-10k-runs.ts', flags: ['--expose-gc'] },
  { file: 'delta-write.ts', flags: [] },
  { file: 'delta-zorder.ts', flags: [] },
  { file: 'delta-snapshot.ts', flags: [] },
  { file: 'scheduler-lateness.ts', flags: [] },
  { file: 'pipeline-vs-duckdb.ts', flags: [] },
  { file: 'api-latency.ts', flags: [] },
  { file: 'cluster-warm-start.ts', flags: [] },
  // Scale-out on PostgreSQL (WEIR_BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres).
  { file: 'claims-vs-graphile.ts', flags: [] },
  { file: 'lost-worker.ts', flags: [] },
  { file: 'dag-postgres.ts', flags: [] },
];

let failed = 0;
for (const b of benches) {
  console.log(`\n=== ${b.file} ===`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...b.flags, '--import', 'tsx', join(here, b.file)], { cwd: join(here, '..'), stdio: 'inherit' });
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    failed++;
    console.log(`!!! ${b.file} exited with ${r.status ?? r.signal} after ${secs} s`);
  } else {
    console.log(`(${b.file} took ${secs} s)`);
  }
}
process.exitCode = failed ? 1 : 0;
