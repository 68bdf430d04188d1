import { randomUUID } from 'node:crypto';
import { WeirError } from '../../domain/weir-error.js';
import type { SqlResult } from '../sql-engine.js';
import type { StatementParameter } from './parameter-markers.js';
import { newSession, type SqlWarehouse } from './sql-warehouse.js';

/** A statement's state, as the Statement Execution API names it. */
export type StatementState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED';

/** A submitted statement. */
export interface StatementRequest {
  statement: string;
  catalog?: string;
  schema?: string;
  parameters?: StatementParameter[];
  /** Seconds to wait for the result before answering with the running statement (0 answers at once). */
  waitSeconds: number;
  onWaitTimeout: 'CONTINUE' | 'CANCEL';
  rowLimit?: number;
}

/** What a statement is at a moment: its state, and its result or error once it ended. */
export interface StatementSnapshot {
  id: string;
  state: StatementState;
  result?: SqlResult;
  error?: { code: string; message: string };
}

interface Entry {
  snapshot: StatementSnapshot;
  abort: AbortController;
  done: Promise<void>;
}

/** Rows a statement may return inline when the request sets no row_limit (Databricks caps INLINE at 25 MiB). */
const DEFAULT_ROW_LIMIT = 100_000;
/** Statements kept for GET after they end (oldest forgotten first). */
const KEPT = 1000;

/** The Databricks error_code of a failed statement. */
function errorCode(e: unknown): string {
  if (!(e instanceof WeirError)) return 'INTERNAL_ERROR';
  if (e.params?.canceled) return 'CANCELLED';
  if (e.code === 'CATALOG.NOT_FOUND' || e.code === 'DELTA.TABLE_NOT_FOUND') return 'NOT_FOUND';
  if (e.code === 'CATALOG.ALREADY_EXISTS' || e.code === 'DELTA.TABLE_EXISTS') return 'ALREADY_EXISTS';
  if (e.code === 'DELTA.CONCURRENT_MODIFICATION') return 'ABORTED';
  return e.code === 'INTERNAL' ? 'INTERNAL_ERROR' : 'BAD_REQUEST';
}

/** Runs submitted statements in the background and keeps their outcome, for POST/GET/cancel of the API. */
export class StatementExecution {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly warehouse: SqlWarehouse) {}

  /** Starts a statement and waits up to `waitSeconds` for it to end (cancelling it then when asked to). */
  async submit(req: StatementRequest): Promise<StatementSnapshot> {
    const id = randomUUID();
    const abort = new AbortController();
    const snapshot: StatementSnapshot = { id, state: 'RUNNING' };
    const session = newSession({ catalog: req.catalog, schema: req.schema });
    const done = this.warehouse
      .execute(req.statement, { session, parameters: req.parameters, maxRows: req.rowLimit ?? DEFAULT_ROW_LIMIT, signal: abort.signal })
      .then((result) => {
        if (snapshot.state === 'RUNNING') Object.assign(snapshot, { state: 'SUCCEEDED', result });
      })
      .catch((e: unknown) => {
        if (snapshot.state !== 'RUNNING') return;
        Object.assign(snapshot, { state: abort.signal.aborted ? 'CANCELED' : 'FAILED', error: { code: errorCode(e), message: (e as Error).message } });
      });
    this.entries.set(id, { snapshot, abort, done });
    this.forgetOld();
    let timer: NodeJS.Timeout | undefined;
    if (req.waitSeconds > 0) await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, req.waitSeconds * 1000)))]);
    clearTimeout(timer);
    if (snapshot.state === 'RUNNING' && req.onWaitTimeout === 'CANCEL' && req.waitSeconds > 0) this.cancel(id);
    return { ...snapshot };
  }

  /** The statement's current state and outcome; undefined for an unknown id. */
  get(id: string): StatementSnapshot | undefined {
    const e = this.entries.get(id);
    return e ? { ...e.snapshot } : undefined;
  }

  /** Cancels a running statement (no effect once it ended); false for an unknown id. */
  cancel(id: string): boolean {
    const e = this.entries.get(id);
    if (!e) return false;
    if (e.snapshot.state === 'RUNNING' || e.snapshot.state === 'PENDING') {
      e.snapshot.state = 'CANCELED';
      e.snapshot.error = { code: 'CANCELLED', message: 'the statement was canceled' };
      e.abort.abort();
    }
    return true;
  }

  /** Waits for every running statement (server shutdown). */
  async drain(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.done));
  }

  private forgetOld(): void {
    for (const [id, e] of this.entries) {
      if (this.entries.size <= KEPT) return;
      if (e.snapshot.state !== 'RUNNING') this.entries.delete(id);
    }
  }
}
