import { WeirError } from '../../domain/weir-error.js';
import { formatPosition, type SqlOrigin, type Token } from './tokenizer.js';

/** Spark generator functions (one input row → many rows) that weir translates to DuckDB unnest. */
export const GENERATORS: ReadonlySet<string> = new Set(['explode', 'explode_outer', 'posexplode', 'posexplode_outer']);

/** A generator call: its name, its translated argument and the column names it produces. */
export interface GeneratorCall {
  name: string;
  arg: string;
  tok: Token;
  aliases: string[];
}

/**
 * The DuckDB select-list items for a generator: explode(a) → `unnest(a) AS col`; posexplode(a) → pos and col;
 * explode of a map with two aliases → key and value. `outer` variants keep one NULL row for NULL/empty input.
 */
export function generatorColumns(g: GeneratorCall, origin?: SqlOrigin): string {
  const outer = g.name.endsWith('_outer');
  const list = outer ? `spark_outer_list(${g.arg})` : g.arg;
  const positional = g.name.startsWith('pos');
  const [a, b] = g.aliases;
  if (positional) {
    expectAliases(g, 2, origin);
    return `unnest(generate_series(0, len(${list}) - 1)) AS ${a ?? 'pos'}, unnest(${list}) AS ${b ?? 'col'}`;
  }
  if (g.aliases.length === 2) {
    return `unnest(map_keys(${g.arg})) AS ${a}, unnest(map_values(${g.arg})) AS ${b}`;
  }
  expectAliases(g, 1, origin);
  return `unnest(${list}) AS ${a ?? 'col'}`;
}

function expectAliases(g: GeneratorCall, max: number, origin?: SqlOrigin): void {
  if (g.aliases.length <= max) return;
  throw new WeirError(
    'SQL.SYNTAX',
    `${g.name}() at ${formatPosition(g.tok, origin)} produces ${max} column(s) but ${g.aliases.length} names were given; give at most ${max}`,
    { params: { line: g.tok.line, column: g.tok.col } },
  );
}

/** A generator used as a table (FROM explode(…), LATERAL VIEW explode(…)) as a DuckDB subquery. */
export function generatorSubquery(g: GeneratorCall, origin?: SqlOrigin): string {
  return `(SELECT ${generatorColumns(g, origin)})`;
}
