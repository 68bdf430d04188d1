import { WeirError } from '../../domain/weir-error.js';

/** The kinds of Spark SQL tokens the translator distinguishes. */
export type TokenKind =
  | 'word' // bare identifier or keyword
  | 'qident' // `backtick identifier` (value is the unescaped name)
  | 'string' // '…' or "…" (value is the unescaped text)
  | 'number'
  | 'op'
  | 'ws'
  | 'comment'
  | 'placeholder' // ${key} (value is the key)
  | 'param'; // :name or ? parameter markers

/** One token with its position in the user's SQL (1-based line and column). */
export interface Token {
  kind: TokenKind;
  /** The exact source text. */
  text: string;
  /** Decoded value: string content, identifier name, placeholder key; else the text. */
  value: string;
  offset: number;
  line: number;
  col: number;
}

/** Where a piece of SQL came from, for error messages (`file:line`). */
export interface SqlOrigin {
  file?: string;
  line?: number;
}

const OPERATORS = ['<=>', '::', '<=', '>=', '<>', '!=', '==', '||', '->', '=>', '&&', '<<', '>>'];
const SPARK_ESCAPES: Record<string, string> = { '0': '\u0000', b: '\b', n: '\n', r: '\r', t: '\t', Z: '\u001a' };

/** Formats a token position as `file:line:col` (or `line L, column C`), shifted by the origin. */
export function formatPosition(tok: { line: number; col: number }, origin?: SqlOrigin): string {
  const line = tok.line + (origin?.line ?? 1) - 1;
  return origin?.file ? `${origin.file}:${line}:${tok.col}` : `line ${line}, column ${tok.col}`;
}

/** Splits Spark SQL into tokens; whitespace and comments are kept so the text can be re-emitted. */
export function tokenize(sql: string, origin?: SqlOrigin): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  while (i < sql.length) {
    const start = i;
    const startLine = line;
    const col = i - lineStart + 1;
    const { kind, end, value } = scan(sql, i, { line, col }, origin);
    const text = sql.slice(start, end);
    for (let k = start; k < end; k++) {
      if (sql[k] === '\n') {
        line++;
        lineStart = k + 1;
      }
    }
    tokens.push({ kind, text, value: value ?? text, offset: start, line: startLine, col });
    i = end;
  }
  return tokens;
}

interface Scanned {
  kind: TokenKind;
  end: number;
  value?: string;
}

