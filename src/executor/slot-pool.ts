/**
 * The executor's task slots, and the attempts waiting for one (ADR 0011). An attempt either takes a free slot when
 * it starts, or, when all are taken and its process can start without weir's help (a shell_task), waits here on
 * standby with its launch already prepared: a slot that frees goes straight to the oldest waiting attempt. When the
 * slot frees because a task process exited, the spawner client hands it over in the same event that reported the
 * exit, before weir writes that attempt's end, so the next process starts one message after the last one ended.
 */
export class SlotPool {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly capacity: number) {}

  /** Takes a free slot; false when all are in use. */
  tryTake(): boolean {
    if (this.used >= this.capacity) return false;
    this.used++;
    return true;
  }

  /** Gives a slot back: to the oldest waiting attempt if there is one, else to the pool. */
  release(): void {
    if (!this.passOn()) this.used--;
  }

  /** Gives the slot of an ending attempt to the oldest waiting one; false (the slot stays held) when none waits. */
  passOn(): boolean {
    const next = this.waiting.shift();
    if (!next) return false;
    next();
    return true;
  }

  /** Forgets the waiting attempts (the executor stopped): they never start. */
  close(): void {
    this.waiting.length = 0;
  }

  /** How many attempts wait for a slot. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /**
   * Calls `start` with a slot: now if one is free, else when one is passed on. The returned function withdraws a
   * waiting attempt (true when it was still waiting, and `start` will not be called).
   */
  wait(start: () => void): () => boolean {
    if (this.tryTake()) {
      start();
      return () => false;
    }
    this.waiting.push(start);
    return () => {
      const i = this.waiting.indexOf(start);
      if (i < 0) return false;
      this.waiting.splice(i, 1);
      return true;
    };
  }
}

/** One attempt's claim on a slot, shared by the executor (which took or will release it) and the runner's process. */
export interface AttemptSlot {
  pool: SlotPool;
  /** True while the attempt holds a slot; false for a standby attempt until it is given one. */
  held: boolean;
  /** Set when the attempt's process passed its slot on as it exited (the executor then releases nothing). */
  passed?: boolean;
}
