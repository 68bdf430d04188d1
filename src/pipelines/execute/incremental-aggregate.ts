import { tokenizeSql, type SqlToken } from '../parse/sql-tokenizer.js';

/** How an output column of an aggregate view is combined when new rows are merged into the stored result. */
export interface AggregateColumn {
  name: string;
  /** key: a GROUP BY column; sum/min/max: the combine of stored and new partial aggregates (count combines by sum). */
  combine: 'key' | 'sum' | 'min' | 'max';
}

/** A materialized view that can be refreshed incrementally over an append-only input: its columns and how. */
export interface IncrementalAggregate {
  columns: AggregateColumn[];
}

const CLAUSES_REFUSED = new Set(['HAVING', 'ORDER', 'LIMIT', 'DISTINCT', 'UNION', 'INTERSECT', 'EXCEPT', 'JOIN', 'OVER', 'QUALIFY', 'WINDOW', 'SELECT', 'LATERAL', 'PIVOT', 'UNPIVOT']);
const COMBINE: Record<string, AggregateColumn['combine']> = { count: 'sum', sum: 'sum', min: 'min', max: 'max' };

/**
 * Recognises `SELECT k1, k2, count(*) AS n, sum(x) AS s, min(y), max(z) FROM one_input [WHERE …] GROUP BY k1, k2`:
 * every output is a GROUP BY key or a bare count/sum/min/max (no DISTINCT, no wrapper such as round()), with a single
 * input and no HAVING, ORDER BY, LIMIT, joins, set operations, windows or subqueries. Such a view equals the
 * combination of its stored rows and the same query over only the new input rows (sum of counts and sums, min of
 * mins, max of maxes), so it can be refreshed from the appended rows alone. Anything else returns undefined and
 * is recomputed in full.
 */
export function planIncrementalAggregate(queryText: string): IncrementalAggregate | undefined {
  let tokens: SqlToken[];
  try {
    tokens = tokenizeSql(queryText, 'query');
  } catch {
    return undefined;
  }
  if (!tokens.length || tokens[0].text.toUpperCase() !== 'SELECT') return undefined;
  const upper = (t: SqlToken) => (t.kind === 'word' ? t.text.toUpperCase() : t.text);
  const top = topLevel(tokens);
  if (top.slice(1).some((t) => CLAUSES_REFUSED.has(upper(t)))) return undefined;
  if (tokens.slice(1).some((t) => upper(t) === 'SELECT' || upper(t) === 'DISTINCT')) return undefined;
  const from = top.findIndex((t) => upper(t) === 'FROM');
  const group = top.findIndex((t, i) => upper(t) === 'GROUP' && upper(top[i + 1] ?? t) === 'BY');
  if (from < 0 || group < 0) return undefined;
  if (top.slice(from + 1, group).some((t) => t.text === ',')) return undefined;
  const selectItems = splitItems(queryText, tokens, tokens[0].end, top[from].start);
  const groupItems = splitItems(queryText, tokens, top[group + 1].end, queryText.length).map((g) => norm(g.expr));
  const columns: AggregateColumn[] = [];
  for (const item of selectItems) {
    const expr = norm(item.expr);
    const agg = /^(count|sum|min|max)\s*\(([^()]*)\)$/i.exec(item.expr.trim());
    if (agg && !/^\s*distinct\b/i.test(agg[2])) {
      if (!item.alias) return undefined;
      columns.push({ name: item.alias, combine: COMBINE[agg[1].toLowerCase()] });
    } else if (groupItems.includes(expr) || (item.alias && groupItems.includes(norm(item.alias)))) {
      const name = item.alias ?? /^[`"]?([\w]+)[`"]?$/.exec(item.expr.trim())?.[1];
      if (!name) return undefined;
      columns.push({ name, combine: 'key' });
    } else return undefined;
  }
  return columns.some((c) => c.combine === 'key') || columns.length ? { columns } : undefined;
}

/** Tokens at parenthesis depth 0. */
function topLevel(tokens: SqlToken[]): SqlToken[] {
  let depth = 0;
  const out: SqlToken[] = [];
  for (const t of tokens) {
    if (t.text === '(') depth++;
    if (depth === 0) out.push(t);
    if (t.text === ')') depth--;
  }
  return out;
}

/** The comma-separated items between two offsets (at depth 0), each with its `AS alias` (or trailing alias). */
function splitItems(text: string, tokens: SqlToken[], from: number, to: number): { expr: string; alias?: string }[] {
  const inside = tokens.filter((t) => t.start >= from && t.end <= to);
  const items: SqlToken[][] = [[]];
  let depth = 0;
  for (const t of inside) {
    if (t.text === '(') depth++;
    if (t.text === ')') depth--;
    if (depth === 0 && t.text === ',') items.push([]);
    else items[items.length - 1].push(t);
  }
  return items
    .filter((ts) => ts.length)
    .map((ts) => {
      const n = ts.length;
      const hasAs = n >= 3 && ts[n - 2].kind === 'word' && ts[n - 2].text.toUpperCase() === 'AS';
      const bareAlias = !hasAs && n >= 2 && (ts[n - 1].kind === 'word' || ts[n - 1].kind === 'quoted') && ts[n - 2].text === ')';
      const exprTokens = hasAs ? ts.slice(0, n - 2) : bareAlias ? ts.slice(0, n - 1) : ts;
      const alias = hasAs || bareAlias ? ts[n - 1].value : undefined;
      return { expr: text.slice(exprTokens[0].start, exprTokens[exprTokens.length - 1].end), alias };
    });
}

const norm = (s: string) => s.replace(/[`"\s]/g, '').toLowerCase();
