/**
 * 40 sequential shell tasks, each `sleep 0.01`, on weir: total wall time (goal ≤ 0.6 s) and handoff latency
 * between one task's end and the next one's start (goal p50 ≤ 5 ms), measured two ways:
 *  - store: next task run's start_time − previous task run's end_time (ms resolution, as weir records them);
 *  - process: each task's command stamps `date +%s%N` at its start and end into a file, so the handoff is the
 *    gap between the last instruction of one process and the first of the next.
 * Reference: a plain bash loop running the same commands sequentially.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median, ms, percentile, startEngine, tempDir, verdict } from './lib.js';

const N = 40;
const REPEATS = 3;
const GOAL_TOTAL_MS = 600;
const GOAL_P50_MS = 5;

const stamped = (file: string, key: string) => `echo "S ${key} $(date +%s%N)" >> '${file}'; sleep 0.01; echo "E ${key} $(date +%s%N)" >> '${file}'`;

/** Gaps (ms) between each E line and the next S line of a stamp file, in task order. */
function processHandoffs(file: string): number[] {
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(' '));
  if (lines.length !== 2 * N) throw new Error(`${file}: expected ${2 * N} stamps, got ${lines.length}`);
  const gaps: number[] = [];
  for (let i = 1; i + 1 < lines.length; i += 2) {
    const [e, s] = [lines[i], lines[i + 1]];
    if (e[0] !== 'E' || s[0] !== 'S') throw new Error(`${file}: stamps out of order at line ${i}`);
    gaps.push(Number(BigInt(s[2]) - BigInt(e[2])) / 1e6);
  }
  return gaps;
}

function chain(command: (key: string) => string) {
  return Array.from({ length: N }, (_, i) => {
    const key = `step_${String(i).padStart(2, '0')}`;
    return { task_key: key, ...(i ? { depends_on: [{ task_key: `step_${String(i - 1).padStart(2, '0')}` }] } : {}), shell_task: { command: command(key) } };
  });
}

async function weirRun(tasks: unknown[]): Promise<{ wallMs: number; storeGaps: number[] }> {
  const eng = await startEngine({ slots: 2 });
  try {
    const jobId = await eng.createJob({ name: 'seq-bench', tasks });
    const t0 = performance.now();
    const run = await eng.runs.runNow(jobId);
    const done = await eng.executor.waitForRun(run.run_id);
    const wallMs = performance.now() - t0;
    if (done.result_state !== 'SUCCESS') throw new Error(`run ended ${done.result_state}: ${done.state_message}`);
    const trs = (await eng.store.listTaskRuns(run.run_id)).sort((a, b) => a.task_key.localeCompare(b.task_key));
    const storeGaps = trs.slice(1).map((t, i) => (t.start_time as number) - (trs[i].end_time as number));
    return { wallMs, storeGaps };
  } finally {
    await eng.close();
  }
}

function bash(script: string): number {
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', script], { stdio: ['ignore', 'ignore', 'inherit'] });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`bash exited with ${r.status}`);
  return wall;
}

async function main() {
  const dir = tempDir('seq');
  try {
    const weirTotals: number[] = [];
    const bashTotals: number[] = [];
    const storeGaps: number[] = [];
    const weirProcGaps: number[] = [];
    const bashProcGaps: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      // Plain `sleep 0.01` tasks: total wall time and the store's handoff.
      const plain = await weirRun(chain(() => 'sleep 0.01'));
      weirTotals.push(plain.wallMs);
      storeGaps.push(...plain.storeGaps);
      bashTotals.push(bash(`for i in $(seq ${N}); do sleep 0.01; done`));
      // Stamped tasks: process-level handoff, weir and the bash reference running each command through sh -c.
      const wf = join(dir, `weir-${r}.stamps`);
      await weirRun(chain((k) => stamped(wf, k)));
      weirProcGaps.push(...processHandoffs(wf));
      const bf = join(dir, `bash-${r}.stamps`);
      const cmds = chain((k) => stamped(bf, k)).map((t) => `/bin/sh -c ${JSON.stringify(t.shell_task.command).replace(/\$/g, '\\$')}`);
      bash(cmds.join('\n'));
      bashProcGaps.push(...processHandoffs(bf));
    }
    const wt = median(weirTotals);
    const bt = median(bashTotals);
    const p50 = percentile(weirProcGaps, 50);
    console.log(`sequential-handoff: ${N} tasks of \`sleep 0.01\` in a chain, ${REPEATS} repeats (total = median; handoff percentiles over ${REPEATS * (N - 1)} gaps)`);
    console.log(`  total: weir ${ms(wt)} | bash loop ${ms(bt)} | ratio weir/bash ${(wt / bt).toFixed(2)}x | goal weir ≤ ${GOAL_TOTAL_MS} ms ${verdict(wt <= GOAL_TOTAL_MS)}`);
    console.log(`  handoff (store start_time − prev end_time): p50 ${ms(percentile(storeGaps, 50), 0)} p99 ${ms(percentile(storeGaps, 99), 0)} max ${ms(Math.max(...storeGaps), 0)}`);
    console.log(`  handoff (process, date +%s%N): weir p50 ${ms(p50, 2)} p99 ${ms(percentile(weirProcGaps, 99), 2)} | bash p50 ${ms(percentile(bashProcGaps, 50), 2)} p99 ${ms(percentile(bashProcGaps, 99), 2)} | ratio p50 weir/bash ${(p50 / percentile(bashProcGaps, 50)).toFixed(2)}x | goal weir p50 ≤ ${GOAL_P50_MS} ms ${verdict(p50 <= GOAL_P50_MS)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
