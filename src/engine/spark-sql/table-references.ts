import { WeirError } from '../../domain/weir-error.js';
import { formatPosition, isWord, type SqlOrigin, type Token } from './tokenizer.js';
import { nextSig, tokOf, type SqlNode } from './sql-tree.js';
import { sqlString } from './spark-call.js';

/** A time-travel clause on a table reference (`VERSION AS OF 3`, `TIMESTAMP AS OF '…'`, `@v3`). */
export interface TimeTravel {
  version?: number;
  timestamp?: string;
}

/**
 * Resolves a table name (as written, one entry per dotted part; `delta.\`/path\`` gives ['delta', '/path']) to
 * DuckDB SQL that reads it, or undefined to leave the name as written.
 */
export type ResolveTable = (nameParts: string[], timeTravel?: TimeTravel) => string | undefined;

const PATH_READERS: Record<string, (path: string) => string> = {
  parquet: (p) => `read_parquet(${sqlString(directoryGlob(p, 'parquet'))})`,
  json: (p) => `read_json_auto(${sqlString(directoryGlob(p, 'json'))})`,
  csv: (p) => `read_csv_auto(${sqlString(directoryGlob(p, 'csv'))})`,
};

/** Spark reads every data file of a directory; DuckDB needs a glob (files starting with _ or . are skipped by it). */
function directoryGlob(path: string, ext: string): string {
  if (/[*?[]/.test(path)) return path;
  const last = path.replace(/\/+$/, '').split('/').pop() ?? '';
  if (path.endsWith('/') || !last.includes('.')) return `${path.replace(/\/+$/, '')}/**/*.${ext}`;
  return path;
}

/** A table reference found after FROM/JOIN: its parts, the index after it, and any time travel. */
interface NameChain {
  parts: Token[];
  end: number;
}

function readChain(nodes: SqlNode[], i: number): NameChain {
  const parts: Token[] = [];
  let j = i;
  for (;;) {
    const t = tokOf(nodes[j]);
    if (!t || (t.kind !== 'word' && t.kind !== 'qident')) break;
    parts.push(t);
    const dot = nextSig(nodes, j + 1);
    const after = nextSig(nodes, dot + 1);
    const afterTok = tokOf(nodes[after]);
    if (tokOf(nodes[dot])?.text !== '.' || !afterTok || (afterTok.kind !== 'word' && afterTok.kind !== 'qident')) {
      return { parts, end: j + 1 };
    }
    j = after;
  }
  return { parts, end: j };
}

/** Quotes a name part for DuckDB (backticked names become double-quoted). */
export function emitIdentifier(t: Token): string {
  return t.kind === 'qident' ? `"${t.value.replace(/"/g, '""')}"` : t.text;
}

function timeTravelError(tok: Token, origin: SqlOrigin | undefined, what: string): WeirError {
  return new WeirError('SQL.UNSUPPORTED_SYNTAX', `${what} at ${formatPosition(tok, origin)}`, {
    params: { line: tok.line, column: tok.col },
  });
}

/** `@v3` or `@20240101000000000` (yyyyMMddHHmmssSSS) right after a name. */
function atSyntax(nodes: SqlNode[], k: number, origin?: SqlOrigin): { tt: TimeTravel; end: number } | undefined {
  const at = tokOf(nodes[k]);
  if (at?.text !== '@') return undefined;
  const v = tokOf(nodes[k + 1]);
  if (v?.kind === 'word' && /^v\d+$/i.test(v.text)) return { tt: { version: Number(v.text.slice(1)) }, end: k + 2 };
  const m = v?.kind === 'number' ? /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d{3})$/.exec(v.text) : null;
  if (m) return { tt: { timestamp: `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}.${m[7]}` }, end: k + 2 };
  throw timeTravelError(at, origin, 'expected @v<version> or @yyyyMMddHHmmssSSS after the table name');
}

/** `[FOR] VERSION|SYSTEM_VERSION AS OF n` and `[FOR] TIMESTAMP|SYSTEM_TIME AS OF '…'`. */
function asOfSyntax(nodes: SqlNode[], k: number, origin?: SqlOrigin): { tt: TimeTravel; end: number } | undefined {
  let i = k;
  if (isWord(tokOf(nodes[i]), 'FOR')) i = nextSig(nodes, i + 1);
  const kind = tokOf(nodes[i]);
  if (!isWord(kind, 'VERSION', 'SYSTEM_VERSION', 'TIMESTAMP', 'SYSTEM_TIME')) return undefined;
  const as = nextSig(nodes, i + 1);
  const of = nextSig(nodes, as + 1);
  if (!isWord(tokOf(nodes[as]), 'AS') || !isWord(tokOf(nodes[of]), 'OF')) return undefined;
  const vi = nextSig(nodes, of + 1);
  const v = tokOf(nodes[vi]);
  const byVersion = isWord(kind, 'VERSION', 'SYSTEM_VERSION');
  if (byVersion && v?.kind === 'number' && /^\d+$/.test(v.text)) return { tt: { version: Number(v.text) }, end: vi + 1 };
  if (!byVersion && v?.kind === 'string') return { tt: { timestamp: v.value }, end: vi + 1 };
  throw timeTravelError(kind!, origin, byVersion ? 'VERSION AS OF needs a whole number' : "TIMESTAMP AS OF needs a string literal such as '2024-01-01 00:00:00'");
}

/** Translates the table reference starting at `nodes[i]`; returns the SQL and the index after it. */
export function emitTableReference(
  nodes: SqlNode[],
  i: number,
  resolve: ResolveTable | undefined,
  origin?: SqlOrigin,
): { text: string; next: number } {
  const chain = readChain(nodes, i);
  const k = nextSig(nodes, chain.end);
  const travel = atSyntax(nodes, chain.end, origin) ?? asOfSyntax(nodes, k, origin);
  const next = travel?.end ?? chain.end;
  const names = chain.parts.map((p) => p.value);
  const first = chain.parts[0];
  const resolved = resolve?.(names, travel?.tt);
  if (resolved !== undefined) return { text: resolved, next };
  const reader = names.length === 2 && chain.parts[1].kind === 'qident' ? PATH_READERS[names[0].toLowerCase()] : undefined;
  if (reader && !travel) return { text: reader(names[1]), next };
  if (names.length === 2 && chain.parts[1].kind === 'qident' && names[0].toLowerCase() === 'delta') {
    throw timeTravelError(first, origin, `delta.\`${names[1]}\` cannot be read here: no Delta table resolver is configured; run it through the weir SQL warehouse`);
  }
  if (travel) {
    throw timeTravelError(first, origin, `time travel on ${names.join('.')} needs a Delta table known to the catalog; create the table first or drop VERSION/TIMESTAMP AS OF`);
  }
  return { text: chain.parts.map(emitIdentifier).join('.'), next };
}
