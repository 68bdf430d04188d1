import { tokenize, isTrivia, type SqlOrigin, type Token } from './tokenizer.js';
import { splitTokens } from './split-statements.js';
import { expandPlaceholders } from './spark-placeholders.js';
import { parseSetStatement } from './spark-settings.js';
import { buildTree } from './sql-tree.js';
import { StatementEmitter } from './statement-emitter.js';
import { cteNames } from './cte-names.js';
import type { ResolveTable } from './table-references.js';

export type { ResolveTable, TimeTravel } from './table-references.js';
export { splitStatements } from './split-statements.js';
export { installSparkMacros } from './spark-macros.js';

/** Options of a translation. */
export interface TranslateOptions {
  /** Values for `${key}` placeholders (pipeline configuration, job parameters). SET statements add to them. */
  configuration?: Record<string, string>;
  /** Maps table names after FROM/JOIN (and `delta.\`/path\``) to DuckDB SQL; see ResolveTable. */
  resolveTable?: ResolveTable;
  /** Where the SQL came from, so errors say file:line:column. */
  origin?: SqlOrigin;
  /** Extra function names (user-defined DuckDB macros or UDFs) to pass through unchecked. */
  allowFunctions?: Iterable<string>;
}

/** One translated statement and where it started in the user's SQL. */
export interface TranslatedStatement {
  sql: string;
  line: number;
  column: number;
}

/** The result of a translation. */
export interface TranslateResult {
  /** All statements as one DuckDB script (each ending in `;`). */
  sql: string;
  /** Configuration set by the script's SET statements (key → value). */
  settings: Record<string, string>;
  /** The statements one by one, for running them separately or reporting positions. */
  statements: TranslatedStatement[];
}

/** Translates Spark SQL (Databricks dialect) to DuckDB SQL; throws a WeirError with the user's line:column. */
export function translateSparkSql(sql: string, opts: TranslateOptions = {}): TranslateResult {
  const origin = opts.origin;
  const config: Record<string, string> = { ...(opts.configuration ?? {}) };
  const settings: Record<string, string> = {};
  const statements: TranslatedStatement[] = [];
  const allow = new Set([...(opts.allowFunctions ?? [])].map((f) => f.toLowerCase()));
  for (const raw of splitTokens(tokenize(sql, origin))) {
    const first = raw.find((t) => !isTrivia(t))!;
    const at = { line: first.line + (origin?.line ?? 1) - 1, column: first.col };
    const tokens = expandPlaceholders(raw, config, origin);
    const set = parseSetStatement(tokens);
    if (set) {
      if (set.key !== undefined && set.value !== undefined) {
        settings[set.key] = set.value;
        config[set.key] = set.value;
      }
      if (set.duckdb) statements.push({ sql: set.duckdb, ...at });
      continue;
    }
    const tree = buildTree(trimTrivia(tokens), origin);
    const emitter = new StatementEmitter({ origin, resolveTable: withoutCtes(opts.resolveTable, cteNames(tree)), allowFunctions: allow });
    statements.push({ sql: emitter.emit(tree), ...at });
  }
  return { sql: statements.map((s) => `${s.sql};`).join('\n'), settings, statements };
}

/** CTE names shadow catalog tables, so they never reach the resolver. */
function withoutCtes(resolve: ResolveTable | undefined, ctes: Set<string>): ResolveTable | undefined {
  if (!resolve || ctes.size === 0) return resolve;
  return (parts, tt) => (parts.length === 1 && !tt && ctes.has(parts[0].toLowerCase()) ? undefined : resolve(parts, tt));
}

function trimTrivia(tokens: Token[]): Token[] {
  let a = 0;
  let b = tokens.length;
  while (a < b && isTrivia(tokens[a])) a++;
  while (b > a && isTrivia(tokens[b - 1])) b--;
  return tokens.slice(a, b);
}
