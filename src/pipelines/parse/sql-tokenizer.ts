import { WeirError } from '../../domain/weir-error.js';

/** Token kinds of Spark SQL as far as pipeline parsing needs them. */
export type SqlTokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct' | 'param';

/** One token: raw `text` as written, `value` unquoted (strings, backtick identifiers), offsets and 1-based position. */
export interface SqlToken {
  kind: SqlTokenKind;
  text: string;
  value: string;
  start: number;
  end: number;
  line: number;
  column: number;
}

const MULTI_PUNCT = ['<=>', '=>', '<=', '>=', '<>', '!=', '==', '||', '::', '->', '|>'];

/** Maps character offsets of a text to 1-based line and column. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  /** The 1-based line and column of an offset. */
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo] + 1 };
  }
}

/**
 * Splits Spark SQL text into tokens, dropping whitespace, `--` line comments and (nested) `/* *\/` comments.
 * Semicolons inside strings, backticks and comments never end a statement because they never become tokens.
 */
export function tokenizeSql(text: string, file: string): SqlToken[] {
  const lines = new LineIndex(text);
  const tokens: SqlToken[] = [];
  const fail = (at: number, what: string, hint: string): never => {
    const p = lines.position(at);
    throw new WeirError('PIPELINE.SYNTAX', `${file}:${p.line}:${p.column}: ${what}; ${hint}`, {
      params: { file, line: p.line, column: p.column },
    });
  };
  let i = 0;
  while (i < text.length) {
    const scanned = scanToken(text, i, fail);
    if (scanned.kind !== 'skip') {
      const p = lines.position(i);
      const raw = text.slice(i, scanned.end);
      tokens.push({ kind: scanned.kind, text: raw, value: scanned.value ?? raw, start: i, end: scanned.end, line: p.line, column: p.column });
    }
    i = scanned.end;
  }
  return tokens;
}

type Fail = (at: number, what: string, hint: string) => never;

/** Scans the token (or whitespace / comment, kind `skip`) starting at `i`. */
function scanToken(text: string, i: number, fail: Fail): { kind: SqlTokenKind | 'skip'; end: number; value?: string } {
  const c = text[i];
  if (/\s/.test(c)) return { kind: 'skip', end: i + 1 };
  if (c === '-' && text[i + 1] === '-') {
    const nl = text.indexOf('\n', i);
    return { kind: 'skip', end: nl < 0 ? text.length : nl };
  }
  if (c === '/' && text[i + 1] === '*') return { kind: 'skip', end: skipBlockComment(text, i, () => fail(i, 'unterminated /* comment', 'close it with */')) };
  if (c === "'" || c === '"') {
    const end = scanString(text, i, () => fail(i, `unterminated string starting with ${c}`, `close it with ${c}`));
    return { kind: 'string', end, value: unescapeString(text.slice(i + 1, end - 1), c) };
  }
  if (c === '`') {
    const end = scanBacktick(text, i, () => fail(i, 'unterminated backtick identifier', 'close it with `'));
    return { kind: 'quoted', end, value: text.slice(i + 1, end - 1).replace(/``/g, '`') };
  }
  if (c === '$' && text[i + 1] === '{') {
    const close = text.indexOf('}', i);
    if (close < 0) fail(i, 'unterminated ${ configuration reference', 'close it with }');
    return { kind: 'param', end: close + 1, value: text.slice(i + 2, close) };
  }
  if (/[A-Za-z_]/.test(c)) return { kind: 'word', end: i + /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 1024))![0].length };
  if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
    const m = /^(\d*\.?\d+(?:[eE][+-]?\d+)?|\d+\.)[A-Za-z]*/.exec(text.slice(i, i + 256));
    return { kind: 'number', end: i + (m ? m[0].length : 1) };
  }
  const op = MULTI_PUNCT.find((o) => text.startsWith(o, i));
  return { kind: 'punct', end: i + (op ? op.length : 1) };
}

function skipBlockComment(text: string, from: number, onOpen: () => never): number {
  let depth = 0;
  let i = from;
  while (i < text.length) {
    if (text[i] === '/' && text[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (text[i] === '*' && text[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return onOpen();
}

function scanString(text: string, from: number, onOpen: () => never): number {
  const q = text[from];
  let i = from + 1;
  while (i < text.length) {
    if (text[i] === '\\') i += 2;
    else if (text[i] === q && text[i + 1] === q) i += 2;
    else if (text[i] === q) return i + 1;
    else i++;
  }
  return onOpen();
}

function scanBacktick(text: string, from: number, onOpen: () => never): number {
  let i = from + 1;
  while (i < text.length) {
    if (text[i] === '`' && text[i + 1] === '`') i += 2;
    else if (text[i] === '`') return i + 1;
    else i++;
  }
  return onOpen();
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b' };

function unescapeString(body: string, quote: string): string {
  return body
    .replace(quote === "'" ? /''/g : /""/g, quote)
    .replace(/\\(.)/g, (_m, ch: string) => ESCAPES[ch] ?? ch);
}
