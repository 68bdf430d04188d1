import { formatPosition, isTrivia, isWord, type SqlOrigin, type Token } from './tokenizer.js';
import { nextSig, prevSig, significant, splitColumnDefinitions, tokOf, type SqlGroup, type SqlNode } from './sql-tree.js';
import { translateType, typeExtent } from './spark-types.js';
import { emitIdentifier, emitTableReference, type ResolveTable } from './table-references.js';
import { sqlString } from './spark-call.js';
import { javaRegex } from './java-regex.js';
import { CallEmitter } from './call-emitter.js';
import { jsonPathAt } from './json-path.js';

/** What the emitter needs besides the SQL: where it came from and how to resolve tables. */
export interface EmitOptions {
  origin?: SqlOrigin;
  resolveTable?: ResolveTable;
  /** Extra function names (user macros, UDFs) that pass through unchecked; lower case. */
  allowFunctions?: ReadonlySet<string>;
}

/** Words that end a FROM clause at the same nesting level. */
const CLAUSE_END = new Set([
  'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'WINDOW', 'QUALIFY', 'UNION', 'EXCEPT', 'INTERSECT',
  'SELECT', 'ON', 'USING', 'SET', 'VALUES', 'SORT', 'DISTRIBUTE', 'CLUSTER', 'WHEN', 'PIVOT', 'UNPIVOT',
]);
/** Clauses DISTRIBUTE BY runs until. */
const AFTER_DISTRIBUTE = new Set(['SORT', 'ORDER', 'LIMIT', 'UNION', 'EXCEPT', 'INTERSECT', 'WINDOW', 'OFFSET']);
const NUMBER_SUFFIX: Record<string, string> = { L: 'BIGINT', S: 'SMALLINT', Y: 'TINYINT', D: 'DOUBLE', F: 'FLOAT', BD: 'DECIMAL(38, 18)' };
const TYPED_LITERALS: Record<string, string> = { TIMESTAMP: 'TIMESTAMPTZ', TIMESTAMP_LTZ: 'TIMESTAMPTZ', TIMESTAMP_NTZ: 'TIMESTAMP' };

interface Scope {
  inFrom: boolean;
  expectTable: boolean;
}

/** Emits DuckDB SQL for a tree of Spark SQL nodes; one instance per statement. */
export class StatementEmitter {
  private readonly calls: CallEmitter;

  constructor(readonly opts: EmitOptions) {
    this.calls = new CallEmitter(this);
  }

  /** Where a token is, for messages. */
  where(t: Token): string {
    return formatPosition(t, this.opts.origin);
  }

  /** Emits a sequence of nodes at one nesting level. */
  emit(nodes: SqlNode[], exprOnly = false): string {
    const scope: Scope = { inFrom: false, expectTable: false };
    let out = '';
    let i = 0;
    while (i < nodes.length) {
      const r = this.emitAt(nodes, i, scope, exprOnly);
      out += r.text;
      i = r.next;
    }
    return out;
  }

  private emitAt(nodes: SqlNode[], i: number, scope: Scope, exprOnly: boolean): { text: string; next: number } {
    const n = nodes[i];
    if (n.type === 'group') {
      scope.expectTable = false;
      return { text: this.emitGroup(nodes, i), next: i + 1 };
    }
    const t = n.tok;
    if (isTrivia(t)) return { text: t.text, next: i + 1 };
    const tablePos = scope.expectTable && !exprOnly;
    scope.expectTable = false;
    if (tablePos) {
      const table = this.tableAt(nodes, i);
      if (table) return table;
    }
    const json = jsonPathAt(nodes, i, (g) => this.emit(g));
    if (json) return json;
    if (t.kind === 'word') return this.emitWord(nodes, i, scope, exprOnly, tablePos);
    if (t.kind === 'op') return this.emitOp(nodes, i, scope);
    return { text: this.emitLeaf(t), next: i + 1 };
  }

  private emitLeaf(t: Token): string {
    if (t.kind === 'string') return sqlString(t.value);
    if (t.kind === 'qident') return emitIdentifier(t);
    if (t.kind === 'number') {
      const m = /^(.*?)(BD|[LSYDF])$/i.exec(t.text);
      if (m && !/^0x/i.test(t.text)) return `CAST(${m[1]} AS ${NUMBER_SUFFIX[m[2].toUpperCase()]})`;
    }
    return t.text;
  }

