import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/domain/clock.js';
import { parseJobSettings } from '../src/domain/parse-job-settings.js';
import type { TaskKind } from '../src/domain/task.js';
import { DuckDbWarehouse } from '../src/engine/duckdb-warehouse.js';
import { Executor } from '../src/executor/executor.js';
import { RunService } from '../src/executor/run-service.js';
import { limitMechanism, type AttemptLimits } from '../src/executor/runners/resource-limits.js';
import { defaultRunners } from '../src/executor/runners/runner-registry.js';
import type { TaskRunner } from '../src/executor/runners/task-runner.js';
import { logPath } from '../src/executor/task-run-factory.js';
import type { TaskRunRecord } from '../src/store/records.js';
import type { SqlStore } from '../src/store/sql/sql-store.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';

const MIB = 1024 * 1024;
const LIMIT: AttemptLimits = { memoryBytes: 64 * MIB, nodeType: 'weir.tiny' };
const OOM = "out of memory: the task's processes exceeded the memory limit of 64 MiB of node type weir.tiny";

/**
 * A real executor whose runners get the limits of the node type named in each task's `description` (as the
 * compute provider resolves them from the task's cluster); tasks without one run unlimited.
 */
let dir: string;
let store: SqlStore;
let executor: Executor;
let runs: RunService;
let sql: DuckDbWarehouse;
const nodeTypes: Record<string, AttemptLimits> = { tiny: LIMIT, half: { cpuShare: 0.5, nodeType: 'weir.half' } };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-limits-'));
  store = await openSqliteStore(join(dir, 'weir.sqlite'));
  sql = await DuckDbWarehouse.open(':memory:');
  const runners = new Map<TaskKind, TaskRunner>();
  for (const [kind, r] of defaultRunners()) {
    runners.set(kind, { kind, run: (ctx) => r.run({ ...ctx, limits: nodeTypes[ctx.task.description ?? ''] }) });
  }
  executor = new Executor({ store, runners, clock: systemClock, dataDir: dir, slots: 2, sql, workspaceUrl: 'http://127.0.0.1' });
  runs = new RunService(store, executor, systemClock, dir);
  await executor.start();
  writeFileSync(join(dir, 'alloc.py'), 'import sys\nblock = bytearray(int(sys.argv[1]) * 1024 * 1024)\nprint("allocated", len(block) // 1048576, "MiB")\n');
});

afterAll(async () => {
  await executor.stop();
  await store.close();
  await sql.close();
  rmSync(dir, { recursive: true, force: true });
});

async function runJob(tasks: unknown[]): Promise<{ result: string | null; tasks: Record<string, TaskRunRecord> }> {
  const jobId = await store.createJob({ settings: parseJobSettings({ name: 'limits', tasks }), creator_user_name: 't', created_time: Date.now(), source_dir: dir });
  const run = await runs.runNow(jobId);
  const done = await executor.waitForRun(run.run_id);
  const all = await store.listTaskRuns(run.run_id);
  return { result: done.result_state, tasks: Object.fromEntries(all.map((t) => [t.task_key, t])) };
}

const py = (key: string, mib: number, extra: Record<string, unknown> = {}) => ({ task_key: key, description: 'tiny', spark_python_task: { python_file: 'alloc.py', parameters: [String(mib)] }, ...extra });
const stdout = (t: TaskRunRecord) => readFileSync(logPath(t, 'stdout'), 'utf8');

describe(`resource limits (enforced here with ${limitMechanism().kind})`, () => {
  it('stops a Python task that allocates beyond its node type memory with a clear error; the executor and the next task go on', async () => {
    const { result, tasks } = await runJob([
      py('hog', 256),
      { task_key: 'next', depends_on: [{ task_key: 'hog' }], run_if: 'ALL_DONE', shell_task: { command: 'echo still here' } },
    ]);
    expect(tasks.hog).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'FAILED', error: OOM, state_message: OOM });
    expect(tasks.next.result_state).toBe('SUCCESS');
    expect(stdout(tasks.next)).toBe('still here\n');
    expect(result).toBe('SUCCESS_WITH_FAILURES');
    // The same executor keeps running jobs afterwards.
    const again = await runJob([{ task_key: 'after', shell_task: { command: 'echo ok' } }]);
    expect(again.result).toBe('SUCCESS');
  });

  it('passes a task that stays inside the limit', async () => {
    const { result, tasks } = await runJob([py('fits', 16)]);
    expect(result).toBe('SUCCESS');
    expect(stdout(tasks.fits)).toBe('allocated 16 MiB\n');
  });

  it('stops a shell task whose own shell, or a process it starts, goes over the limit', async () => {
    const { tasks } = await runJob([
      // The shell itself grows a 200 MB string.
      { task_key: 'shell', description: 'tiny', shell_task: { command: "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo ${#x}" } },
      // A grandchild of the attempt: the limit covers the whole process tree.
      { task_key: 'child', description: 'tiny', shell_task: { command: `python3 ${join(dir, 'alloc.py')} 256; echo exit=$?; exit 1` } },
      { task_key: 'plain', shell_task: { command: `python3 ${join(dir, 'alloc.py')} 256` } },
    ]);
    expect(tasks.shell).toMatchObject({ result_state: 'FAILED', error: OOM });
    expect(tasks.child).toMatchObject({ result_state: 'FAILED', error: OOM });
    expect(stdout(tasks.child)).toMatch(/^exit=(1|137)\n$/);
    // Without a node type the same allocation is fine.
    expect(tasks.plain.result_state).toBe('SUCCESS');
    expect(stdout(tasks.plain)).toBe('allocated 256 MiB\n');
  });

  it('gives a task with a CPU share below the machine its share (cpu.max with cgroups, a lower priority with rlimits)', async () => {
    const m = limitMechanism();
    const probe = m.kind === 'cgroup2' ? 'cat /sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup)/cpu.max' : 'nice';
    const { tasks } = await runJob([
      { task_key: 'half', description: 'half', shell_task: { command: probe } },
      { task_key: 'full', shell_task: { command: probe } },
    ]);
    if (m.kind === 'cgroup2') {
      expect(stdout(tasks.half)).toBe('50000 100000\n');
    } else {
      // 0.5 of the machine's cores: each nice step is ~1.25× less CPU.
      const expected = Math.min(19, Math.round(Math.log(availableParallelism() / 0.5) / Math.log(1.25)));
      expect(stdout(tasks.half)).toBe(`${expected}\n`);
      expect(stdout(tasks.full)).toBe('0\n');
    }
  });
});
