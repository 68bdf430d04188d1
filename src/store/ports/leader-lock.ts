/**
 * One process among several on a shared store holds it at a time (scale-out, ADR 0007): a lock that goes with its
 * holder's connection, so when the holder dies another process takes it on its next try.
 */
export interface LeaderLock {
  /** True when this process holds the lock now (taking it if it is free); false while another process does. */
  tryAcquire(): Promise<boolean>;
  /** Gives the lock up (and its connection). */
  release(): Promise<void>;
}