  /** A table reference, STREAM(t) or a generator in table position; undefined for subqueries and calls. */
  private tableAt(nodes: SqlNode[], i: number): { text: string; next: number } | undefined {
    const t = tokOf(nodes[i]);
    if (!t || (t.kind !== 'word' && t.kind !== 'qident')) return undefined;
    const k = nextSig(nodes, i + 1);
    const after = nodes[k];
    if (t.kind === 'word' && isWord(t, 'STREAM')) {
      if (after?.type === 'group') {
        const inner = significant(after.items);
        return { text: emitTableReference(inner, 0, this.opts.resolveTable, this.opts.origin).text, next: k + 1 };
      }
      if (tokOf(after)?.kind === 'word' || tokOf(after)?.kind === 'qident') {
        return emitTableReference(nodes, k, this.opts.resolveTable, this.opts.origin);
      }
    }
    if (t.kind === 'word' && (isWord(t, 'LATERAL', 'VALUES', 'UNNEST', 'TABLE') || after?.type === 'group')) return undefined;
    return emitTableReference(nodes, i, this.opts.resolveTable, this.opts.origin);
  }

  private emitWord(nodes: SqlNode[], i: number, scope: Scope, exprOnly: boolean, tablePos: boolean): { text: string; next: number } {
    const t = (nodes[i] as { tok: Token }).tok;
    const upper = t.value.toUpperCase();
    const k = nextSig(nodes, i + 1);
    const after = nodes[k];
    if (after?.type === 'group' && after.open.text === '(') {
      const call = this.calls.tryCall(nodes, i, k, tablePos);
      if (call) return call;
    }
    if (CLAUSE_END.has(upper)) scope.inFrom = false;
    if (upper === 'FROM' && !exprOnly && !isWord(tokOf(nodes[prevSig(nodes, i)]), 'DISTINCT')) {
      scope.inFrom = true;
      scope.expectTable = true;
    }
    if (upper === 'JOIN' && !exprOnly) scope.expectTable = true;
    if (upper === 'LATERAL' && isWord(tokOf(after), 'VIEW')) return this.calls.lateralView(nodes, i, k);
    if (upper === 'RLIKE' || upper === 'REGEXP') return this.rlike(nodes, k);
    if (upper === 'DIV') return { text: '//', next: i + 1 };
    if (upper === 'SORT' && isWord(tokOf(after), 'BY')) return { text: 'ORDER BY', next: k + 1 };
    if (upper === 'CLUSTER' && isWord(tokOf(after), 'BY') && nodes[nextSig(nodes, k + 1)]?.type !== 'group') {
      return { text: 'ORDER BY', next: k + 1 };
    }
    if (upper === 'DISTRIBUTE' && isWord(tokOf(after), 'BY')) return { text: '', next: this.skipDistribute(nodes, k + 1) };
    if (upper in TYPED_LITERALS && tokOf(after)?.kind === 'string') {
      return { text: `${TYPED_LITERALS[upper]} ${sqlString(tokOf(after)!.value)}`, next: k + 1 };
    }
    if (upper === 'X' && tokOf(nodes[i + 1])?.kind === 'string' && tokOf(nodes[i + 1])!.text.startsWith("'")) {
      return { text: `unhex(${sqlString(tokOf(nodes[i + 1])!.value)})`, next: i + 2 };
    }
    return { text: t.text, next: i + 1 };
  }

  private emitOp(nodes: SqlNode[], i: number, scope: Scope): { text: string; next: number } {
    const t = (nodes[i] as { tok: Token }).tok;
    if (t.text === ',' && scope.inFrom) scope.expectTable = true;
    if (t.text === ';') scope.inFrom = false;
    if (t.text === '<=>') return { text: ' IS NOT DISTINCT FROM ', next: i + 1 };
    if (t.text === '::') {
      const start = nextSig(nodes, i + 1);
      const len = typeExtent(nodes, start);
      if (len > 0) return { text: `::${translateType(nodes.slice(start, start + len), this.opts.origin)}`, next: start + len };
    }
    if (t.text === '*') {
      const k = nextSig(nodes, i + 1);
      const g = nextSig(nodes, k + 1);
      if (isWord(tokOf(nodes[k]), 'EXCEPT') && nodes[g]?.type === 'group') {
        return { text: `* EXCLUDE ${this.emitGroup(nodes, g)}`, next: g + 1 };
      }
    }
    return { text: t.text, next: i + 1 };
  }

