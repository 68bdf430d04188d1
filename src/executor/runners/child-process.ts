import { spawn, type StdioOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { ProcessSpawner, spawnerAvailable } from './process-spawner.js';
import { applyLimits, hasLimits, onPath, type AttemptLimits } from './resource-limits.js';
import type { AttemptSlot } from '../slot-pool.js';

/** The process spawner shared by every attempt of this process. */
const spawner = new ProcessSpawner();

/**
 * Same contract as runChild, with the fork/exec done by the spawner helper, which also creates the log files.
 * (Creating them here on libuv's threads instead cost the event loop ~0.15 ms per task and added a thread
 * round trip before every start; measured on a 1,000-task DAG: 1.74 s with it, 1.31 s without.)
 */
async function runViaSpawner(opts: ChildOptions): Promise<ChildExit> {
  const slot = opts.slot;
  // Told of the exit before anyone else: the slot goes to the next waiting attempt at once (slot-pool.ts).
  const passOn = slot
    ? () => {
        if (slot.held && slot.pool.passOn()) {
          slot.held = false;
          slot.passed = true;
        }
      }
    : undefined;
  const child = await spawner.start({ argv: [opts.command, ...opts.args], cwd: opts.cwd, env: opts.env, stdout: opts.stdoutPath, stderr: opts.stderrPath }, passOn);
  opts.onStart?.(child.pid);
  const watch = watchAbort(opts.signal, child.pid);
  const { exitCode, signal } = await child.exit;
  // The spawner already killed what was left in the group when it reaped the process.
  return { exitCode, signal, aborted: watch.end(false) };
}

/**
 * Kills a started process group when `signal` aborts (SIGTERM, then SIGKILL after the grace time). `end()`, called
 * once the main process exited, stops watching, takes down anything the process left in its group (unless told the
 * caller's spawner did), and says whether the attempt was aborted.
 */
function watchAbort(signal: AbortSignal, pid: number): { end(killLeftovers?: boolean): boolean } {
  let aborted = false;
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    aborted = true;
    killGroup(pid, 'SIGTERM');
    killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
    killTimer.unref();
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    end(killLeftovers = true) {
      signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      if (killLeftovers) killGroup(pid, 'SIGKILL');
      return aborted;
    },
  };
}

/** How long a process group gets between SIGTERM and SIGKILL after cancel or timeout. */
export const KILL_GRACE_MS = 2000;

/** Options of one child process of an attempt. */
export interface ChildOptions {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  stdoutPath: string;
  stderrPath: string;
  signal: AbortSignal;
  onStart?: (pid: number) => void;
  /** Opens fd 3 as a bidirectional pipe (a socket pair) for a runtime protocol with the child. */
  rpc?: (channel: { input: Readable; output: Writable }) => void;
  /** Memory and CPU limits on the whole process tree, and a name for the attempt (its cgroup's). */
  limits?: { limits: AttemptLimits; attemptId: string };
  /** The attempt's slot: the process starts only once the attempt holds it, and passes it on as it exits. */
  slot?: AttemptSlot;
}

/** How a child process ended. */
export interface ChildExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when the process was killed because the attempt was aborted. */
  aborted: boolean;
  /** True when the kernel reported killing a process of the attempt for exceeding its memory limit (cgroup v2). */
  oomKilled?: boolean;
}

/**
 * Runs a child process in its own process group with stdout/stderr appended straight to the attempt's log
 * files (so lines survive a crash of weir), and kills the whole group on abort.
 */
export async function runChild(opts: ChildOptions): Promise<ChildExit> {
  if (!(await slotGiven(opts.slot, opts.signal))) return { exitCode: null, signal: null, aborted: true };
  return opts.limits && hasLimits(opts.limits.limits) ? runLimited(opts, opts.limits) : runUnlimited(opts);
}

/** Waits until a standby attempt is given a slot; false when it was aborted first (it then never held one). */
function slotGiven(slot: AttemptSlot | undefined, signal: AbortSignal): Promise<boolean> {
  if (!slot || slot.held) return Promise.resolve(true);
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      if (withdraw()) resolve(false);
    };
    const withdraw = slot.pool.wait(() => {
      slot.held = true;
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    });
    if (!slot.held) signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function runLimited(opts: ChildOptions, limits: NonNullable<ChildOptions['limits']>): Promise<ChildExit> {
  // Resolve the program first, so a missing one fails as "could not start", not as the wrapper's error.
  const program = opts.command.includes('/') ? opts.command : onPath(opts.command, opts.env.PATH ?? process.env.PATH);
  if (!program) throw Object.assign(new Error(`spawn ${opts.command} ENOENT`), { code: 'ENOENT' });
  const limited = applyLimits(limits.limits, limits.attemptId, [program, ...opts.args]);
  let exit: ChildExit;
  try {
    exit = await runUnlimited({ ...opts, command: limited.argv[0], args: limited.argv.slice(1) });
  } catch (e) {
    limited.finish();
    throw e;
  }
  return limited.finish().oomKilled ? { ...exit, oomKilled: true } : exit;
}

function runUnlimited(opts: ChildOptions): Promise<ChildExit> {
  if (!opts.rpc && spawnerAvailable()) return runViaSpawner(opts);
  const out = openSync(opts.stdoutPath, 'a');
  const err = openSync(opts.stderrPath, 'a');
  const stdio: StdioOptions = opts.rpc ? ['ignore', out, err, 'pipe'] : ['ignore', out, err];
  return new Promise<ChildExit>((resolve, reject) => {
    let watch: { end(killLeftovers?: boolean): boolean } | undefined;
    const child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio,
      detached: true,
    });
    closeSync(out);
    closeSync(err);
    child.once('error', (e) => {
      watch?.end();
      reject(e);
    });
    child.once('spawn', () => {
      if (child.pid === undefined) return;
      opts.onStart?.(child.pid);
      if (opts.rpc) {
        const pipe = child.stdio[3] as unknown as Readable & Writable;
        opts.rpc({ input: pipe, output: pipe });
      }
      watch = watchAbort(opts.signal, child.pid);
    });
    child.once('exit', (exitCode, signal) => resolve({ exitCode, signal, aborted: watch?.end() ?? false }));
  });
}

/** Sends a signal to a whole process group, ignoring a group that is already gone. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group has already exited.
  }
}

/** True when a process with this pid exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
