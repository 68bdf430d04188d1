import { WeirError } from '../../domain/weir-error.js';
import { isTrivia, isWord, tokenize, type Token } from '../spark-sql/tokenizer.js';

/** Reads one Spark SQL statement token by token (comments and whitespace skipped) for the statement router. */
export class StatementCursor {
  private readonly toks: Token[];
  private i = 0;

  constructor(readonly sql: string) {
    this.toks = tokenize(sql).filter((t) => !isTrivia(t));
  }

  /** The token `k` ahead of the current one. */
  peek(k = 0): Token | undefined {
    return this.toks[this.i + k];
  }

  /** True when the next tokens are these words, in order. */
  atWords(...words: string[]): boolean {
    return words.every((w, k) => isWord(this.peek(k), w));
  }

  /** Consumes the words when the next tokens are exactly them. */
  accept(...words: string[]): boolean {
    if (!this.atWords(...words)) return false;
    this.i += words.length;
    return true;
  }

  /** Consumes the words or fails naming what was expected. */
  expect(...words: string[]): void {
    if (!this.accept(...words)) throw this.error(words.join(' '));
  }

  /** Consumes an operator token such as `(` or `=`. */
  acceptOp(op: string): boolean {
    if (this.peek()?.kind !== 'op' || this.peek()?.text !== op) return false;
    this.i++;
    return true;
  }

  /** Consumes an operator or fails. */
  expectOp(op: string): void {
    if (!this.acceptOp(op)) throw this.error(`'${op}'`);
  }

  /** True when every token was read. */
  done(): boolean {
    return this.i >= this.toks.length;
  }

  /** A dotted name (`a.b.c`, backticks allowed), as its parts. */
  readName(): string[] {
    const parts: string[] = [];
    for (;;) {
      const t = this.peek();
      if (!t || (t.kind !== 'word' && t.kind !== 'qident')) throw this.error('a name');
      parts.push(t.value);
      this.i++;
      if (this.peek()?.text !== '.' || !['word', 'qident'].includes(this.peek(1)?.kind ?? '')) return parts;
      this.i++;
    }
  }

  /** A string literal's value. */
  readString(): string {
    const t = this.peek();
    if (t?.kind !== 'string') throw this.error('a string literal');
    this.i++;
    return t.value;
  }

  /** A whole number. */
  readInteger(): number {
    const t = this.peek();
    if (t?.kind !== 'number' || !/^\d+$/.test(t.text)) throw this.error('a whole number');
    this.i++;
    return Number(t.text);
  }

  /** `( item, item … )`: the source text of each top-level item. */
  readParenItems(): string[] {
    this.expectOp('(');
    const items: string[] = [];
    let depth = 0;
    let start = this.i;
    for (; this.i < this.toks.length; this.i++) {
      const t = this.toks[this.i];
      if (t.kind !== 'op') continue;
      if (t.text === '(') depth++;
      else if ((t.text === ',' && depth === 0) || (t.text === ')' && depth === 0)) {
        if (this.i > start) items.push(this.textOf(start, this.i));
        start = this.i + 1;
        if (t.text === ')') {
          this.i++;
          return items;
        }
      } else if (t.text === ')') depth--;
    }
    throw this.error("')'");
  }

  /** `( … )`: the text inside the parentheses; consumed. */
  readParenText(): string {
    this.expectOp('(');
    const start = this.i;
    for (let depth = 0; this.i < this.toks.length; this.i++) {
      const t = this.toks[this.i];
      if (t.kind === 'op' && t.text === '(') depth++;
      else if (t.kind === 'op' && t.text === ')' && depth-- === 0) {
        const text = this.textOf(start, this.i);
        this.i++;
        return text;
      }
    }
    throw this.error("')'");
  }

  /** The source text from the current token up to (not including) the first top-level word of `stops`; consumed. */
  readUntil(...stops: string[]): string {
    const start = this.i;
    let depth = 0;
    for (; this.i < this.toks.length; this.i++) {
      const t = this.toks[this.i];
      if (t.kind === 'op' && t.text === '(') depth++;
      else if (t.kind === 'op' && t.text === ')') depth--;
      else if (depth === 0 && stops.some((w) => isWord(t, w))) break;
    }
    return this.textOf(start, this.i);
  }

  /** The rest of the statement's text; consumed. */
  rest(): string {
    const text = this.textOf(this.i, this.toks.length);
    this.i = this.toks.length;
    return text;
  }

  /** Fails unless every token was read. */
  end(): void {
    if (!this.done()) throw this.error('the end of the statement');
  }

  /** A syntax error at the current token. */
  error(expected: string): WeirError {
    const t = this.peek();
    const where = t ? `line ${t.line}, column ${t.col} (at '${t.text}')` : 'the end of the statement';
    return new WeirError('SQL.SYNTAX', `expected ${expected} at ${where} in: ${this.sql.slice(0, 120)}`, { params: { line: t?.line, column: t?.col } });
  }

  private textOf(from: number, to: number): string {
    if (to <= from) return '';
    const last = this.toks[to - 1];
    return this.sql.slice(this.toks[from].offset, last.offset + last.text.length);
  }
}

/** Splits text at top-level commas (outside parentheses and strings). */
export function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (const t of tokenize(text)) {
    if (t.kind !== 'op') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (t.text === ',' && depth === 0) {
      out.push(text.slice(start, t.offset).trim());
      start = t.offset + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out.filter((s) => s.length > 0);
}
