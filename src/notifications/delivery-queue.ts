import type { Clock } from '../domain/clock.js';
import { WeirError } from '../domain/weir-error.js';
import type { DeliveryRecord, NewDelivery, NotificationStore } from '../store/ports/notification-store.js';
import type { ChannelSet } from './channel.js';
import type { Timer } from './timer.js';

/** Retry policy of deliveries. */
export interface RetryPolicy {
  /** Attempts per delivery, the first included. */
  maxAttempts: number;
  /** Wait after the first failure; doubled after each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** 6 attempts, waiting 1, 2, 4, 8 and 16 s between them (31 s in all): enough to ride out a receiver restart. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 1_000, maxDelayMs: 300_000 };

/** What the queue needs. */
export interface DeliveryQueueDeps {
  store: NotificationStore;
  channels: ChannelSet;
  clock: Clock;
  timer: Timer;
  retry?: Partial<RetryPolicy>;
}

/** Deliveries handled per store read. */
const BATCH = 50;

/** The wait before attempt `attempt + 1` after `attempt` failed ones. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * The background worker: persisted deliveries are sent when due, each attempt is recorded, failures are retried
 * with exponential backoff up to maxAttempts. Passes never overlap; deliveries to one target go in order (a
 * PagerDuty resolve never overtakes its trigger), different targets in parallel, so a slow receiver delays only
 * its own messages.
 */
export class DeliveryQueue {
  private readonly policy: RetryPolicy;
  private pumping = false;
  private dirty = false;
  private stopped = true;
  private pending: Promise<void> = Promise.resolve();
  private wake: { time: number; cancel: () => void } | undefined;

  constructor(private readonly d: DeliveryQueueDeps) {
    this.policy = { ...DEFAULT_RETRY, ...d.retry };
  }

  /** Starts working, including deliveries left pending by a previous process. */
  start(): void {
    this.stopped = false;
    this.poke();
  }

  /**
   * Finishes the pass in progress (so messages of a run that just ended, e.g. under `weir run`, get their first
   * attempt), then stops; retries not yet due stay stored for the next start.
   */
  async stop(): Promise<void> {
    await this.idle();
    this.stopped = true;
    this.wake?.cancel();
    this.wake = undefined;
    await this.pending;
  }

  /** Stores new deliveries and asks for a pass. */
  async enqueue(ds: NewDelivery[]): Promise<void> {
    if (ds.length === 0) return;
    await this.d.store.insertDeliveries(ds);
    this.poke();
  }

  /** Resolves once no pass is running (deliveries not yet due stay pending). */
  async idle(): Promise<void> {
    while (this.pumping) await this.pending;
  }

  /** Asks for a pass soon; passes never overlap. */
  poke(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.dirty = true;
      return;
    }
    this.pumping = true;
    this.pending = (async () => {
      try {
        do {
          this.dirty = false;
          await this.pass();
        } while (this.dirty && !this.stopped);
        await this.armWake();
      } catch (e) {
        process.emitWarning(`weir notifications: delivery pass failed: ${(e as Error).stack ?? e}`);
      } finally {
        this.pumping = false;
      }
    })();
  }

  private async pass(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const due = await this.d.store.dueDeliveries(this.d.clock.now(), BATCH);
      if (due.length === 0) return;
      const byTarget = new Map<string, DeliveryRecord[]>();
      for (const x of due) byTarget.set(targetKey(x), [...(byTarget.get(targetKey(x)) ?? []), x]);
      await Promise.all([...byTarget.values()].map((group) => this.sendInOrder(group)));
    }
  }

  private async sendInOrder(group: DeliveryRecord[]): Promise<void> {
    for (const [i, x] of group.entries()) {
      const ok = await this.attempt(x);
      // A failed message keeps the later ones to the same target waiting, so they cannot overtake it.
      if (!ok) {
        const rest = group.slice(i + 1).map((l) => l.delivery_id);
        if (rest.length) await this.d.store.postponeDeliveries(rest, this.d.clock.now() + backoffMs(this.policy, x.attempts + 1));
        return;
      }
    }
  }

  /** One try of one delivery; records it and returns whether it was delivered. */
  private async attempt(x: DeliveryRecord): Promise<boolean> {
    const attempt = x.attempts + 1;
    let error: WeirError | undefined;
    try {
      await this.d.channels[x.target.channel].send(x.target, x.message);
    } catch (e) {
      error = e instanceof WeirError ? e : new WeirError('NOTIFICATION.DELIVERY_FAILED', (e as Error).message, { cause: e, retryable: true });
    }
    const now = this.d.clock.now();
    const giveUp = error !== undefined && (!error.retryable || attempt >= this.policy.maxAttempts);
    await this.d.store.recordAttempt(
      x.delivery_id,
      {
        attempts: attempt,
        state: error === undefined ? 'DELIVERED' : giveUp ? 'FAILED' : 'PENDING',
        next_attempt_time: error === undefined || giveUp ? x.next_attempt_time : now + backoffMs(this.policy, attempt),
        last_error: error?.message ?? null,
      },
      {
        delivery_id: x.delivery_id,
        run_id: x.run_id,
        attempt,
        channel: x.target.channel,
        event: x.event,
        destination: x.target.destination,
        status: error === undefined ? 'DELIVERED' : 'ERROR',
        error: error?.message ?? null,
        time: now,
      },
    );
    return error === undefined;
  }

  /** Arms one wake-up at the earliest pending retry. */
  private async armWake(): Promise<void> {
    if (this.stopped) return;
    const next = await this.d.store.nextAttemptTime();
    if (next === undefined || (this.wake && this.wake.time === next)) return;
    this.wake?.cancel();
    const cancel = this.d.timer.at(next, () => {
      if (this.wake?.time === next) this.wake = undefined;
      this.poke();
    });
    this.wake = { time: next, cancel };
  }
}

/** Deliveries with the same key go in order. */
function targetKey(x: DeliveryRecord): string {
  const t = x.target;
  return `${t.channel}|${t.destination}|${t.url ?? ''}|${t.integration_key ?? ''}|${x.run_id}`;
}
