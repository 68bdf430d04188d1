import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { openStore } from '../../src/store/open-store.js';
import type { RunRecord, TaskRunRecord } from '../../src/store/records.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** One child process of a scale-out test: `weir server --roles api`, `weir scheduler` or `weir worker`. */
export interface RoleProcess {
  proc: ChildProcess;
  /** The API address (server only). */
  url?: string;
  dataDir: string;
  output(): string;
}

/** A fresh folder under the checkout's .bench-tmp (gitignored; created on a clean checkout). */
function scratchDir(): string {
  const base = join(ROOT, '.bench-tmp');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, 'scale-out-'));
}

/** Starts and stops role processes on one store, each with its own data folder under one temp folder. */
export class ScaleOutCluster {
  readonly dir = scratchDir();
  private readonly procs = new Set<ChildProcess>();
  private n = 0;
  apiDataDir = '';

  constructor(readonly store: string) {}

  /** Starts a role and resolves once it says it is running. */
  start(role: 'api' | 'scheduler' | 'worker', flags: string[] = [], store = this.store): Promise<RoleProcess> {
    const dataDir = join(this.dir, `${role}-${++this.n}`);
    mkdirSync(dataDir, { recursive: true });
    const args = role === 'api' ? ['server', '--roles', 'api', '--port', '0'] : [role];
    const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args, '--store', store, '--data-dir', dataDir, ...flags], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WEIR_SECRETS_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=' },
    });
    this.procs.add(proc);
    proc.once('exit', () => this.procs.delete(proc));
    if (role === 'api') this.apiDataDir = dataDir;
    let out = '';
    // Every process's output also goes to <data-dir>/role.log, to read after a failure (WEIR_KEEP_SCALE_OUT=1).
    const log = (b: Buffer) => appendFileSync(join(dataDir, 'role.log'), b);
    return new Promise((ok, fail) => {
      proc.stdout!.on('data', (b) => {
        log(b);
        out += b;
        const m = /running at (http:\/\/\S+)/.exec(out);
        if (m || /weir (worker|scheduler) is running/.test(out)) ok({ proc, url: m?.[1], dataDir, output: () => out });
      });
      proc.stderr!.on('data', (b) => {
        log(b);
        out += b;
      });
      proc.once('exit', (code) => fail(new Error(`${role} exited (${code}) before it was ready: ${out}`)));
    });
  }

  /** Calls the API of the `api` process. */
  async api(url: string, path: string, body: unknown): Promise<Record<string, unknown>> {
    const token = readFileSync(join(this.apiDataDir, 'admin-token'), 'utf8').trim();
    const res = await fetch(`${url}/api/2.2/${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${path}: ${JSON.stringify(json)}`);
    return json;
  }

  /** SIGKILLs a process (only its own pid: the attempts it started stay behind, as after a crash). */
  kill(p: RoleProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return new Promise((ok) => {
      if (p.proc.exitCode !== null || p.proc.signalCode !== null) return ok();
      p.proc.once('exit', () => ok());
      p.proc.kill(signal);
    });
  }

  /** Every run and task run in the store. */
  async snapshot(): Promise<{ runs: RunRecord[]; tasks: TaskRunRecord[] }> {
    const store = await openStore(this.store);
    try {
      const { runs } = await store.listRuns({ offset: 0, limit: 100_000 });
      const tasks: TaskRunRecord[] = [];
      for (const r of runs) tasks.push(...(await store.listTaskRuns(r.run_id)));
      return { runs, tasks };
    } finally {
      await store.close();
    }
  }

  /** Polls until `check` holds on a snapshot (or fails after `ms`, showing the last snapshot). */
  async until(check: (s: Awaited<ReturnType<ScaleOutCluster['snapshot']>>) => boolean, ms = 60_000): Promise<Awaited<ReturnType<ScaleOutCluster['snapshot']>>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const s = await this.snapshot();
      if (check(s)) return s;
      if (Date.now() > deadline) throw new Error(`condition not reached in ${ms} ms: ${JSON.stringify(s.runs.map((r) => [r.run_id, r.life_cycle_state, r.result_state]))}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.procs].map((proc) => new Promise<void>((ok) => (proc.once('exit', () => ok()), proc.kill('SIGKILL')))));
    // WEIR_KEEP_SCALE_OUT=1 keeps the folders (logs, attempts.log) to look at after a failure.
    if (!process.env.WEIR_KEEP_SCALE_OUT) rmSync(this.dir, { recursive: true, force: true });
    else console.log(`kept ${this.dir}`);
  }
}

/** A TCP proxy to PostgreSQL that a test can cut, to take a worker's store away from it. */
export async function tcpProxy(targetPort: number): Promise<{ port: number; cut(): void }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

/** `seconds` may be a shell expression. A shell task that fails when another instance of the same task of the same run holds its lock (it ran twice at once). */
export function exclusiveTask(dir: string, key: string, seconds: number | string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const lock = `${dir}/lock-$WEIR_RUN_ID-${key}`;
  const log = `${dir}/attempts.log`;
  const body = `echo "start $WEIR_RUN_ID ${key} $WEIR_TASK_RUN_ID $WEIR_WORKER_PID" >> ${log}; sleep ${seconds}; echo "end $WEIR_RUN_ID ${key} $WEIR_TASK_RUN_ID $WEIR_WORKER_PID" >> ${log}`;
  return {
    task_key: key,
    shell_task: { command: `flock -n -E 99 ${lock} sh -c '${body}' || { st=$?; [ $st = 99 ] && echo "OVERLAP $WEIR_RUN_ID ${key} $WEIR_TASK_RUN_ID" >> ${dir}/overlaps.log; exit $st; }` },
    ...extra,
  };
}
