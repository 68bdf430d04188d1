import type { Clock } from '../domain/clock.js';

/** Calls functions when the clock reaches a time; injected so retries and health checks test without sleeping. */
export interface Timer {
  /** Calls `fn` once the clock reaches `time` (epoch ms); returns a function that cancels it. */
  at(time: number, fn: () => void): () => void;
}

/** Node's timers are limited to 2^31-1 ms; longer waits re-arm. */
const MAX_DELAY = 2 ** 31 - 1;

/** A Timer on real node timers, measuring against `clock`; timers are unref'd so they never keep the process alive. */
export function clockTimer(clock: Clock): Timer {
  return {
    at(time, fn) {
      let handle: NodeJS.Timeout | undefined;
      let canceled = false;
      const arm = () => {
        const wait = time - clock.now();
        if (wait <= 0) return fn();
        handle = setTimeout(() => !canceled && arm(), Math.min(wait, MAX_DELAY));
        handle.unref();
      };
      // Deferred so that `fn` never runs inside the caller's stack.
      handle = setTimeout(() => !canceled && arm(), 0);
      handle.unref();
      return () => {
        canceled = true;
        if (handle) clearTimeout(handle);
      };
    },
  };
}

/** A Timer that fires only when told to (after a ManualClock moved), for tests. */
export class ManualTimer implements Timer {
  private readonly due: { time: number; fn: () => void; id: number }[] = [];
  private seq = 0;
  constructor(private readonly clock: Clock) {}

  at(time: number, fn: () => void): () => void {
    const id = ++this.seq;
    this.due.push({ time, fn, id });
    return () => {
      const i = this.due.findIndex((d) => d.id === id);
      if (i >= 0) this.due.splice(i, 1);
    };
  }

  /** Calls every function whose time has come on the clock; returns how many ran. */
  runDue(): number {
    const now = this.clock.now();
    const ready = this.due.filter((d) => d.time <= now).sort((a, b) => a.time - b.time || a.id - b.id);
    for (const d of ready) this.due.splice(this.due.indexOf(d), 1);
    for (const d of ready) d.fn();
    return ready.length;
  }

  /** The times still waiting, earliest first. */
  pendingTimes(): number[] {
    return this.due.map((d) => d.time).sort((a, b) => a - b);
  }
}
