import type { EventQuery } from '../store/ports/pipeline-store.js';
import { invalidParameter } from './errors.js';

type Conditions = Omit<EventQuery, 'ascending' | 'offset' | 'limit'>;

const COMPARISON = /^\s*(level|event_type|update_id|id|timestamp)\s*(<=|>=|<|>|=|\bin\b)\s*(.+?)\s*$/i;

/**
 * Parses the Pipelines API event filter grammar: `level='INFO'`, `level in ('INFO','WARN')`, `event_type in (…)`,
 * `update_id = '…'`, `id='…'`, `timestamp > '2021-07-22T06:37:33.083Z'` (<, <=, >, >=, =), joined with AND.
 */
export function parseEventFilter(filter: string | undefined): Conditions {
  const out: Conditions = {};
  if (!filter || !filter.trim()) return out;
  for (const part of splitAnd(filter)) {
    const m = COMPARISON.exec(part);
    if (!m) throw invalidParameter(`filter: cannot read "${part.trim()}"; use field op value with field one of level, event_type, update_id, id, timestamp, e.g. level in ('WARN','ERROR') AND timestamp > '2026-01-01T00:00:00Z'`);
    const field = m[1].toLowerCase();
    const op = m[2].toLowerCase();
    const values = op === 'in' ? listOf(m[3], part) : [stringOf(m[3], part)];
    if (field === 'timestamp') {
      if (op === 'in') throw invalidParameter(`filter: timestamp takes <, <=, >, >= or =, not IN`);
      const ms = Date.parse(values[0]);
      if (!Number.isFinite(ms)) throw invalidParameter(`filter: '${values[0]}' is not an ISO-8601 timestamp`);
      (out.timestamp ??= []).push({ op: op as '<', value: ms });
    } else if (op !== '=' && op !== 'in') {
      throw invalidParameter(`filter: ${field} takes = or IN, not ${op}`);
    } else if (field === 'level') out.levels = values.map((v) => v.toUpperCase());
    else if (field === 'event_type') out.eventTypes = values;
    else if (field === 'update_id') out.updateId = values[0];
    else out.id = values[0];
  }
  return out;
}

function splitAnd(filter: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i];
    if (c === "'") quote = !quote;
    else if (!quote && c === '(') depth++;
    else if (!quote && c === ')') depth--;
    else if (!quote && depth === 0 && /^\sand\s/i.test(filter.slice(i, i + 5))) {
      parts.push(filter.slice(start, i));
      start = i + 5;
      i += 4;
    }
  }
  parts.push(filter.slice(start));
  return parts;
}

function stringOf(v: string, part: string): string {
  const m = /^'((?:[^']|'')*)'$/.exec(v.trim());
  if (!m) throw invalidParameter(`filter: in "${part.trim()}", the value must be a quoted string like 'INFO'`);
  return m[1].replace(/''/g, "'");
}

function listOf(v: string, part: string): string[] {
  const m = /^\((.*)\)$/.exec(v.trim());
  if (!m) throw invalidParameter(`filter: in "${part.trim()}", IN takes a list like ('INFO', 'WARN')`);
  return m[1].split(',').map((x) => stringOf(x, part));
}
