import type { FileSource, Query, TableReference } from '../../domain/pipeline-definition.js';
import { readFileSourceCall } from './file-source-call.js';
import { TokenCursor } from './token-cursor.js';

/** Keywords that end a FROM clause's comma list at the same parenthesis depth. */
const FROM_END = new Set([
  'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'WINDOW', 'QUALIFY', 'UNION', 'INTERSECT', 'EXCEPT', 'MINUS',
  'SELECT', 'CLUSTER', 'DISTRIBUTE', 'SORT', 'LATERAL', 'PIVOT', 'UNPIVOT', 'OFFSET',
]);
/** Words that cannot start a relation name. */
const NOT_A_RELATION = new Set(['VALUES', 'SELECT', 'WITH', 'LATERAL', 'UNNEST']);
/** Formats of the legacy direct path read ``json.`/path` ``. */
const PATH_FORMATS = new Set(['json', 'csv', 'parquet', 'text', 'orc', 'avro', 'delta', 'binaryfile']);
const QUERY_STARTS = new Set(['SELECT', 'WITH', 'FROM', 'VALUES', 'TABLE']);

/**
 * Scans the tokens `[from, to]` of a statement as a Spark SQL query and records its input references:
 * relations after FROM / JOIN / a FROM-list comma, `STREAM(x)` / `STREAM x` streaming reads, `LIVE.` prefixes,
 * `read_files` / `cloud_files` calls and ``fmt.`/path` `` reads. FROM inside a function call (`EXTRACT(y FROM ts)`)
 * is not a relation; CTE names are collected and never reported as references. With `startsWithRelation` the
 * tokens are a FROM-clause relation themselves (the source of AUTO CDC).
 */
export function readQuery(cur: TokenCursor, from: number, to: number, startsWithRelation = false): Query {
  const ts = cur.tokens;
  const base = ts[from].start;
  const cteNames = collectCteNames(cur, from, to);
  const references: TableReference[] = [];
  const fileSources: FileSource[] = [];
  const isQueryLevel: boolean[] = [true];
  const inFrom: boolean[] = [false];
  let expectRelation = startsWithRelation;
  for (let i = from; i <= to; i++) {
    const t = ts[i];
    const depth = isQueryLevel.length - 1;
    const upper = t.kind === 'word' ? t.text.toUpperCase() : '';
    if (expectRelation) {
      expectRelation = false;
      const sub = new TokenCursor(ts.slice(0, to + 1), cur.text, cur.file, cur.endOffset, cur.endPosition);
      sub.pos = i;
      const found = readRelation(sub, base);
      if (found) {
        if ('function' in found) fileSources.push(found);
        else if (!(found.parts.length === 1 && cteNames.includes(found.parts[0].toLowerCase()))) references.push(found);
        i = sub.pos - 1;
        continue;
      }
    }
    if (t.kind === 'punct' && t.text === '(') {
      const nextWord = ts[i + 1]?.kind === 'word' ? ts[i + 1].text.toUpperCase() : '';
      isQueryLevel.push(QUERY_STARTS.has(nextWord));
      inFrom.push(false);
    } else if (t.kind === 'punct' && t.text === ')') {
      if (isQueryLevel.length > 1) {
        isQueryLevel.pop();
        inFrom.pop();
      }
    } else if (t.kind === 'punct' && t.text === ',' && inFrom[depth]) {
      expectRelation = true;
    } else if ((upper === 'FROM' || upper === 'JOIN') && isQueryLevel[depth]) {
      inFrom[depth] = true;
      expectRelation = true;
    } else if (FROM_END.has(upper) || (t.kind === 'punct' && t.text === '|>')) {
      inFrom[depth] = false;
    }
  }
  const first = ts[from];
  return {
    text: cur.text.slice(base, ts[to].end),
    references,
    fileSources,
    cteNames,
    origin: { file: cur.file, line: first.line, column: first.column },
  };
}

/** Reads one relation at the cursor; undefined when it is not a named relation (subquery, VALUES, table function). */
function readRelation(cur: TokenCursor, base: number): TableReference | FileSource | undefined {
  const startTok = cur.peek();
  if (!startTok) return undefined;
  if (cur.isWord('STREAM')) {
    cur.next();
    const paren = cur.acceptPunct('(');
    const inner = readNamedOrFile(cur, base, startTok.start, true);
    if (!inner) throw cur.error('a dataset name or read_files(...) after STREAM', 'write STREAM(dataset) or STREAM read_files(...)');
    if (paren) {
      const close = cur.expectPunct(')', 'STREAM(...) takes one dataset name');
      inner.end = close.end - base;
    }
    return inner;
  }
  return readNamedOrFile(cur, base, startTok.start, false);
}

function readNamedOrFile(cur: TokenCursor, base: number, start: number, streaming: boolean): TableReference | FileSource | undefined {
  const t = cur.peek();
  if (!t) return undefined;
  if (t.kind === 'word' && cur.isPunct('(', 1)) {
    const fn = t.text.toLowerCase();
    if (fn === 'read_files' || fn === 'cloud_files') return readFileSourceCall(cur, base, start, streaming);
    return undefined;
  }
  if (t.kind === 'word' && NOT_A_RELATION.has(t.text.toUpperCase())) return undefined;
  if (t.kind !== 'word' && t.kind !== 'quoted' && t.kind !== 'param') return undefined;
  const first = cur.pos;
  const parts = cur.expectName('a table name');
  const last = cur.tokens[cur.pos - 1];
  if (parts.length === 2 && PATH_FORMATS.has(parts[0].toLowerCase()) && last.kind === 'quoted') {
    const format = parts[0].toLowerCase();
    return { function: 'path', path: parts[1], format, options: {}, streaming, start: start - base, end: last.end - base };
  }
  if (cur.isPunct('(')) {
    cur.pos = first;
    return undefined;
  }
  const live = parts.length >= 2 && parts[0].toLowerCase() === 'live';
  return { parts: stripLive(parts), live, streaming, start: start - base, end: last.end - base };
}

/** Removes a leading legacy `LIVE` part from a multi-part name (`LIVE.x` → `x`). */
export function stripLive(parts: string[]): string[] {
  return parts.length >= 2 && parts[0].toLowerCase() === 'live' ? parts.slice(1) : parts;
}

/** Names of `WITH name AS (` common table expressions (also `, name AS (` continuing the WITH list). */
function collectCteNames(cur: TokenCursor, from: number, to: number): string[] {
  const names: string[] = [];
  const ts = cur.tokens;
  for (let i = from + 1; i + 2 <= to; i++) {
    const prev = ts[i - 1];
    const prevOk = (prev.kind === 'word' && /^(WITH|RECURSIVE)$/i.test(prev.text)) || (prev.kind === 'punct' && prev.text === ',');
    const isName = ts[i].kind === 'word' || ts[i].kind === 'quoted';
    if (prevOk && isName && ts[i + 1].kind === 'word' && ts[i + 1].text.toUpperCase() === 'AS' && ts[i + 2].text === '(') {
      names.push(ts[i].value.toLowerCase());
    }
  }
  return names;
}
