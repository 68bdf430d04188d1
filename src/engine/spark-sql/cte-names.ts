import { isWord } from './tokenizer.js';
import { nextSig, tokOf, type SqlNode } from './sql-tree.js';

/** Lower-case names of every common table expression (`WITH name [(cols)] AS (…)`) anywhere in a statement. */
export function cteNames(nodes: SqlNode[], into: Set<string> = new Set()): Set<string> {
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (n.type === 'group') {
      cteNames(n.items, into);
      continue;
    }
    if (!isWord(n.tok, 'WITH')) continue;
    let j = nextSig(nodes, i + 1);
    if (isWord(tokOf(nodes[j]), 'RECURSIVE')) j = nextSig(nodes, j + 1);
    for (;;) {
      const name = tokOf(nodes[j]);
      if (!name || (name.kind !== 'word' && name.kind !== 'qident')) break;
      let k = nextSig(nodes, j + 1);
      if (nodes[k]?.type === 'group') k = nextSig(nodes, k + 1);
      if (!isWord(tokOf(nodes[k]), 'AS')) break;
      into.add(name.value.toLowerCase());
      const body = nextSig(nodes, k + 1);
      const comma = nextSig(nodes, body + 1);
      if (tokOf(nodes[comma])?.text !== ',') break;
      j = nextSig(nodes, comma + 1);
    }
  }
  return into;
}
