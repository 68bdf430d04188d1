/**
 * Turns raw action objects (a JSON line of a commit, a row of a checkpoint) into typed actions: unknown action
 * kinds are dropped (PROTOCOL §Protocol Evolution), explicit nulls are treated as absent, and checkpoint-only
 * columns (`stats_parsed`, `partitionValues_parsed`) are folded into the JSON forms the rest of weir uses.
 */
import type { Action } from '../actions.js';

const KNOWN = new Set(['protocol', 'metaData', 'add', 'remove', 'txn', 'commitInfo', 'cdc', 'domainMetadata', 'checkpointMetadata', 'sidecar']);

/** A copy of `o` without null/undefined-valued keys (one level). */
export function withoutNulls(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));
}

function normaliseFile(body: Record<string, unknown>): Record<string, unknown> {
  const out = withoutNulls(body);
  const parsed = out.stats_parsed;
  delete out.stats_parsed;
  delete out.partitionValues_parsed;
  if (out.stats === undefined && parsed !== undefined && typeof parsed === 'object') out.stats = JSON.stringify(parsed);
  if (out.deletionVector && typeof out.deletionVector === 'object') out.deletionVector = withoutNulls(out.deletionVector as Record<string, unknown>);
  if (out.partitionValues === undefined && 'add' in body) out.partitionValues = {};
  return out;
}

/** The typed action of one raw object with a single action key, or undefined for unknown/empty ones. */
export function toAction(key: string, body: unknown): Action | undefined {
  if (!KNOWN.has(key) || body === null || typeof body !== 'object') return undefined;
  const raw = body as Record<string, unknown>;
  if (key === 'add' || key === 'remove') return { [key]: normaliseFile(raw) } as unknown as Action;
  if (key === 'protocol' || key === 'metaData' || key === 'txn' || key === 'domainMetadata') {
    const out = withoutNulls(raw);
    if (key === 'metaData') {
      out.configuration = out.configuration ?? {};
      out.partitionColumns = out.partitionColumns ?? [];
    }
    return { [key]: out } as unknown as Action;
  }
  return { [key]: raw } as unknown as Action;
}

/** All typed actions of one raw line object (normally exactly one). */
export function actionsOf(line: Record<string, unknown>): Action[] {
  const out: Action[] = [];
  for (const [k, v] of Object.entries(line)) {
    const a = toAction(k, v);
    if (a) out.push(a);
  }
  return out;
}
