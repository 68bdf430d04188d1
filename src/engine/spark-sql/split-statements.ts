import { isTrivia, tokenize, type SqlOrigin, type Token } from './tokenizer.js';

/** One statement of a script with where it starts in the user's SQL. */
export interface SqlStatementText {
  /** The statement's text without the terminating `;`, trimmed. */
  sql: string;
  /** 1-based line and column of its first meaningful token (shifted by the origin's line). */
  line: number;
  column: number;
  /** Character offset in the original script. */
  offset: number;
}

/** Groups tokens into statements at `;` outside strings, identifiers and comments; empty statements are dropped. */
export function splitTokens(tokens: Token[]): Token[][] {
  const out: Token[][] = [];
  let cur: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'op' && t.text === ';') {
      if (cur.some((x) => !isTrivia(x))) out.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.some((x) => !isTrivia(x))) out.push(cur);
  return out;
}

/** Splits a Spark SQL script into statements on `;` outside strings, quoted identifiers and comments. */
export function splitStatements(sql: string, origin?: SqlOrigin): SqlStatementText[] {
  return splitTokens(tokenize(sql, origin)).map((toks) => {
    const first = toks.find((t) => !isTrivia(t))!;
    let last = toks.length - 1;
    while (isTrivia(toks[last])) last--;
    const end = toks[last].offset + toks[last].text.length;
    return {
      sql: sql.slice(first.offset, end),
      line: first.line + (origin?.line ?? 1) - 1,
      column: first.col,
      offset: first.offset,
    };
  });
}
