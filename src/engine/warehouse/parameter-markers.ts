import { WeirError } from '../../domain/weir-error.js';
import { tokenize } from '../spark-sql/tokenizer.js';

/** A statement parameter as the Statement Execution API sends it (value null means SQL NULL). */
export interface StatementParameter {
  name: string;
  value?: string | null;
  /** A SQL type such as INT, DATE or DECIMAL(10,2); STRING when absent. */
  type?: string;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The SQL literal of a parameter: a string literal, cast when the parameter has a type. */
export function parameterLiteral(p: StatementParameter): string {
  const type = (p.type ?? 'STRING').trim();
  if (p.value === null || p.value === undefined) return type.toUpperCase() === 'STRING' ? 'NULL' : `CAST(NULL AS ${type})`;
  if (!/^[A-Za-z_][\w]*(\s*\(\s*\d+(\s*,\s*\d+)?\s*\))?$/.test(type)) throw new WeirError('VALIDATION.INVALID', `parameters.${p.name}.type '${type}' is not a SQL type; use e.g. STRING, INT, DATE or DECIMAL(10,2)`, { params: { parameter: p.name } });
  return type.toUpperCase() === 'STRING' ? quote(p.value) : `CAST(${quote(p.value)} AS ${type})`;
}

/**
 * Replaces `:name` parameter markers with the parameters' literals (strings, comments and `::` casts are left
 * alone); a marker without a parameter fails naming it. Substituting (rather than binding) lets parameters reach
 * DML predicates and DDL, which are not prepared statements.
 */
export function bindParameterMarkers(sql: string, params: StatementParameter[]): string {
  const byName = new Map(params.map((p) => [p.name.toLowerCase(), p]));
  let out = '';
  for (const t of tokenize(sql)) {
    if (t.kind !== 'param') {
      out += t.text;
      continue;
    }
    if (t.text === '?') throw new WeirError('SQL.SYNTAX', `positional parameter ? at line ${t.line}, column ${t.col}: use named markers such as :name`, { params: { line: t.line } });
    const name = t.text.slice(1);
    const p = byName.get(name.toLowerCase());
    if (!p) throw new WeirError('SQL.FAILED', `the statement uses the parameter :${name} (line ${t.line}, column ${t.col}), which has no value; add {"name": "${name}", "value": …} to the parameters`, { params: { parameter: name } });
    out += parameterLiteral(p);
  }
  return out;
}
