import type { ColumnSpec, Expectation } from '../../domain/pipeline-definition.js';
import type { TokenCursor } from './token-cursor.js';

/** What a parenthesised table spec declares: columns, expectations and informational table constraints. */
export interface TableSpec {
  columns: ColumnSpec[];
  expectations: Expectation[];
  tableConstraints: string[];
}

const COLUMN_CLAUSE_START = new Set(['NOT', 'GENERATED', 'DEFAULT', 'COMMENT', 'PRIMARY', 'FOREIGN', 'MASK', 'CONSTRAINT']);

/**
 * Reads `( col type [NOT NULL] [GENERATED ALWAYS AS (e)] [COMMENT 'c'] …, CONSTRAINT n EXPECT (e) [ON VIOLATION …], … )`.
 * Columns and constraints may be mixed in any order; a constraints-only list is legal.
 */
export function readTableSpec(cur: TokenCursor): TableSpec {
  const spec: TableSpec = { columns: [], expectations: [], tableConstraints: [] };
  cur.expectPunct('(');
  do {
    if (cur.isWord('CONSTRAINT')) readConstraint(cur, spec);
    else if (cur.isWord('PRIMARY') || cur.isWord('FOREIGN')) spec.tableConstraints.push(readUntilItemEnd(cur));
    else spec.columns.push(readColumn(cur, spec));
  } while (cur.acceptPunct(','));
  cur.expectPunct(')', 'separate columns and constraints with "," and close the list with ")"');
  return spec;
}

/** Reads `CONSTRAINT name EXPECT (expr) [ON VIOLATION DROP ROW | FAIL UPDATE]` or a named PK/FK constraint. */
function readConstraint(cur: TokenCursor, spec: TableSpec): void {
  const start = cur.pos;
  cur.expectWord('CONSTRAINT');
  const name = cur.expectIdentifier('a constraint name');
  if (cur.isWord('PRIMARY') || cur.isWord('FOREIGN') || cur.isWord('CHECK')) {
    readUntilItemEnd(cur);
    spec.tableConstraints.push(cur.textOf(start, cur.pos - 1));
    return;
  }
  spec.expectations.push(readExpectBody(cur, name));
}

/** Reads `EXPECT (expr) [ON VIOLATION DROP ROW | FAIL UPDATE]` for a constraint already named. */
export function readExpectBody(cur: TokenCursor, name: string): Expectation {
  cur.expectWord('EXPECT', `write CONSTRAINT ${name} EXPECT (condition) [ON VIOLATION DROP ROW | FAIL UPDATE]`);
  const open = cur.pos;
  if (!cur.isPunct('(')) throw cur.error('"(" around the expectation condition', `write EXPECT (condition)`);
  const close = cur.skipParens();
  const expression = cur.textOf(open + 1, close - 1).trim();
  if (expression === '') throw cur.error('a condition inside EXPECT ( )', undefined, cur.tokens[close]);
  let action: Expectation['action'] = 'warn';
  if (cur.acceptWord('ON')) {
    cur.expectWord('VIOLATION', 'write ON VIOLATION DROP ROW or ON VIOLATION FAIL UPDATE');
    if (cur.acceptWords('DROP', 'ROW')) action = 'drop';
    else if (cur.acceptWords('FAIL', 'UPDATE')) action = 'fail';
    else throw cur.error('DROP ROW or FAIL UPDATE after ON VIOLATION');
  }
  return { name, expression, action };
}

function readColumn(cur: TokenCursor, spec: TableSpec): ColumnSpec {
  const name = cur.expectIdentifier('a column name or CONSTRAINT');
  const type = readType(cur);
  const col: ColumnSpec = { name, notNull: false, ...(type ? { type } : {}) };
  for (;;) {
    if (cur.acceptWords('NOT', 'NULL')) col.notNull = true;
    else if (cur.isWord('GENERATED')) readGenerated(cur, col);
    else if (cur.acceptWord('DEFAULT')) col.default = readExpressionUntil(cur, new Set(['COMMENT', 'NOT', 'CONSTRAINT', 'MASK']));
    else if (cur.acceptWord('COMMENT')) col.comment = cur.expectString('the column comment');
    else if (cur.isWord('PRIMARY') || cur.isWord('FOREIGN')) spec.tableConstraints.push(`${name} ${readUntilItemEnd(cur)}`);
    else if (cur.isWord('CONSTRAINT')) readConstraint(cur, spec);
    else if (cur.isWord('MASK')) throw cur.error('"," or ")"', 'column masks are Unity Catalog governance, which weir does not have; remove MASK');
    else break;
  }
  if (!cur.isPunct(',') && !cur.isPunct(')')) {
    throw cur.error('"," or ")" after the column definition', `column "${name}" is written as: name type [NOT NULL] [GENERATED ALWAYS AS (expr)] [COMMENT 'text']`);
  }
  return col;
}

function readGenerated(cur: TokenCursor, col: ColumnSpec): void {
  cur.expectWord('GENERATED');
  if (!cur.acceptWord('ALWAYS') && !cur.acceptWords('BY', 'DEFAULT')) throw cur.error('ALWAYS or BY DEFAULT after GENERATED');
  cur.expectWord('AS', 'write GENERATED ALWAYS AS (expression)');
  if (cur.isWord('IDENTITY')) {
    const start = cur.pos;
    cur.next();
    if (cur.isPunct('(')) cur.skipParens();
    col.generatedAs = cur.textOf(start, cur.pos - 1);
    return;
  }
  const open = cur.pos;
  if (!cur.isPunct('(')) throw cur.error('"(" around the generation expression', 'write GENERATED ALWAYS AS (expression)');
  const close = cur.skipParens();
  col.generatedAs = cur.textOf(open + 1, close - 1).trim();
}

/** Reads a type like `STRING`, `DECIMAL(10, 2)` or `ARRAY<STRUCT<a: INT, b: STRING>>`; undefined when absent. */
function readType(cur: TokenCursor): string | undefined {
  const start = cur.pos;
  let angle = 0;
  for (;;) {
    const t = cur.peek();
    if (!t) break;
    if (angle === 0 && t.kind === 'punct' && (t.text === ',' || t.text === ')')) break;
    if (angle === 0 && t.kind === 'word' && COLUMN_CLAUSE_START.has(t.text.toUpperCase())) break;
    if (t.kind === 'punct' && t.text === '(') {
      cur.skipParens();
      continue;
    }
    if (t.kind === 'punct' && t.text === '<') angle++;
    if (t.kind === 'punct' && t.text === '>') angle--;
    cur.next();
  }
  return cur.pos > start ? cur.textOf(start, cur.pos - 1) : undefined;
}

function readExpressionUntil(cur: TokenCursor, stops: Set<string>): string {
  const start = cur.pos;
  while (!cur.atEnd() && !cur.isPunct(',') && !cur.isPunct(')')) {
    const t = cur.peek()!;
    if (t.kind === 'word' && stops.has(t.text.toUpperCase())) break;
    if (cur.isPunct('(')) cur.skipParens();
    else cur.next();
  }
  if (cur.pos === start) throw cur.error('an expression');
  return cur.textOf(start, cur.pos - 1);
}

/** Reads tokens (balanced) up to the next "," or ")" of the list and returns their text. */
function readUntilItemEnd(cur: TokenCursor): string {
  const start = cur.pos;
  while (!cur.atEnd() && !cur.isPunct(',') && !cur.isPunct(')')) {
    if (cur.isPunct('(')) cur.skipParens();
    else cur.next();
  }
  return cur.textOf(start, cur.pos - 1);
}
