import { WeirError } from '../../domain/weir-error.js';
import { isTrivia, isWord, type Token } from './tokenizer.js';
import { nextSig, prevSig, significant, splitArgs, tokOf, type SqlGroup, type SqlNode } from './sql-tree.js';
import { translateType } from './spark-types.js';
import { SPARK_FUNCTIONS } from './spark-functions.js';
import { SAME_IN_DUCKDB, WEIR_TABLE_FUNCTIONS } from './duckdb-functions.js';
import { GENERATORS, generatorColumns, generatorSubquery, type GeneratorCall } from './spark-generators.js';
import type { CallArg, SparkCall } from './spark-call.js';
import { closestName } from './closest-name.js';
import type { StatementEmitter } from './statement-emitter.js';

/** Words that are followed by `(` without being function calls. */
const NOT_CALLS = new Set([
  'IN', 'VALUES', 'AS', 'OVER', 'FILTER', 'USING', 'ON', 'AND', 'OR', 'NOT', 'WHERE', 'SELECT', 'FROM', 'JOIN',
  'WHEN', 'THEN', 'ELSE', 'CASE', 'BY', 'HAVING', 'UNION', 'INTERSECT', 'EXCEPT', 'ALL', 'DISTINCT', 'INTO',
  'TABLE', 'WITH', 'LATERAL', 'IS', 'LIKE', 'ILIKE', 'BETWEEN', 'TBLPROPERTIES', 'OPTIONS', 'EXPECT',
  'CHECK', 'KEY', 'REFERENCES', 'ROLLUP', 'CUBE', 'SETS', 'PIVOT', 'UNPIVOT', 'FOR', 'RETURNS', 'CONSTRAINT',
  'ZORDER', 'PARTITION', 'PARTITIONED', 'CLUSTER', 'LIMIT', 'QUALIFY', 'WINDOW', 'VIEW', 'ESCAPE', 'INTERVAL',
  'INSERT', 'OVERWRITE', 'EXCLUDE', 'ORDER', 'GROUP', 'STREAM', 'UNNEST', 'COMMENT', 'LOCATION', 'RETURN',
]);
/** Words after which a following `name(` is a call (otherwise a word before `name(` makes it a type or column list). */
const CALL_PRECEDERS = new Set([
  'SELECT', 'DISTINCT', 'ALL', 'WHERE', 'AND', 'OR', 'NOT', 'WHEN', 'THEN', 'ELSE', 'BY', 'ON', 'HAVING',
  'QUALIFY', 'RETURN', 'IN', 'LIKE', 'ILIKE', 'IS', 'BETWEEN', 'CASE', 'FROM', 'JOIN', 'LATERAL', 'LIMIT', 'OFFSET', 'SET', 'USING', 'DIV', 'ESCAPE', 'RLIKE', 'REGEXP', 'EXISTS', 'ANY', 'SOME',
]);
/** Calls whose arguments use keyword syntax (EXTRACT(x FROM y), TRIM(BOTH …), POSITION(a IN b)). */
const KEYWORD_FORMS = new Set(['extract', 'trim', 'position', 'substring', 'substr']);
const INTEGRAL = new Set(['INTEGER', 'BIGINT', 'SMALLINT', 'TINYINT']);
const JOIN_WORDS = new Set(['LEFT', 'RIGHT', 'INNER', 'FULL', 'CROSS', 'NATURAL', 'ANTI', 'SEMI', 'OUTER']);
const SUBQUERY_STARTS = ['SELECT', 'WITH', 'FROM', 'VALUES'];

type Emitted = { text: string; next: number };

/** Recognises function calls in the token tree and translates them through SPARK_FUNCTIONS. */
export class CallEmitter {
  constructor(private readonly emitter: StatementEmitter) {}

  /** Translates `name(…)` at nodes[i] (group at nodes[k]) when it is a call; undefined when it is not. */
  tryCall(nodes: SqlNode[], i: number, k: number, tablePos: boolean): Emitted | undefined {
    const nameTok = (nodes[i] as { tok: Token }).tok;
    const group = nodes[k] as SqlGroup;
    if (NOT_CALLS.has(nameTok.value.toUpperCase())) return undefined;
    if (isWord(tokOf(significant(group.items)[0]), ...SUBQUERY_STARTS)) return undefined;
    const p = prevSig(nodes, i);
    const prev = tokOf(nodes[p]);
    if (nodes[p]?.type === 'group' || prev?.kind === 'qident' || prev?.kind === 'string' || prev?.kind === 'number') return undefined;
    if (prev?.text === '::') return undefined;
    if (prev?.kind === 'word' && !CALL_PRECEDERS.has(prev.value.toUpperCase())) return undefined;
    const afterGroup = nextSig(nodes, k + 1);
    const cteColumns = isWord(tokOf(nodes[afterGroup]), 'AS') && nodes[nextSig(nodes, afterGroup + 1)]?.type === 'group';
    if (cteColumns && !GENERATORS.has(nameTok.value.toLowerCase())) return undefined;
    if (prev?.text === '.') return { text: `${nameTok.text}(${this.emitter.emit(group.items)})`, next: k + 1 };
    return this.call(nodes, nameTok, k, tablePos);
  }

