/**
 * Rewrites Databricks-style named parameter markers (`:name`) to DuckDB's (`$name`), leaving string literals,
 * quoted identifiers, comments and `::` casts alone.
 */
export function toDuckDbParameters(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`') {
      const end = closing(sql, i, c);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === ':' && sql[i + 1] === ':') {
      out += '::';
      i += 2;
    } else if (c === ':' && /[A-Za-z_]/.test(sql[i + 1] ?? '') && !/[\w]/.test(sql[i - 1] ?? '')) {
      out += '$';
      i += 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

function closing(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    if (sql[i] === '\\' && quote === "'") i += 1;
    i += 1;
  }
  return sql.length;
}
