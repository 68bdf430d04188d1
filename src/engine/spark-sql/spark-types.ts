import { WeirError } from '../../domain/weir-error.js';
import { formatPosition, isTrivia, type SqlOrigin, type Token } from './tokenizer.js';
import { type SqlNode } from './sql-tree.js';

/** Spark scalar type names → DuckDB. Spark TIMESTAMP is zone-aware (TIMESTAMPTZ); TIMESTAMP_NTZ is not. */
const SCALAR_TYPES: Record<string, string> = {
  STRING: 'VARCHAR',
  VARCHAR: 'VARCHAR',
  CHAR: 'VARCHAR',
  LONG: 'BIGINT',
  BIGINT: 'BIGINT',
  INT: 'INTEGER',
  INTEGER: 'INTEGER',
  SHORT: 'SMALLINT',
  SMALLINT: 'SMALLINT',
  BYTE: 'TINYINT',
  TINYINT: 'TINYINT',
  FLOAT: 'FLOAT',
  REAL: 'FLOAT',
  DOUBLE: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  BINARY: 'BLOB',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMPTZ',
  TIMESTAMP_LTZ: 'TIMESTAMPTZ',
  TIMESTAMP_NTZ: 'TIMESTAMP',
  INTERVAL: 'INTERVAL',
  VOID: 'NULL',
};

/** Flattens nodes back into their tokens (groups included), without trivia; `>>` is split in two. */
export function flattenTokens(nodes: SqlNode[]): Token[] {
  const out: Token[] = [];
  const visit = (n: SqlNode): void => {
    if (n.type === 'group') {
      out.push(n.open);
      n.items.forEach(visit);
      out.push(n.close);
    } else if (!isTrivia(n.tok)) {
      if (n.tok.text === '>>') {
        out.push({ ...n.tok, text: '>', value: '>' }, { ...n.tok, text: '>', value: '>', col: n.tok.col + 1 });
      } else out.push(n.tok);
    }
  };
  nodes.forEach(visit);
  return out;
}

/** Translates a Spark type written as `nodes` (e.g. STRING, DECIMAL(10,2), ARRAY<STRUCT<a: INT>>) to DuckDB. */
export function translateType(nodes: SqlNode[], origin?: SqlOrigin): string {
  const toks = flattenTokens(nodes);
  if (toks.length === 0) throw new WeirError('SQL.SYNTAX', 'a type name is missing after AS or ::');
  const p = new TypeParser(toks, origin);
  const t = p.type();
  if (!p.done()) throw p.error('unexpected text after the type');
  return t;
}

/** Recursive-descent parser for Spark type syntax. */
class TypeParser {
  private i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly origin?: SqlOrigin,
  ) {}

  done(): boolean {
    return this.i >= this.toks.length;
  }

  error(what: string): WeirError {
    const t = this.toks[Math.min(this.i, this.toks.length - 1)];
    return new WeirError('SQL.SYNTAX', `${what} in the type at ${formatPosition(t, this.origin)}; write a Spark type such as STRING, DECIMAL(10,2) or ARRAY<INT>`, {
      params: { line: t.line, column: t.col },
    });
  }

  private peek(): Token | undefined {
    return this.toks[this.i];
  }

  private expect(text: string): void {
    if (this.peek()?.text !== text) throw this.error(`expected "${text}"`);
    this.i++;
  }

  type(): string {
    const t = this.peek();
    if (!t || (t.kind !== 'word' && t.kind !== 'qident')) throw this.error('expected a type name');
    this.i++;
    const name = t.value.toUpperCase();
    if (name === 'ARRAY' && this.peek()?.text === '<') return this.arrayType();
    if (name === 'MAP' && this.peek()?.text === '<') return this.mapType();
    if (name === 'STRUCT' && this.peek()?.text === '<') return this.structType();
    const args = this.peek()?.text === '(' ? this.parenArgs() : undefined;
    if (name === 'DECIMAL' || name === 'DEC' || name === 'NUMERIC') return `DECIMAL(${args ?? '10, 0'})`;
    return SCALAR_TYPES[name] ?? (args === undefined ? t.text : `${t.text}(${args})`);
  }

  private parenArgs(): string {
    this.expect('(');
    const parts: string[] = [];
    while (this.peek() && this.peek()!.text !== ')') parts.push(this.toks[this.i++].text);
    this.expect(')');
    return parts.join(' ').replace(/ , /g, ', ');
  }

  private arrayType(): string {
    this.expect('<');
    const inner = this.type();
    this.expect('>');
    return `${inner}[]`;
  }

  private mapType(): string {
    this.expect('<');
    const k = this.type();
    this.expect(',');
    const v = this.type();
    this.expect('>');
    return `MAP(${k}, ${v})`;
  }

  private structType(): string {
    this.expect('<');
    const fields: string[] = [];
    while (this.peek()?.text !== '>') {
      const f = this.peek();
      if (!f || (f.kind !== 'word' && f.kind !== 'qident')) throw this.error('expected a field name');
      this.i++;
      if (this.peek()?.text === ':') this.i++;
      const ft = this.type();
      this.skipFieldOptions();
      fields.push(`"${f.value.replace(/"/g, '""')}" ${ft}`);
      if (this.peek()?.text === ',') this.i++;
      else if (this.peek()?.text !== '>') throw this.error('expected "," or ">"');
    }
    this.expect('>');
    return `STRUCT(${fields.join(', ')})`;
  }

  /** NOT NULL and COMMENT '…' inside STRUCT<…> have no DuckDB counterpart; they are dropped. */
  private skipFieldOptions(): void {
    for (;;) {
      const w = this.peek()?.value.toUpperCase();
      if (w === 'NOT' && this.toks[this.i + 1]?.value.toUpperCase() === 'NULL') this.i += 2;
      else if (w === 'COMMENT' && this.toks[this.i + 1]?.kind === 'string') this.i += 2;
      else return;
    }
  }
}

/** How many nodes from `start` form a type after `::` (a name, then `(…)` or `<…>`). */
export function typeExtent(nodes: SqlNode[], start: number): number {
  let i = start;
  const first = nodes[i];
  if (!first || first.type !== 'tok' || (first.tok.kind !== 'word' && first.tok.kind !== 'qident')) return 0;
  i++;
  let j = i;
  while (j < nodes.length && nodes[j].type === 'tok' && isTrivia((nodes[j] as { tok: Token }).tok)) j++;
  const nxt = nodes[j];
  if (nxt?.type === 'group' && nxt.open.text === '(') return j + 1 - start;
  if (nxt?.type === 'tok' && nxt.tok.text === '<') {
    let depth = 0;
    for (let k = j; k < nodes.length; k++) {
      const n = nodes[k];
      if (n.type !== 'tok') continue;
      if (n.tok.text === '<') depth++;
      if (n.tok.text === '>') depth--;
      if (n.tok.text === '>>') depth -= 2;
      if (depth <= 0) return k + 1 - start;
    }
  }
  return i - start;
}
