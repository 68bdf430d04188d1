import { isTerminal } from '../domain/run-state.js';
import type { TaskRunRecord } from '../store/records.js';

/** What an index is kept for: a run's attempts by task run id (ActiveRun.taskRuns). */
interface Indexed {
  taskRuns: Map<number, TaskRunRecord>;
}

/** The current top-level attempts of a run, by key, and the ones a scheduling pass has to look at. */
export interface TopIndex {
  /** Current attempts with no parent, in task run id order. */
  tops: readonly TaskRunRecord[];
  byKey: ReadonlyMap<string, TaskRunRecord>;
  /**
   * The tops a pass walks, in task run id order: not terminal, and not known to wait for an unfinished dependency.
   * Empty once every top is terminal (and possibly earlier: check `tops` then).
   */
  live: readonly TaskRunRecord[];
}

interface State extends TopIndex {
  size: number;
  live: TaskRunRecord[];
  /** Waiting attempts parked under the unfinished dependency they wait for; back in `live` when it ends. */
  parked: Map<TaskRunRecord, TaskRunRecord[]>;
}

const indexes = new WeakMap<Indexed, State>();
/** The unfinished dependency each waiting attempt last waited for (set by the dependency decision). */
const blockers = new WeakMap<TaskRunRecord, TaskRunRecord>();

/** Records that `tr` waits for `dep`, which has not finished. */
export function noteBlocker(tr: TaskRunRecord, dep: TaskRunRecord): void {
  blockers.set(tr, dep);
}

/** The dependency `tr` still waits for, if the one it waited for last time has not finished and is still current. */
export function stillBlocked(tr: TaskRunRecord, byKey: ReadonlyMap<string, TaskRunRecord>): boolean {
  const b = blockers.get(tr);
  return b !== undefined && !isTerminal(b.life_cycle_state) && byKey.get(b.task_key) === b;
}

/**
 * The run's TopIndex. Rebuilding the tops and walking all of them on every scheduling pass made the 1,000-task
 * DAG bench O(n²) (~0.4 s of the executor's CPU per run); this is rebuilt only when an attempt is added, and a pass
 * walks only running and ready attempts. Valid because, within one ActiveRun, an attempt stops being current only
 * in the same synchronous step that adds its successor (retries; repairs build a new ActiveRun), and a terminal
 * attempt never becomes non-terminal again.
 */
export function topIndex(a: Indexed): TopIndex {
  const ix = current(a);
  compact(ix);
  return ix;
}

/** The run's current tops and tops by key, without compacting `live` (for readers that do not walk it). */
export function currentTops(a: Indexed): Pick<TopIndex, 'tops' | 'byKey'> {
  return current(a);
}

function current(a: Indexed): State {
  let ix = indexes.get(a);
  if (!ix || ix.size !== a.taskRuns.size) {
    const tops = [...a.taskRuns.values()].filter((t) => t.is_current && t.parent_task_run_id === null);
    ix = { size: a.taskRuns.size, tops, byKey: new Map(tops.map((t) => [t.task_key, t])), live: [...tops], parked: new Map() };
    indexes.set(a, ix);
  }
  return ix;
}

/**
 * Drops terminal attempts from `live` (releasing what was parked under them) and parks attempts known to wait.
 * Allocates only when something changes (a pass runs for every task start and end), and never edits the array in
 * place: a pass may be walking it.
 */
function compact(ix: State): void {
  const leaves = (t: TaskRunRecord) => isTerminal(t.life_cycle_state) || (t.life_cycle_state === 'PENDING' && stillBlocked(t, ix.byKey));
  if (!ix.live.some(leaves)) return;
  const next: TaskRunRecord[] = [];
  let released = false;
  for (const t of ix.live) {
    if (isTerminal(t.life_cycle_state)) {
      released = release(ix, t, next) || released;
    } else if (t.life_cycle_state === 'PENDING' && stillBlocked(t, ix.byKey)) {
      const dep = blockers.get(t) as TaskRunRecord;
      const list = ix.parked.get(dep);
      if (list) list.push(t);
      else ix.parked.set(dep, [t]);
    } else {
      next.push(t);
    }
  }
  if (released) next.sort((x, y) => x.task_run_id - y.task_run_id);
  ix.live = next;
}

function release(ix: State, dep: TaskRunRecord, into: TaskRunRecord[]): boolean {
  const waiting = ix.parked.get(dep);
  if (!waiting) return false;
  ix.parked.delete(dep);
  into.push(...waiting);
  return true;
}

/** Tells the index that `tr` ended, so what waited for it is looked at by the next pass. */
export function attemptEnded(a: Indexed, tr: TaskRunRecord): void {
  const ix = indexes.get(a);
  const released: TaskRunRecord[] = [];
  if (ix && release(ix, tr, released)) ix.live = [...ix.live, ...released].sort((x, y) => x.task_run_id - y.task_run_id);
}