  private call(nodes: SqlNode[], nameTok: Token, k: number, tablePos: boolean): Emitted {
    const group = nodes[k] as SqlGroup;
    const name = nameTok.value.toLowerCase();
    const passthrough = (): Emitted => ({ text: `${nameTok.text}(${this.emitter.emit(group.items)})`, next: k + 1 });
    if (name === 'cast' || name === 'try_cast') return { text: this.cast(nameTok, group), next: k + 1 };
    if (KEYWORD_FORMS.has(name) && this.hasKeywordArgs(group)) {
      return { text: `${nameTok.text}(${this.emitter.emit(group.items, true)})`, next: k + 1 };
    }
    const args = splitArgs(group.items).map((a) => this.arg(a));
    if (GENERATORS.has(name)) return this.generator(nodes, nameTok, args, k, tablePos);
    // Spark's range() table names its column id; DuckDB's names it range.
    if (tablePos && name === 'range') return { text: `(SELECT range AS id FROM ${passthrough().text})`, next: k + 1 };
    const rewrite = SPARK_FUNCTIONS[name];
    if (rewrite) {
      const call: SparkCall = { name, args, tok: nameTok, where: this.emitter.where(nameTok), windowed: this.windowed(nodes, k) };
      return { text: rewrite(call), next: k + 1 };
    }
    if (SAME_IN_DUCKDB.has(name) || WEIR_TABLE_FUNCTIONS.has(name) || this.emitter.opts.allowFunctions?.has(name)) {
      return passthrough();
    }
    throw this.unsupported(nameTok);
  }

  private unsupported(nameTok: Token): WeirError {
    const known = [...Object.keys(SPARK_FUNCTIONS), ...SAME_IN_DUCKDB, ...WEIR_TABLE_FUNCTIONS, ...GENERATORS];
    const near = closestName(nameTok.value.toLowerCase(), known);
    const hint = near ? `did you mean ${near}()? ` : '';
    return new WeirError(
      'SQL.UNSUPPORTED_FUNCTION',
      `the Spark function ${nameTok.value}() at ${this.emitter.where(nameTok)} is not supported by weir's Spark SQL layer; ${hint}rewrite it with a supported function (docs/sql.md lists them) or a DuckDB equivalent`,
      { params: { function: nameTok.value, line: nameTok.line, column: nameTok.col } },
    );
  }

  private arg(nodes: SqlNode[]): CallArg {
    const sig = significant(nodes);
    const only = sig.length === 1 ? tokOf(sig[0]) : undefined;
    return {
      text: this.emitter.emit(nodes).trim(),
      literal: only?.kind === 'string' ? only.value : undefined,
      word: only?.kind === 'word' ? only.value : undefined,
    };
  }

  private windowed(nodes: SqlNode[], k: number): boolean {
    return isWord(tokOf(nodes[nextSig(nodes, k + 1)]), 'OVER');
  }

  private hasKeywordArgs(group: SqlGroup): boolean {
    return group.items.some((n) => isWord(tokOf(n), 'FROM', 'IN', 'BOTH', 'LEADING', 'TRAILING', 'FOR', 'PLACING'));
  }

  /**
   * `CAST(x AS type)`: the expression is translated, the Spark type mapped to DuckDB's. Casts to integral types
   * truncate toward zero as Spark does (DuckDB rounds) through the spark_to_* macros.
   */
  private cast(nameTok: Token, group: SqlGroup): string {
    const name = nameTok.value.toLowerCase();
    const items = group.items;
    let as = -1;
    items.forEach((n, idx) => {
      if (isWord(tokOf(n), 'AS')) as = idx;
    });
    if (as < 0) return `${nameTok.text}(${this.emitter.emit(items)})`;
    const expr = this.emitter.emit(items.slice(0, as)).trim();
    const type = translateType(items.slice(as + 1), this.emitter.opts.origin);
    if (INTEGRAL.has(type)) return `spark_to_${type.toLowerCase()}(${expr})`;
    if (type === 'VARCHAR' && name === 'cast') return `spark_string(${expr})`;
    return `${nameTok.text}(${expr} AS ${type})`;
  }

