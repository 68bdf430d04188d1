/** A min-heap of job ids by due time, with lazy deletion (a job's latest push wins). */
export class DueQueue {
  private heap: { due: number; jobId: number }[] = [];
  private readonly latest = new Map<number, number>();

  /** Schedules (or reschedules) a job. */
  push(jobId: number, due: number): void {
    this.latest.set(jobId, due);
    if (!Number.isFinite(due)) return;
    this.heap.push({ due, jobId });
    this.up(this.heap.length - 1);
  }

  /** Forgets a job. */
  remove(jobId: number): void {
    this.latest.delete(jobId);
  }

  /** The earliest due time, or Infinity. */
  peek(): number {
    this.dropStale();
    return this.heap[0]?.due ?? Number.POSITIVE_INFINITY;
  }

  /** Takes every job due at or before `now`, earliest first. */
  popDue(now: number): number[] {
    const out: number[] = [];
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (!top || top.due > now) return out;
      this.pop();
      this.latest.delete(top.jobId);
      out.push(top.jobId);
    }
  }

  get size(): number {
    return this.latest.size;
  }

  private dropStale(): void {
    while (this.heap.length && this.latest.get(this.heap[0].jobId) !== this.heap[0].due) this.pop();
  }

  private pop(): void {
    const last = this.heap.pop();
    if (last && this.heap.length) {
      this.heap[0] = last;
      this.down(0);
    }
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].due <= h[i].due) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l].due < h[m].due) m = l;
      if (r < h.length && h[r].due < h[m].due) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
}
