import { WeirError } from '../../domain/weir-error.js';
import { formatPosition, isTrivia, type SqlOrigin, type Token } from './tokenizer.js';

/** A token, or a bracketed group `( … )` / `[ … ]` holding its own nodes. */
export type SqlNode = { type: 'tok'; tok: Token } | SqlGroup;

/** A bracketed group with its opening and closing tokens. */
export interface SqlGroup {
  type: 'group';
  open: Token;
  close: Token;
  items: SqlNode[];
}

const CLOSERS: Record<string, string> = { '(': ')', '[': ']' };

/** Nests tokens into bracket groups, so function calls and their arguments can be recognised. */
export function buildTree(tokens: Token[], origin?: SqlOrigin): SqlNode[] {
  const root: SqlNode[] = [];
  const stack: { group: SqlGroup | undefined; items: SqlNode[] }[] = [{ group: undefined, items: root }];
  for (const tok of tokens) {
    const top = stack[stack.length - 1];
    if (tok.kind === 'op' && tok.text in CLOSERS) {
      const group: SqlGroup = { type: 'group', open: tok, close: tok, items: [] };
      top.items.push(group);
      stack.push({ group, items: group.items });
    } else if (tok.kind === 'op' && (tok.text === ')' || tok.text === ']')) {
      if (!top.group || CLOSERS[top.group.open.text] !== tok.text) {
        throw new WeirError('SQL.SYNTAX', `unbalanced "${tok.text}" at ${formatPosition(tok, origin)}; check the brackets before it`, {
          params: { line: tok.line, column: tok.col },
        });
      }
      top.group.close = tok;
      stack.pop();
    } else top.items.push({ type: 'tok', tok });
  }
  if (stack.length > 1) {
    const open = stack[stack.length - 1].group!.open;
    throw new WeirError('SQL.SYNTAX', `"${open.text}" at ${formatPosition(open, origin)} is never closed`, {
      params: { line: open.line, column: open.col },
    });
  }
  return root;
}

/** True when the node is whitespace or a comment. */
export function isTriviaNode(n: SqlNode | undefined): boolean {
  return n !== undefined && n.type === 'tok' && isTrivia(n.tok);
}

/** The index of the next meaningful node at or after `i` (or `nodes.length`). */
export function nextSig(nodes: SqlNode[], i: number): number {
  let k = i;
  while (k < nodes.length && isTriviaNode(nodes[k])) k++;
  return k;
}

/** The index of the previous meaningful node before `i` (or -1). */
export function prevSig(nodes: SqlNode[], i: number): number {
  let k = i - 1;
  while (k >= 0 && isTriviaNode(nodes[k])) k--;
  return k;
}

/** The token of a node when it is a plain token. */
export function tokOf(n: SqlNode | undefined): Token | undefined {
  return n?.type === 'tok' ? n.tok : undefined;
}

/** Splits a group's items at top-level commas (the arguments of a call). */
export function splitArgs(items: SqlNode[]): SqlNode[][] {
  const args: SqlNode[][] = [[]];
  for (const n of items) {
    if (n.type === 'tok' && n.tok.kind === 'op' && n.tok.text === ',') args.push([]);
    else args[args.length - 1].push(n);
  }
  if (args.length === 1 && args[0].every(isTriviaNode)) return [];
  return args;
}

/** The meaningful nodes of a sequence (trivia dropped). */
export function significant(nodes: SqlNode[]): SqlNode[] {
  return nodes.filter((n) => !isTriviaNode(n));
}

/** Splits column definitions at top-level commas, treating ARRAY<…>, MAP<…, …> and STRUCT<…> as nested. */
export function splitColumnDefinitions(items: SqlNode[]): SqlNode[][] {
  const defs: SqlNode[][] = [[]];
  let depth = 0;
  let prevWord = '';
  for (const n of items) {
    const t = tokOf(n);
    if (t?.kind === 'op' && t.text === '<' && ['ARRAY', 'MAP', 'STRUCT'].includes(prevWord)) depth++;
    else if (t?.kind === 'op' && depth > 0 && (t.text === '>' || t.text === '>>')) depth = Math.max(0, depth - t.text.length);
    if (t?.kind === 'op' && t.text === ',' && depth === 0) {
      defs.push([]);
      continue;
    }
    defs[defs.length - 1].push(n);
    if (t && !isTrivia(t)) prevWord = t.kind === 'word' ? t.value.toUpperCase() : '';
  }
  return defs;
}
