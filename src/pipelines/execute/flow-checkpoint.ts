import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a streaming flow has consumed so far; the next update reads only what is new. */
export interface FlowCheckpoint {
  /** The last committed micro-batch; the next one is batch_id + 1 (also the Delta txn version, for exactly-once). */
  batch_id: number;
  /** File sources: files already read, path → "mtime:size". */
  files: Record<string, string>;
  /** Streaming table sources: the last version read, by table id. */
  tables: Record<string, number>;
  /** File sources: the columns seen so far, by source path (schema evolution). */
  schemas?: Record<string, string[]>;
  /** ONCE flows: ran already (they run again only on a full refresh). */
  once_done?: boolean;
}

const fileName = (flowId: string) => `${flowId.replace(/[^\w.-]/g, '_')}.json`;

/** Checkpoints of one pipeline's streaming flows, as JSON files in a folder (written atomically). */
export class FlowCheckpoints {
  constructor(readonly dir: string) {}

  /** The flow's checkpoint, or a fresh one. */
  load(flowId: string): FlowCheckpoint {
    try {
      return JSON.parse(readFileSync(join(this.dir, fileName(flowId)), 'utf8')) as FlowCheckpoint;
    } catch {
      return { batch_id: -1, files: {}, tables: {} };
    }
  }

  /** Saves after the batch's commit: a crash between the two re-runs the batch, and the Delta txn makes that a no-op. */
  save(flowId: string, cp: FlowCheckpoint): void {
    mkdirSync(this.dir, { recursive: true });
    const target = join(this.dir, fileName(flowId));
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(cp));
    renameSync(tmp, target);
  }

  /** Forgets what the flow consumed (full refresh). */
  reset(flowId: string): void {
    rmSync(join(this.dir, fileName(flowId)), { force: true });
  }
}
