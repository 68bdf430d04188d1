import type { AutoCdcFlow, Origin } from '../../domain/pipeline-definition.js';
import { readQuery } from './query-references.js';
import type { StatementContext } from './statement-context.js';
import type { TokenCursor } from './token-cursor.js';

const CLAUSE_WORDS = new Set(['KEYS', 'IGNORE', 'APPLY', 'SEQUENCE', 'COLUMNS', 'STORED', 'TRACK']);

/** What identifies the flow being read: its name (when from CREATE FLOW), target, ONCE and origin. */
export interface CdcHeader {
  name?: string[];
  target: string[];
  once: boolean;
  origin: Origin;
}

/**
 * Reads the CDC spec after `… INTO target`: `FROM source KEYS (…) [IGNORE NULL UPDATES] [APPLY AS DELETE WHEN e]
 * [APPLY AS TRUNCATE WHEN e] SEQUENCE BY e [COLUMNS list | * EXCEPT (…)] [STORED AS SCD TYPE 1|2]
 * [TRACK HISTORY ON list | * EXCEPT (…)]`. Clauses after KEYS are accepted in any order.
 */
export function readCdcSpec(cur: TokenCursor, head: CdcHeader, ctx: StatementContext): AutoCdcFlow {
  cur.expectWord('FROM', 'write … INTO target FROM STREAM(source) KEYS (key) SEQUENCE BY column');
  const srcStart = cur.pos;
  while (!cur.atEnd() && !cur.isWord('KEYS')) {
    if (cur.isPunct('(')) cur.skipParens();
    else cur.next();
  }
  if (cur.pos === srcStart) throw cur.error('a source after FROM', 'write FROM STREAM(source)');
  const source = readQuery(cur, srcStart, cur.pos - 1, true);
  cur.expectWord('KEYS', 'AUTO CDC needs KEYS (key columns)');
  const flow: AutoCdcFlow = {
    type: 'auto_cdc',
    name: head.name ?? [head.target[head.target.length - 1]],
    target: head.target,
    source,
    keys: readNameList(cur, 'KEYS'),
    sequenceBy: '',
    ignoreNullUpdates: false,
    storedAsScdType: 1,
    once: head.once,
    sparkConf: { ...ctx.sparkConf },
    namespace: { ...ctx.namespace },
    origin: head.origin,
  };
  while (!cur.atEnd()) readCdcClause(cur, flow);
  if (flow.sequenceBy === '') throw cur.error('SEQUENCE BY', 'AUTO CDC needs SEQUENCE BY column to order changes');
  return flow;
}

function readCdcClause(cur: TokenCursor, flow: AutoCdcFlow): void {
  if (cur.acceptWords('IGNORE', 'NULL', 'UPDATES')) {
    if (cur.isWord('ON')) throw cur.error('the next AUTO CDC clause', 'IGNORE NULL UPDATES ON (columns) is not supported; use IGNORE NULL UPDATES');
    flow.ignoreNullUpdates = true;
  } else if (cur.acceptWords('APPLY', 'AS', 'DELETE', 'WHEN')) flow.applyAsDeletes = readExpression(cur, 'APPLY AS DELETE WHEN');
  else if (cur.acceptWords('APPLY', 'AS', 'TRUNCATE', 'WHEN')) flow.applyAsTruncates = readExpression(cur, 'APPLY AS TRUNCATE WHEN');
  else if (cur.acceptWords('SEQUENCE', 'BY')) flow.sequenceBy = readExpression(cur, 'SEQUENCE BY');
  else if (cur.acceptWord('COLUMNS')) {
    const sel = readSelection(cur, 'COLUMNS');
    if (sel.except) flow.exceptColumnList = sel.except;
    else flow.columnList = sel.include;
  } else if (cur.acceptWords('STORED', 'AS')) {
    if (cur.isWord('BITEMPORAL')) throw cur.error('SCD TYPE 1 or SCD TYPE 2', 'BITEMPORAL history is not supported; use STORED AS SCD TYPE 2');
    cur.expectWord('SCD', 'write STORED AS SCD TYPE 1 or STORED AS SCD TYPE 2');
    cur.expectWord('TYPE', 'write STORED AS SCD TYPE 1 or STORED AS SCD TYPE 2');
    const n = cur.peek();
    if (!n || (n.text !== '1' && n.text !== '2')) throw cur.error('1 or 2 after SCD TYPE');
    cur.next();
    flow.storedAsScdType = n.text === '1' ? 1 : 2;
  } else if (cur.acceptWords('TRACK', 'HISTORY', 'ON')) {
    const sel = readSelection(cur, 'TRACK HISTORY ON');
    if (sel.except) flow.trackHistoryExceptColumnList = sel.except;
    else flow.trackHistoryColumnList = sel.include;
  } else {
    throw cur.error('an AUTO CDC clause (IGNORE NULL UPDATES, APPLY AS DELETE WHEN, APPLY AS TRUNCATE WHEN, SEQUENCE BY, COLUMNS, STORED AS, TRACK HISTORY ON)');
  }
}

/** Reads `* EXCEPT (a, b)`, `(a, b)` or `a, b`. */
function readSelection(cur: TokenCursor, clause: string): { include?: string[]; except?: string[] } {
  if (cur.acceptPunct('*')) {
    cur.expectWord('EXCEPT', `write ${clause} * EXCEPT (col, …)`);
    return { except: readNameList(cur, `${clause} * EXCEPT`) };
  }
  if (cur.isPunct('(')) return { include: readNameList(cur, clause) };
  const cols: string[] = [];
  do cols.push(cur.expectName(`a column name after ${clause}`).join('.'));
  while (cur.acceptPunct(','));
  return { include: cols };
}

/** Reads `( a, b.c, … )` into names. */
function readNameList(cur: TokenCursor, clause: string): string[] {
  cur.expectPunct('(', `write ${clause} (col1, col2)`);
  const cols: string[] = [];
  do cols.push(cur.expectName(`a column name in ${clause}`).join('.'));
  while (cur.acceptPunct(','));
  cur.expectPunct(')', `close ${clause} ( with ")"`);
  return cols;
}

/** Reads an expression up to the next AUTO CDC clause keyword at parenthesis depth 0. */
function readExpression(cur: TokenCursor, clause: string): string {
  const start = cur.pos;
  while (!cur.atEnd()) {
    const t = cur.peek()!;
    if (t.kind === 'word' && CLAUSE_WORDS.has(t.text.toUpperCase())) break;
    if (cur.isPunct('(')) cur.skipParens();
    else cur.next();
  }
  if (cur.pos === start) throw cur.error(`an expression after ${clause}`);
  return cur.textOf(start, cur.pos - 1);
}
