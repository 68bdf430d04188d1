import type { Origin } from '../../domain/pipeline-definition.js';
import { WeirError } from '../../domain/weir-error.js';
import type { SqlToken } from './sql-tokenizer.js';

/** A position-tracking reader over the tokens of one statement, raising PIPELINE.SYNTAX with file:line:column. */
export class TokenCursor {
  pos = 0;

  constructor(
    readonly tokens: SqlToken[],
    readonly text: string,
    readonly file: string,
    /** Offset just past the statement (its `;` or the end of file), for "end of statement" positions. */
    readonly endOffset: number,
    readonly endPosition: { line: number; column: number },
  ) {}

  /** The token `k` ahead of the current one, or undefined past the end. */
  peek(k = 0): SqlToken | undefined {
    return this.tokens[this.pos + k];
  }

  /** True when every token has been read. */
  atEnd(): boolean {
    return this.pos >= this.tokens.length;
  }

  /** Reads one token; raises when there is none. */
  next(expected = 'more input'): SqlToken {
    const t = this.tokens[this.pos];
    if (!t) throw this.error(expected);
    this.pos++;
    return t;
  }

  /** True when the token `k` ahead is the (case-insensitive) keyword `word`. */
  isWord(word: string, k = 0): boolean {
    const t = this.peek(k);
    return t !== undefined && t.kind === 'word' && t.text.toUpperCase() === word;
  }

  /** True when the upcoming tokens are exactly these keywords. */
  isWords(...words: string[]): boolean {
    return words.every((w, k) => this.isWord(w, k));
  }

  /** Reads the keyword when it comes next. */
  acceptWord(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.pos++;
    return true;
  }

  /** Reads the keyword sequence when it comes next (all or nothing). */
  acceptWords(...words: string[]): boolean {
    if (!this.isWords(...words)) return false;
    this.pos += words.length;
    return true;
  }

  /** Reads the keyword or raises, with an optional hint. */
  expectWord(word: string, hint?: string): SqlToken {
    if (!this.isWord(word)) throw this.error(word, hint);
    return this.next();
  }

  /** Reads the keyword sequence or raises at the first keyword that does not match. */
  expectWords(...words: string[]): void {
    for (const w of words) this.expectWord(w);
  }

  /** True when the token `k` ahead is the punctuation `p`. */
  isPunct(p: string, k = 0): boolean {
    const t = this.peek(k);
    return t !== undefined && t.kind === 'punct' && t.text === p;
  }

  /** Reads the punctuation when it comes next. */
  acceptPunct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.pos++;
    return true;
  }

  /** Reads the punctuation or raises. */
  expectPunct(p: string, hint?: string): SqlToken {
    if (!this.isPunct(p)) throw this.error(`"${p}"`, hint);
    return this.next();
  }

  /** Reads a string literal or raises. */
  expectString(what: string): string {
    const t = this.peek();
    if (!t || t.kind !== 'string') throw this.error(`${what} (a quoted string)`);
    this.pos++;
    return t.value;
  }

  /** Reads one identifier part: a word, a backtick identifier or a `${key}` placeholder. */
  expectIdentifier(what: string, hint?: string): string {
    const t = this.peek();
    if (!t || (t.kind !== 'word' && t.kind !== 'quoted' && t.kind !== 'param')) throw this.error(what, hint);
    this.pos++;
    return t.kind === 'param' ? t.text : t.value;
  }

  /** Reads a dotted name (`a`, `a.b`, `` `c`.s.t ``) and returns its parts. */
  expectName(what: string, hint?: string): string[] {
    const parts = [this.expectIdentifier(what, hint)];
    while (this.isPunct('.')) {
      this.pos++;
      parts.push(this.expectIdentifier(`${what} (a name part after ".")`));
    }
    return parts;
  }

  /** Reads a balanced `( … )` group and returns the index of its last token (the closing parenthesis). */
  skipParens(): number {
    const open = this.pos;
    this.expectPunct('(');
    let depth = 1;
    while (depth > 0) {
      const t = this.next(`")" to close the "(" at ${this.where(this.tokens[open])}`);
      if (t.kind === 'punct' && t.text === '(') depth++;
      if (t.kind === 'punct' && t.text === ')') depth--;
    }
    return this.pos - 1;
  }

  /** Source text from token index `from` through token index `to` (inclusive). */
  textOf(from: number, to: number): string {
    if (to < from) return '';
    return this.text.slice(this.tokens[from].start, this.tokens[to].end);
  }

  /** The origin of a token (or of the current token). */
  originOf(t: SqlToken | undefined = this.peek()): Origin {
    if (!t) return { file: this.file, ...this.endPosition };
    return { file: this.file, line: t.line, column: t.column };
  }

  /** `file:line:column` of a token (or of the end of the statement). */
  where(t: SqlToken | undefined = this.peek()): string {
    const o = this.originOf(t);
    return `${o.file}:${o.line}:${o.column}`;
  }

  /** A PIPELINE.SYNTAX error at the current token: what was expected, what was found, and how to fix it. */
  error(expected: string, hint?: string, at: SqlToken | undefined = this.peek()): WeirError {
    const found = at ? `"${at.text}"` : 'the end of the statement';
    const o = this.originOf(at);
    const msg = `${o.file}:${o.line}:${o.column}: expected ${expected}, found ${found}${hint ? `; ${hint}` : ''}`;
    return new WeirError('PIPELINE.SYNTAX', msg, {
      params: { file: o.file, line: o.line, column: o.column, expected, found },
    });
  }
}
