import type { LeaderLock } from '../store/ports/leader-lock.js';
import type { DeliveryQueue } from './delivery-queue.js';

/**
 * Scale-out: of all processes on one store, only the holder of the deliveries lock sends notifications, so a
 * pending delivery is never sent by two processes at once (each would read it as due). Every process still stores
 * the deliveries of the runs it ends; the sender picks them up within `pollMs`. When the sender dies, the lock
 * goes with its connection and the next process to try takes over, including the deliveries it left pending (as
 * after a restart of a single server: a message being sent when it died may be sent again). Returns the stop
 * function.
 */
export function sendWhileLeader(queue: DeliveryQueue, lock: LeaderLock, pollMs: number): () => Promise<void> {
  let sending = false;
  let stopped = false;
  let check: Promise<void> = Promise.resolve();
  const tick = async () => {
    const leader = await lock.tryAcquire().catch(() => false);
    if (stopped) return;
    if (leader && !sending) queue.start();
    else if (leader) queue.poke();
    else if (sending) await queue.stop();
    sending = leader;
  };
  const timer = setInterval(() => (check = check.then(tick)), pollMs);
  check = check.then(tick);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await check;
    if (sending) await queue.stop();
    await lock.release();
  };
}
