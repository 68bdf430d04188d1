import { accessSync, constants, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, join } from 'node:path';

/** Limits on the processes of one attempt, from the node type its task runs on. */
export interface AttemptLimits {
  /** Memory of the attempt's processes, in bytes. */
  memoryBytes?: number;
  /** CPUs' worth of CPU time (2 = two full cores). */
  cpuShare?: number;
  /** The node type the limits come from, named in the out-of-memory error. */
  nodeType?: string;
}

/** How limits are enforced here: a cgroup v2 per attempt, or per-process rlimits (plus nice for the CPU share). */
export type LimitMechanism = { kind: 'cgroup2'; parent: string; cpu: boolean } | { kind: 'rlimit'; prlimit?: string; nice?: string };

/** Start of the error of an attempt stopped for exceeding its memory limit. */
export const OUT_OF_MEMORY = 'out of memory:';

/** The error of an attempt whose processes went over its memory limit. */
export function outOfMemoryError(limits: AttemptLimits): string {
  const mib = Math.round((limits.memoryBytes ?? 0) / 1024 / 1024);
  const of = limits.nodeType ? ` of node type ${limits.nodeType}` : '';
  return `${OUT_OF_MEMORY} the task's processes exceeded the memory limit of ${mib} MiB${of}`;
}

let detected: LimitMechanism | undefined;

/** The mechanism of this machine, detected once: cgroup v2 when weir's cgroup can hold per-attempt children with the memory controller. */
export function limitMechanism(): LimitMechanism {
  detected ??= detectCgroup() ?? { kind: 'rlimit', prlimit: onPath('prlimit'), nice: onPath('nice') };
  return detected;
}

/** True when `limits` asks for anything. */
export function hasLimits(limits: AttemptLimits | undefined): limits is AttemptLimits {
  return !!limits && ((limits.memoryBytes ?? 0) > 0 || (limits.cpuShare ?? 0) > 0);
}

/** One attempt's enforcement: the argv to run instead of the task's, and what is left to check and clean up at its end. */
export interface LimitedLaunch {
  argv: string[];
  /** Reads whether the kernel killed a process for memory (cgroup v2 only), then removes the attempt's cgroup. */
  finish(): { oomKilled: boolean };
}

/**
 * Wraps an attempt's command so its whole process tree runs under `limits`. With cgroup v2 the attempt gets its own
 * cgroup (memory.max, memory.swap.max 0, cpu.max) that the command joins before it execs; with rlimits the command
 * runs under `prlimit --data` (private writable memory per process: unlike RLIMIT_AS it does not count the address
 * space Node, Java or Go reserve without using) and, for a CPU share below the machine's cores, `nice`.
 * Throws when the limits cannot be enforced here (the attempt must not run unlimited).
 */
export function applyLimits(limits: AttemptLimits, attemptId: string, argv: string[]): LimitedLaunch {
  const m = limitMechanism();
  return m.kind === 'cgroup2' ? cgroupLaunch(m, limits, attemptId, argv) : rlimitLaunch(m, limits, argv);
}

function cgroupLaunch(m: Extract<LimitMechanism, { kind: 'cgroup2' }>, limits: AttemptLimits, attemptId: string, argv: string[]): LimitedLaunch {
  const dir = join(m.parent, `weir-attempt-${attemptId}`);
  mkdirSync(dir, { recursive: true });
  if (limits.memoryBytes) {
    writeFileSync(join(dir, 'memory.max'), String(Math.floor(limits.memoryBytes)));
    // Without this the limit only moves the excess to swap instead of stopping the task.
    tryWrite(join(dir, 'memory.swap.max'), '0');
  }
  if (limits.cpuShare && m.cpu) writeFileSync(join(dir, 'cpu.max'), `${Math.max(1000, Math.round(limits.cpuShare * 100_000))} 100000`);
  return {
    // The shell writes its own pid into the cgroup, then execs the command (same pid, so weir's process group holds).
    argv: ['/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', join(dir, 'cgroup.procs'), ...argv],
    finish() {
      const events = tryRead(join(dir, 'memory.events'));
      const oomKilled = Number(/^oom_kill (\d+)$/m.exec(events)?.[1] ?? 0) > 0;
      tryWrite(join(dir, 'cgroup.kill'), '1');
      removeWhenEmpty(dir, 10);
      return { oomKilled };
    },
  };
}

