import { existsSync, statSync } from 'node:fs';
import { WeirError } from '../../domain/weir-error.js';
import { isReadFilesFormat, readFilesFormat, readFilesSql } from '../read-files-sql.js';
import { tokenize, type Token } from '../spark-sql/tokenizer.js';

/** The arguments of one read_files call: the path and the `name => value` options (values unquoted). */
interface ReadFilesArgs {
  path: string;
  options: Record<string, string>;
}

function parseArgs(toks: Token[], at: string): ReadFilesArgs {
  const sig = toks.filter((t) => t.kind !== 'ws' && t.kind !== 'comment');
  if (sig[0]?.kind !== 'string') throw new WeirError('SQL.SYNTAX', `read_files at ${at}: the first argument must be the path as a string literal, e.g. read_files('/data/orders.csv', format => 'csv')`);
  const options: Record<string, string> = {};
  for (let i = 1; i < sig.length; i++) {
    if (sig[i].text === ',') continue;
    const [name, arrow, value] = [sig[i], sig[i + 1], sig[i + 2]];
    if (!name || arrow?.text !== '=>' || !value) throw new WeirError('SQL.SYNTAX', `read_files at ${at}: options are written name => value, e.g. header => true`);
    options[name.value.toLowerCase()] = value.value;
    i += 2;
  }
  return { path: sig[0].value, options };
}

/** The DuckDB reader for the files, as a parenthesised SELECT (csv, json, parquet or text, as Databricks reads them). */
function readerSql(a: ReadFilesArgs, at: string): string {
  const isDir = existsSync(a.path) && statSync(a.path).isDirectory();
  const format = readFilesFormat(a.path, a.options.format);
  if (!isReadFilesFormat(format)) {
    throw new WeirError('SQL.UNSUPPORTED_SYNTAX', `read_files('${a.path}') at ${at}: ${format ? `format '${format}' is not supported` : 'the format is unknown'}; pass format => 'csv', 'json', 'parquet' or 'text'`);
  }
  const paths = [isDir ? `${a.path.replace(/\/+$/, '')}/**/*` : a.path];
  return `(${readFilesSql(format, paths, { options: a.options, inferByDefault: true, filename: false })})`;
}

/** Rewrites `read_files('path', opt => value, …)` calls into DuckDB readers, leaving the rest of the SQL as written. */
export function expandReadFiles(sql: string): string {
  if (!/read_files/i.test(sql)) return sql;
  const toks = tokenize(sql);
  let out = '';
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    let open = i + 1;
    while (toks[open]?.kind === 'ws') open++;
    if (t.kind !== 'word' || t.value.toLowerCase() !== 'read_files' || toks[open]?.text !== '(') {
      out += t.text;
      continue;
    }
    let depth = 0;
    let close = open;
    for (; close < toks.length; close++) {
      if (toks[close].text === '(') depth++;
      else if (toks[close].text === ')' && --depth === 0) break;
    }
    const at = `line ${t.line}, column ${t.col}`;
    out += readerSql(parseArgs(toks.slice(open + 1, close), at), at);
    i = close;
  }
  return out;
}
