import { spawn, type ChildProcess } from 'node:child_process';
import { constants as os } from 'node:os';
import { spawnerHelper, type SpawnerHelper } from './spawner-helper.js';

/** What the spawner needs to start one process. */
export interface SpawnRequest {
  argv: string[];
  cwd: string;
  /** Variables on top of weir's own environment (see ProcessSpawner). */
  env: Record<string, string>;
  stdout: string;
  stderr: string;
}

/** A process started by the spawner: its pid, and how it ended. */
export interface SpawnedProcess {
  pid: number;
  exit: Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>;
}

interface Pending {
  started: (p: SpawnedProcess) => void;
  failed: (e: Error) => void;
  ended?: (r: { exitCode: number | null; signal: NodeJS.Signals | null }) => void;
  onExit?: () => void;
}

/**
 * Starts task processes through a small long-lived helper instead of forking the big server process for each task:
 * measured on 1,000 `true` tasks, Node's own spawn blocks the event loop for ~1.5 ms per process (more once DuckDB
 * is loaded); the helper's posix_spawn does not block it at all. The helper is native (native/weir_spawner.c, built
 * on first use) or, where no C compiler is found, Python (python/weir_spawner.py): see spawner-helper.ts and ADR
 * 0010. Task processes get weir's environment as it was when the helper started, with each request's variables on
 * top.
 */
export class ProcessSpawner {
  private helper?: ChildProcess;
  private native = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /** `helper`: which helper to start (default: the one spawnerHelper() chooses). */
  constructor(private readonly helperKind?: SpawnerHelper) {}

  /**
   * Starts a process; rejects with an errno-style error (code ENOENT …) when it cannot start. `onExit` is called
   * synchronously when the exit is reported, before `exit` resolves (and before any later reply is handled).
   */
  start(req: SpawnRequest, onExit?: () => void): Promise<SpawnedProcess> {
    const helper = this.ensure();
    const id = this.nextId++;
    return new Promise((started, failed) => {
      this.pending.set(id, { started, failed, onExit });
      this.hold(true);
      helper.stdin!.write(this.native ? nativeFrame(id, req) : JSON.stringify({ id, ...req }) + '\n');
    });
  }

  /** Stops the helper (running task processes are not affected). */
  close(): void {
    this.helper?.stdin?.end();
    this.helper = undefined;
  }

  /** Keeps the event loop alive only while processes started here are running (so `weir run` can exit). */
  private hold(on: boolean): void {
    const out = this.helper?.stdout as unknown as { ref?: () => void; unref?: () => void } | undefined;
    if (on) out?.ref?.();
    else if (this.pending.size === 0) out?.unref?.();
  }

  private ensure(): ChildProcess {
    if (this.helper) return this.helper;
    const kind = this.helperKind ?? (spawnerHelper() as SpawnerHelper);
    const helper = spawn(kind.command, kind.args, { stdio: ['pipe', 'pipe', 'inherit'] });
    this.native = kind.kind === 'native';
    if (!this.native) {
      const base: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined) base[k] = v;
      helper.stdin!.write(JSON.stringify({ base_env: base }) + '\n');
    }
    helper.unref();
    (helper.stdin as unknown as { unref?: () => void }).unref?.();
    (helper.stdout as unknown as { unref?: () => void }).unref?.();
    // Split lines by hand: readline's decoder and per-line events cost more than the messages themselves.
    let rest = '';
    helper.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() as string;
      for (const line of lines) this.onMessage(this.native ? parseNativeReply(line) : JSON.parse(line));
    });
    const fail = (why: string) => {
      if (this.helper === helper) this.helper = undefined;
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        p.failed(new Error(`weir's process spawner stopped (${why})`));
      }
    };
    helper.once('error', (e) => fail(e.message));
    helper.once('exit', (code, sig) => fail(`exit ${code ?? sig}`));
    this.helper = helper;
    return helper;
  }

  private onMessage(m: { id: number; pid?: number; error?: string; errno?: number; exit?: number | null; signal?: number | null }): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.error !== undefined) {
      this.pending.delete(m.id);
      this.hold(false);
      const code = Object.entries(os.errno).find(([, n]) => n === m.errno)?.[0];
      p.failed(Object.assign(new Error(m.error), { code, errno: m.errno }));
    } else if (m.pid !== undefined) {
      const exit = new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>((ended) => (p.ended = ended));
      p.started({ pid: m.pid, exit });
    } else {
      this.pending.delete(m.id);
      this.hold(false);
      const signal = m.signal ? ((Object.entries(os.signals).find(([, n]) => n === m.signal)?.[0] ?? null) as NodeJS.Signals | null) : null;
      p.onExit?.();
      p.ended?.({ exitCode: m.exit ?? null, signal });
    }
  }
}

/** True when a helper can be used here (decided, and the native one built, on the first call); otherwise Node's spawn is used. */
export function spawnerAvailable(): boolean {
  return spawnerHelper() !== undefined;
}

/**
 * A request for the native helper: "<byte length>\n" and NUL-terminated fields (id, cwd, stdout, stderr, argc,
 * argv…, envc, KEY=VALUE…). NUL cannot occur in any of them (they become C strings for exec).
 */
function nativeFrame(id: number, req: SpawnRequest): string {
  const env = Object.entries(req.env).map(([k, v]) => `${k}=${v}`);
  const payload = [id, req.cwd, req.stdout, req.stderr, req.argv.length, ...req.argv, env.length, ...env].join('\0') + '\0';
  return `${Buffer.byteLength(payload)}\n${payload}`;
}

/** A reply line of the native helper: "P id pid", "E id errno message" or "X id code|- signal|-". */
function parseNativeReply(line: string): { id: number; pid?: number; error?: string; errno?: number; exit?: number | null; signal?: number | null } {
  const [kind, id, a, ...rest] = line.split(' ');
  if (kind === 'P') return { id: Number(id), pid: Number(a) };
  if (kind === 'E') return { id: Number(id), error: rest.join(' '), errno: Number(a) };
  return { id: Number(id), exit: a === '-' ? null : Number(a), signal: rest[0] === '-' ? null : Number(rest[0]) };
}