  /** `x RLIKE p` → `x SIMILAR TO '(?s:.*)(?:p)(?s:.*)'`: a partial match, as Java's find(). */
  private rlike(nodes: SqlNode[], k: number): { text: string; next: number } {
    const p = tokOf(nodes[k]);
    if (p?.kind === 'string') return { text: `SIMILAR TO ${sqlString(`(?s:.*)(?:${javaRegex(p.value)})(?s:.*)`)}`, next: k + 1 };
    const end = this.primaryEnd(nodes, k);
    const operand = this.emit(nodes.slice(k, end));
    return { text: `SIMILAR TO ('(?s:.*)(?:' || ${operand} || ')(?s:.*)')`, next: end };
  }

  /** The end of the primary expression at `k`: a dotted name, a call, a group or a single token. */
  private primaryEnd(nodes: SqlNode[], k: number): number {
    let j = k;
    for (;;) {
      const n = nodes[j];
      if (!n) return j;
      const g = nextSig(nodes, j + 1);
      if (n.type === 'tok' && n.tok.kind === 'word' && nodes[g]?.type === 'group') return g + 1;
      const dot = tokOf(nodes[g]);
      if (dot?.text === '.' && nodes[nextSig(nodes, g + 1)]) j = nextSig(nodes, g + 1);
      else return j + 1;
    }
  }

  private skipDistribute(nodes: SqlNode[], from: number): number {
    let j = from;
    while (j < nodes.length) {
      const t = tokOf(nodes[j]);
      if (t && (t.text === ';' || (t.kind === 'word' && AFTER_DISTRIBUTE.has(t.value.toUpperCase())))) return j;
      j++;
    }
    return j;
  }

  /** Emits a bracket group: subscripts become 1-based, CREATE TABLE column types are translated. */
  emitGroup(nodes: SqlNode[], i: number): string {
    const g = nodes[i] as SqlGroup;
    if (g.open.text === '[') return this.subscript(g);
    if (this.isColumnList(nodes, i)) return `(${this.columnDefinitions(g)})`;
    return `(${this.emit(g.items)})`;
  }

  /** Spark arrays are 0-based (`a[0]`), DuckDB lists 1-based; map keys given as string literals stay as they are. */
  private subscript(g: SqlGroup): string {
    const inner = significant(g.items);
    const only = tokOf(inner[0]);
    if (inner.length === 1 && only?.kind === 'string') return `[${sqlString(only.value)}]`;
    return `[(${this.emit(g.items).trim()}) + 1]`;
  }

  private isColumnList(nodes: SqlNode[], i: number): boolean {
    let p = prevSig(nodes, i);
    const name = tokOf(nodes[p]);
    if (!name || (name.kind !== 'word' && name.kind !== 'qident')) return false;
    while (tokOf(nodes[prevSig(nodes, p)])?.text === '.') p = prevSig(nodes, prevSig(nodes, p));
    return isWord(tokOf(nodes[prevSig(nodes, p)]), 'TABLE', 'EXISTS', 'VIEW');
  }

  private columnDefinitions(g: SqlGroup): string {
    return splitColumnDefinitions(g.items)
      .map((arg) => {
        const sig = arg.map((n, idx) => ({ n, idx })).filter(({ n }) => n.type === 'group' || !isTrivia(n.tok));
        const name = tokOf(sig[0]?.n);
        const typeStart = sig[1]?.idx;
        if (!name || typeStart === undefined || isWord(name, 'CONSTRAINT', 'PRIMARY', 'FOREIGN', 'CHECK', 'UNIQUE')) {
          return this.emit(arg);
        }
        const len = typeExtent(arg, typeStart);
        if (len === 0) return this.emit(arg);
        const lead = this.emit(arg.slice(0, typeStart));
        const type = translateType(arg.slice(typeStart, typeStart + len), this.opts.origin);
        return `${lead}${type}${this.emit(arg.slice(typeStart + len))}`;
      })
      .join(',');
  }
}