  /** explode/posexplode in a select list (with `AS name` or `AS (a, b)`) or as a table in FROM. */
  private generator(nodes: SqlNode[], tok: Token, args: CallArg[], k: number, tablePos: boolean): Emitted {
    if (args.length !== 1) {
      throw new WeirError('SQL.SYNTAX', `${tok.value}() at ${this.emitter.where(tok)} takes 1 argument but got ${args.length}; pass one array`, {
        params: { line: tok.line, column: tok.col },
      });
    }
    const g: GeneratorCall = { name: tok.value.toLowerCase(), arg: args[0].text, tok, aliases: [] };
    const origin = this.emitter.opts.origin;
    if (tablePos) return { text: generatorSubquery(g, origin), next: k + 1 };
    const as = nextSig(nodes, k + 1);
    const target = nextSig(nodes, as + 1);
    if (isWord(tokOf(nodes[as]), 'AS')) {
      const t = nodes[target];
      if (t?.type === 'group') g.aliases = splitArgs(t.items).map((a) => this.emitter.emit(a).trim());
      else if (t) g.aliases = [this.emitter.emit([t])];
      return { text: generatorColumns(g, origin), next: target + 1 };
    }
    const alias = tokOf(nodes[as]);
    if (alias && (alias.kind === 'qident' || (alias.kind === 'word' && !NOT_CALLS.has(alias.value.toUpperCase()) && !isWord(alias, 'FROM')))) {
      g.aliases = [this.emitter.emit([nodes[as]])];
      return { text: generatorColumns(g, origin), next: as + 1 };
    }
    return { text: generatorColumns(g, origin), next: k + 1 };
  }

  /** `LATERAL VIEW [OUTER] gen(x) tbl [AS] c1[, c2]` → `CROSS JOIN LATERAL (SELECT unnest(x) AS c1) tbl`. */
  lateralView(nodes: SqlNode[], i: number, viewAt: number): Emitted {
    let j = nextSig(nodes, viewAt + 1);
    const outer = isWord(tokOf(nodes[j]), 'OUTER');
    if (outer) j = nextSig(nodes, j + 1);
    const fn = tokOf(nodes[j]);
    const gi = nextSig(nodes, j + 1);
    const group = nodes[gi];
    const lname = fn?.value.toLowerCase() ?? '';
    if (!fn || group?.type !== 'group' || !GENERATORS.has(lname.replace(/_outer$/, '') + (outer ? '_outer' : ''))) {
      const at = fn ?? (nodes[i] as { tok: Token }).tok;
      throw new WeirError('SQL.UNSUPPORTED_SYNTAX', `LATERAL VIEW at ${this.emitter.where(at)} supports explode and posexplode only; rewrite with those or with unnest`, {
        params: { line: at.line, column: at.col },
      });
    }
    const args = splitArgs(group.items).map((a) => this.arg(a));
    const name = outer && !lname.endsWith('_outer') ? `${lname}_outer` : lname;
    let next = gi + 1;
    let m = nextSig(nodes, next);
    const tableAlias = this.aliasAt(nodes, m);
    if (tableAlias !== undefined) next = m + 1;
    m = nextSig(nodes, next);
    if (isWord(tokOf(nodes[m]), 'AS')) m = nextSig(nodes, m + 1);
    const aliases: string[] = [];
    for (let a = this.aliasAt(nodes, m); a !== undefined; a = this.aliasAt(nodes, m)) {
      aliases.push(a);
      next = m + 1;
      const comma = nextSig(nodes, m + 1);
      if (tokOf(nodes[comma])?.text !== ',') break;
      m = nextSig(nodes, comma + 1);
    }
    const g: GeneratorCall = { name, arg: args[0]?.text ?? '', tok: fn, aliases };
    const sub = generatorSubquery(g, this.emitter.opts.origin);
    return { text: `CROSS JOIN LATERAL ${sub}${tableAlias ? ` ${tableAlias}` : ''}`, next };
  }

  private aliasAt(nodes: SqlNode[], m: number): string | undefined {
    const t = tokOf(nodes[m]);
    if (!t || (t.kind !== 'word' && t.kind !== 'qident')) return undefined;
    if (t.kind === 'word' && (NOT_CALLS.has(t.value.toUpperCase()) || JOIN_WORDS.has(t.value.toUpperCase()))) return undefined;
    return this.emitter.emit([nodes[m]]);
  }
}