/** Removes an attempt's cgroup; while killed processes are still being reaped it is busy, so try again shortly. */
function removeWhenEmpty(dir: string, tries: number): void {
  try {
    rmdirSync(dir);
  } catch {
    if (tries > 0) setTimeout(() => removeWhenEmpty(dir, tries - 1), 200).unref();
  }
}

function rlimitLaunch(m: Extract<LimitMechanism, { kind: 'rlimit' }>, limits: AttemptLimits, argv: string[]): LimitedLaunch {
  let out = argv;
  if (limits.memoryBytes) {
    if (!m.prlimit) throw new Error('memory limits need cgroup v2 with the memory controller, or util-linux `prlimit` on PATH; install util-linux');
    out = [m.prlimit, `--data=${Math.floor(limits.memoryBytes)}`, '--', ...out];
  }
  const niceness = niceFor(limits.cpuShare);
  if (niceness > 0 && m.nice) out = [m.nice, '-n', String(niceness), ...out];
  return { argv: out, finish: () => ({ oomKilled: false }) };
}

/**
 * rlimits cannot cap a CPU share; the task's priority drops instead, by the ratio of the machine's cores to its share
 * (each nice step is ~1.25× less CPU under contention), so a 1-core task on an 8-core machine gets nice 9.
 */
function niceFor(share: number | undefined): number {
  const cores = availableParallelism();
  if (!share || share >= cores) return 0;
  return Math.min(19, Math.max(0, Math.round(Math.log(cores / share) / Math.log(1.25))));
}

/** Signals a process gets when an allocation fails under an rlimit and the runtime does not report it (dash, C code). */
const ALLOCATION_SIGNALS = new Set(['SIGSEGV', 'SIGBUS', 'SIGABRT']);
const ALLOCATION_ERRORS = /MemoryError|Cannot allocate memory|memory exhausted|[Oo]ut of memory|bad_alloc|allocation failed|failed to allocate|OutOfMemoryError/;

/**
 * Whether a failed process of a memory-limited attempt ran out of memory under rlimits, where the kernel does not
 * say so: an allocation error on stderr (Python's MemoryError, ENOMEM messages, Node's and Java's), or death by the
 * signals failed allocations end in.
 */
export function looksOutOfMemory(exit: { exitCode: number | null; signal: NodeJS.Signals | null }, stderrTail: string): boolean {
  if (exit.exitCode === null && exit.signal !== null && ALLOCATION_SIGNALS.has(exit.signal)) return true;
  // Shells report a child's death by signal as 128 + the signal number.
  if (exit.exitCode === 139 || exit.exitCode === 135 || exit.exitCode === 134) return true;
  return ALLOCATION_ERRORS.test(stderrTail);
}

function detectCgroup(): LimitMechanism | undefined {
  try {
    const own = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'))?.slice(3);
    const mount = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .find((f) => f[f.indexOf('-') + 1] === 'cgroup2')?.[4];
    if (own === undefined || mount === undefined) return undefined;
    const parent = join(mount, own);
    const controllers = tryRead(join(parent, 'cgroup.controllers')).split(/\s+/);
    if (!controllers.includes('memory')) return undefined;
    const enabled = () => tryRead(join(parent, 'cgroup.subtree_control')).split(/\s+/);
    // Refused (EBUSY) when weir's cgroup also holds processes and is not the root: then it was not delegated to us.
    if (!enabled().includes('memory')) tryWrite(join(parent, 'cgroup.subtree_control'), controllers.includes('cpu') ? '+memory +cpu' : '+memory');
    if (!enabled().includes('memory')) return undefined;
    accessSync(parent, constants.W_OK);
    return { kind: 'cgroup2', parent, cpu: enabled().includes('cpu') };
  } catch {
    return undefined;
  }
}

function tryRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function tryWrite(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch {
    // Optional knob missing (no swap accounting, no cgroup.kill before Linux 5.14).
  }
}

/** The absolute path of `program` on PATH, if it is there. */
export function onPath(program: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}
