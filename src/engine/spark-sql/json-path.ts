import { nextSig, prevSig, significant, tokOf, type SqlNode } from './sql-tree.js';
import { emitIdentifier } from './table-references.js';
import { sqlString } from './spark-call.js';

const isName = (n: SqlNode | undefined): boolean => {
  const t = tokOf(n);
  return t !== undefined && (t.kind === 'word' || t.kind === 'qident');
};

/** The end of a dotted name chain starting at `i` (adjacent or spaced dots). */
function chainEnd(nodes: SqlNode[], i: number): number {
  let j = i;
  while (tokOf(nodes[nextSig(nodes, j + 1)])?.text === '.' && isName(nodes[nextSig(nodes, nextSig(nodes, j + 1) + 1)])) {
    j = nextSig(nodes, nextSig(nodes, j + 1) + 1);
  }
  return j + 1;
}

/** Reads `field(.field|[n]|['key'])*` right after the colon into a JSONPath; returns the path and the end index. */
function readPath(nodes: SqlNode[], k: number): { path: string; end: number } | undefined {
  let path = '$';
  let j = k;
  for (;;) {
    const n = nodes[j];
    const t = tokOf(n);
    if (t && (t.kind === 'word' || t.kind === 'qident') && (j === k || tokOf(nodes[j - 1])?.text === '.')) {
      path += `."${t.value.replace(/"/g, '\\"')}"`;
    } else if (n?.type === 'group' && n.open.text === '[') {
      const inner = significant(n.items);
      const only = tokOf(inner[0]);
      if (inner.length !== 1 || !only) return undefined;
      if (only.kind === 'number' && /^\d+$/.test(only.text)) path += `[${only.text}]`;
      else if (only.kind === 'string') path += `."${only.value.replace(/"/g, '\\"')}"`;
      else if (only.text === '*') path += '[*]';
      else return undefined;
    } else if (t?.text === '.' && j > k) {
      j++;
      continue;
    } else break;
    j++;
  }
  return j === k ? undefined : { path, end: j };
}

/**
 * Databricks' JSON path syntax `col:a.b[0]` → `json_extract_string(col, '$."a"."b"[0]')` (the value as a string,
 * JSON text for objects and arrays, as Databricks returns it).
 */
export function jsonPathAt(
  nodes: SqlNode[],
  i: number,
  emit: (nodes: SqlNode[]) => string,
): { text: string; next: number } | undefined {
  if (!isName(nodes[i]) || tokOf(nodes[prevSig(nodes, i)])?.text === '.') return undefined;
  const end = chainEnd(nodes, i);
  const colon = tokOf(nodes[end]);
  if (colon?.kind !== 'op' || colon.text !== ':') return undefined;
  const p = readPath(nodes, end + 1);
  if (!p) return undefined;
  const column = nodes
    .slice(i, end)
    .map((n) => (tokOf(n)?.kind === 'qident' ? emitIdentifier(tokOf(n)!) : emit([n])))
    .join('')
    .replace(/\s+/g, '');
  return { text: `json_extract_string(${column}, ${sqlString(p.path)})`, next: p.end };
}
