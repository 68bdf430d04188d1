import { tokenize } from '../spark-sql/tokenizer.js';

/** Removes `alias.` qualifiers from column references (DELETE/UPDATE predicates run over the table's own columns). */
export function stripQualifier(sql: string, alias: string | undefined): string {
  if (!alias) return sql;
  const toks = tokenize(sql);
  let out = '';
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    const prev = toks[i - 1];
    if ((t.kind === 'word' || t.kind === 'qident') && t.value.toLowerCase() === alias.toLowerCase() && toks[i + 1]?.text === '.' && prev?.text !== '.') {
      i++;
      continue;
    }
    out += t.text;
  }
  return out;
}
