import { mkdtempSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Task } from '../../src/domain/task.js';
import { DuckDbWarehouse } from '../../src/engine/duckdb-warehouse.js';
import type { SqlEngine } from '../../src/engine/sql-engine.js';
import type { AttemptContext, TaskValues } from '../../src/executor/runners/task-runner.js';

/** Task values of one job run kept in memory: taskKey → key → value. */
export class MemoryTaskValues {
  readonly values = new Map<string, Map<string, unknown>>();

  /** The TaskValues view of one task (set writes under `taskKey`). */
  forTask(taskKey: string): TaskValues {
    return {
      set: async (key, value) => {
        const own = this.values.get(taskKey) ?? new Map<string, unknown>();
        own.set(key, JSON.parse(JSON.stringify(value)));
        this.values.set(taskKey, own);
      },
      get: async (otherTask, key) => {
        const own = this.values.get(otherTask);
        return own?.has(key) ? { found: true, value: own.get(key) } : { found: false };
      },
    };
  }
}

/** Options of a test attempt; everything has a default. */
export interface TestAttemptOptions {
  /** Folder relative task paths resolve against; default `<dir>/src`. */
  sourceDir?: string;
  /** Shared cache folder (to reuse venvs across attempts); default `<dir>/cache`. */
  cacheDir?: string;
  jobParameters?: Record<string, string>;
  env?: Record<string, string>;
  /** A warehouse to share; default a fresh DuckDB ':memory:' closed by cleanup(). */
  sql?: SqlEngine;
  taskValues?: MemoryTaskValues;
  runId?: number;
  attemptNumber?: number;
}

/** An AttemptContext in a fresh temp folder plus the handles a test needs. */
export interface TestAttempt {
  ctx: AttemptContext;
  /** The temp folder holding src/, cache/ and logs/. */
  dir: string;
  controller: AbortController;
  taskValues: MemoryTaskValues;
  /** Pids reported through onProcessStart, in order. */
  pids: number[];
  stdout(): Promise<string>;
  stderr(): Promise<string>;
  /** Closes the warehouse it opened and removes the temp folder. */
  cleanup(): Promise<void>;
}

/** Builds an AttemptContext for `task` (parsed with the Task schema; task_key defaults to "t"). */
export async function makeAttemptContext(task: Record<string, unknown>, opts: TestAttemptOptions = {}): Promise<TestAttempt> {
  const dir = mkdtempSync(join(tmpdir(), 'weir-attempt-'));
  const sourceDir = opts.sourceDir ?? join(dir, 'src');
  const cacheDir = opts.cacheDir ?? join(dir, 'cache');
  const logs = join(dir, 'logs');
  await Promise.all([sourceDir, cacheDir, logs].map((d) => mkdir(d, { recursive: true })));
  const parsed = Task.parse({ task_key: 't', ...task });
  const ownSql = opts.sql ? undefined : await DuckDbWarehouse.open(':memory:');
  const taskValues = opts.taskValues ?? new MemoryTaskValues();
  const controller = new AbortController();
  const pids: number[] = [];
  const stdoutPath = join(logs, 'stdout.log');
  const stderrPath = join(logs, 'stderr.log');
  const ctx: AttemptContext = {
    jobId: 1,
    runId: opts.runId ?? 1,
    taskRunId: 1,
    taskKey: parsed.task_key,
    attemptNumber: opts.attemptNumber ?? 0,
    task: parsed,
    jobParameters: opts.jobParameters ?? {},
    sourceDir,
    stdoutPath,
    stderrPath,
    signal: controller.signal,
    env: opts.env ?? {},
    services: { sql: opts.sql ?? ownSql!, taskValues: taskValues.forTask(parsed.task_key), cacheDir },
    onProcessStart: (pid) => pids.push(pid),
  };
  const read = (p: string) => readFile(p, 'utf8').catch(() => '');
  return {
    ctx,
    dir,
    controller,
    taskValues,
    pids,
    stdout: () => read(stdoutPath),
    stderr: () => read(stderrPath),
    cleanup: async () => {
      await ownSql?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
