/**
 * A 1,000-task layered DAG (20 layers × 50 tasks, each depending on 2–3 tasks of the previous layer) of
 * shell_task `true` on weir with 2 slots, against `make -j2` on the same DAG with `@true` recipes.
 * Goal: weir wall time ≤ 1.5 × make's. Median of 3 runs each, after one untimed warm-up round of each.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateDag, LAYERS, makefile, type DagNode as Node } from './layered-dag.js';
import { median, ms, startEngine, tempDir, verdict } from './lib.js';

const SLOTS = 2;
const REPEATS = 3;
const GOAL = 1.5;

async function timeWeir(nodes: Node[]): Promise<{ wallMs: number; result: string | null; taskRuns: number }> {
  const eng = await startEngine({ slots: SLOTS });
  try {
    const jobId = await eng.createJob({
      name: 'dag-bench',
      tasks: nodes.map((n) => ({ task_key: n.key, depends_on: n.deps.map((d) => ({ task_key: d })), shell_task: { command: 'true' } })),
    });
    const t0 = performance.now();
    const run = await eng.runs.runNow(jobId);
    const done = await eng.executor.waitForRun(run.run_id);
    const wallMs = performance.now() - t0;
    const trs = await eng.store.listTaskRuns(run.run_id);
    const ok = trs.filter((t) => t.result_state === 'SUCCESS').length;
    return { wallMs, result: done.result_state, taskRuns: ok };
  } finally {
    await eng.close();
  }
}

function timeMake(dir: string): number {
  const t0 = performance.now();
  const r = spawnSync('make', ['-j2', '-s', '-f', join(dir, 'Makefile'), 'all'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`make exited with ${r.status}`);
  return wall;
}

async function main() {
  const nodes = generateDag();
  const edges = nodes.reduce((s, n) => s + n.deps.length, 0);
  const mkDir = tempDir('make');
  try {
    writeFileSync(join(mkDir, 'Makefile'), makefile(nodes));
    const weirTimes: number[] = [];
    const makeTimes: number[] = [];
    // One untimed round of each first: weir runs as a long-lived server, so its first DAG in a fresh process (V8
    // compiling the executor's hot paths, the spawner being built and started) is not what a user's runs see.
    await timeWeir(nodes);
    timeMake(mkDir);
    for (let i = 0; i < REPEATS; i++) {
      const w = await timeWeir(nodes);
      if (w.result !== 'SUCCESS' || w.taskRuns !== nodes.length) throw new Error(`weir run ended ${w.result} with ${w.taskRuns}/${nodes.length} tasks SUCCESS`);
      weirTimes.push(w.wallMs);
      makeTimes.push(timeMake(mkDir));
      console.log(`  run ${i + 1}: weir ${ms(w.wallMs)}  make -j2 ${ms(makeTimes[i])}`);
    }
    const w = median(weirTimes);
    const m = median(makeTimes);
    const ratio = w / m;
    console.log(`dag-vs-make: ${nodes.length} tasks, ${edges} edges, ${LAYERS} layers, slots=${SLOTS}, median of ${REPEATS}`);
    console.log(`  weir ${ms(w)} (${(w / nodes.length).toFixed(2)} ms/task) | make -j2 ${ms(m)} (${(m / nodes.length).toFixed(2)} ms/task) | ratio weir/make ${ratio.toFixed(2)}x (goal ≤ ${GOAL}x) ${verdict(ratio <= GOAL)}`);
  } finally {
    rmSync(mkDir, { recursive: true, force: true });
  }
}

await main();
