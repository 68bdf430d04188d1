import { isTrivia, isWord, type Token } from './tokenizer.js';

/** What a Spark `SET …` statement means for weir. */
export interface SetStatement {
  /** The configuration entry it sets, when it has a value. */
  key?: string;
  value?: string;
  /** DuckDB SQL to run for it (only the session time zone maps to a DuckDB setting). */
  duckdb?: string;
}

const TIME_ZONE_KEY = 'spark.sql.session.timeZone';

function unquote(text: string): string {
  const m = /^(['"`])([\s\S]*)\1$/.exec(text);
  return m ? m[2] : text;
}

function timeZone(value: string): SetStatement {
  const tz = value.toUpperCase() === 'LOCAL' ? Intl.DateTimeFormat().resolvedOptions().timeZone : value;
  return { key: TIME_ZONE_KEY, value: tz, duckdb: `SET TimeZone = '${tz.replace(/'/g, "''")}'` };
}

/**
 * Interprets a Spark SET statement (`SET key = value`, `SET key`, `SET TIME ZONE '…'`, `SET -v`); returns
 * undefined when the statement is not a SET. Bare `SET key` and listing forms set nothing.
 */
export function parseSetStatement(tokens: Token[]): SetStatement | undefined {
  const sig = tokens.filter((t) => !isTrivia(t));
  if (!isWord(sig[0], 'SET')) return undefined;
  if (isWord(sig[1], 'TIME') && isWord(sig[2], 'ZONE') && sig[3]) {
    return timeZone(sig[3].kind === 'string' ? sig[3].value : sig[3].text);
  }
  const start = tokens.indexOf(sig[1] ?? sig[0]);
  const rest = tokens.slice(start);
  const eq = rest.findIndex((t) => t.kind === 'op' && t.text === '=');
  if (sig.length < 2 || eq < 0) return {};
  const text = (ts: Token[]): string => ts.map((t) => t.text).join('').trim();
  const key = unquote(text(rest.slice(0, eq)));
  const valueTokens = rest.slice(eq + 1).filter((t, i, all) => !(isTrivia(t) && (i === 0 || i === all.length - 1)));
  const single = valueTokens.filter((t) => !isTrivia(t));
  const value = single.length === 1 && single[0].kind === 'string' ? single[0].value : unquote(text(valueTokens));
  if (key === TIME_ZONE_KEY) return timeZone(value);
  return { key, value };
}