function scan(sql: string, i: number, pos: { line: number; col: number }, origin?: SqlOrigin): Scanned {
  const c = sql[i];
  const next = sql[i + 1] ?? '';
  if (/\s/.test(c)) {
    let e = i;
    while (e < sql.length && /\s/.test(sql[e])) e++;
    return { kind: 'ws', end: e };
  }
  if (c === '-' && next === '-') {
    const nl = sql.indexOf('\n', i);
    return { kind: 'comment', end: nl === -1 ? sql.length : nl };
  }
  if (c === '/' && next === '*') return { kind: 'comment', end: blockCommentEnd(sql, i, pos, origin) };
  if (c === "'" || c === '"') return scanString(sql, i, c, false, pos, origin);
  if ((c === 'r' || c === 'R') && (next === "'" || next === '"')) return scanString(sql, i + 1, next, true, pos, origin);
  if (c === '`') return scanBacktick(sql, i, pos, origin);
  if (c === '$' && next === '{') {
    const close = sql.indexOf('}', i);
    if (close === -1) throw syntax(`the placeholder \${ is never closed with }`, pos, origin);
    return { kind: 'placeholder', end: close + 1, value: sql.slice(i + 2, close).trim() };
  }
  if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(next))) return { kind: 'number', end: numberEnd(sql, i) };
  if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
    let e = i;
    while (e < sql.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[e])) e++;
    return { kind: 'word', end: e };
  }
  // `:name` is a parameter; `col:field` (Databricks JSON path) and `::` are not.
  if (c === ':' && /[A-Za-z_]/.test(next) && !/[\w:`\])]/.test(sql[i - 1] ?? '')) {
    let e = i + 1;
    while (e < sql.length && /[A-Za-z0-9_]/.test(sql[e])) e++;
    return { kind: 'param', end: e };
  }
  if (c === '?') return { kind: 'param', end: i + 1 };
  const op = OPERATORS.find((o) => sql.startsWith(o, i));
  return { kind: 'op', end: i + (op?.length ?? 1) };
}

function blockCommentEnd(sql: string, i: number, pos: { line: number; col: number }, origin?: SqlOrigin): number {
  // Spark allows nested bracketed comments.
  let depth = 0;
  let e = i;
  while (e < sql.length) {
    if (sql.startsWith('/*', e)) {
      depth++;
      e += 2;
    } else if (sql.startsWith('*/', e)) {
      depth--;
      e += 2;
      if (depth === 0) return e;
    } else e++;
  }
  throw syntax('a /* comment is never closed with */', pos, origin);
}

function numberEnd(sql: string, i: number): number {
  const m = /^(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?:BD|[LSYDF])?/i.exec(sql.slice(i, i + 400));
  return i + (m ? m[0].length : 1);
}

function scanString(
  sql: string,
  i: number,
  quote: string,
  raw: boolean,
  pos: { line: number; col: number },
  origin?: SqlOrigin,
): Scanned {
  let value = '';
  let e = i + 1;
  while (e < sql.length) {
    const ch = sql[e];
    if (ch === '\\' && !raw) {
      const [decoded, len] = decodeEscape(sql, e);
      value += decoded;
      e += len;
    } else if (ch === '\\' && raw) {
      value += ch + (sql[e + 1] ?? '');
      e += 2;
    } else if (ch === quote && sql[e + 1] === quote) {
      value += quote;
      e += 2;
    } else if (ch === quote) {
      return { kind: 'string', end: e + 1, value };
    } else {
      value += ch;
      e++;
    }
  }
  throw syntax(`the string starting with ${quote} is never closed; add the closing ${quote}`, pos, origin);
}

/** Decodes one Spark backslash escape at `sql[e]`; returns the text and the number of characters consumed. */
function decodeEscape(sql: string, e: number): [string, number] {
  const n = sql[e + 1] ?? '';
  if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(sql.slice(e + 2, e + 6))) {
    return [String.fromCharCode(parseInt(sql.slice(e + 2, e + 6), 16)), 6];
  }
  if (/^[0-3][0-7][0-7]$/.test(sql.slice(e + 1, e + 4))) return [String.fromCharCode(parseInt(sql.slice(e + 1, e + 4), 8)), 4];
  if (n in SPARK_ESCAPES) return [SPARK_ESCAPES[n], 2];
  // Spark keeps the backslash before % and _ so LIKE patterns still see an escaped wildcard.
  if (n === '%' || n === '_') return ['\\' + n, 2];
  return [n, 2];
}

function scanBacktick(sql: string, i: number, pos: { line: number; col: number }, origin?: SqlOrigin): Scanned {
  let value = '';
  let e = i + 1;
  while (e < sql.length) {
    if (sql[e] === '`' && sql[e + 1] === '`') {
      value += '`';
      e += 2;
    } else if (sql[e] === '`') {
      return { kind: 'qident', end: e + 1, value };
    } else value += sql[e++];
  }
  throw syntax('the identifier starting with ` is never closed; add the closing `', pos, origin);
}

function syntax(what: string, pos: { line: number; col: number }, origin?: SqlOrigin): WeirError {
  return new WeirError('SQL.SYNTAX', `${what} (at ${formatPosition(pos, origin)})`, {
    params: { line: pos.line, column: pos.col },
  });
}

/** True for tokens that carry no meaning (whitespace, comments). */
export function isTrivia(t: Token): boolean {
  return t.kind === 'ws' || t.kind === 'comment';
}

/** True when `t` is the bare word `word` (case-insensitive). */
export function isWord(t: Token | undefined, ...words: string[]): boolean {
  return t !== undefined && t.kind === 'word' && words.includes(t.value.toUpperCase());
}
