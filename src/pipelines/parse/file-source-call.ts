import type { FileSource } from '../../domain/pipeline-definition.js';
import type { SqlToken } from './sql-tokenizer.js';
import type { TokenCursor } from './token-cursor.js';

/**
 * Reads `read_files('path', opt => value, …)` or legacy `cloud_files('path', 'format'[, map('k', 'v', …)])` at the
 * cursor into a structured FileSource. Option keys lose a `cloudFiles.` prefix; values are kept as strings.
 * `cloud_files` is always streaming; `read_files` only under STREAM.
 */
export function readFileSourceCall(cur: TokenCursor, base: number, start: number, streaming: boolean): FileSource {
  const fn = cur.next().text.toLowerCase() as 'read_files' | 'cloud_files';
  cur.expectPunct('(');
  const path = cur.expectString(`the path as the first argument of ${fn}`);
  const options: Record<string, string> = {};
  if (fn === 'read_files') {
    while (cur.acceptPunct(',')) {
      const key = cur.expectIdentifier('an option name', "read_files options are named arguments: read_files('path', format => 'csv')");
      cur.expectPunct('=>', "read_files options are named arguments: read_files('path', format => 'csv')");
      options[stripPrefix(key)] = readConstant(cur, `a constant value for option ${key}`);
    }
  } else {
    if (cur.acceptPunct(',')) options.format = readConstant(cur, 'the format as the second argument of cloud_files');
    if (cur.acceptPunct(',')) readMapOptions(cur, options);
  }
  const close = cur.expectPunct(')', `close ${fn}( with ")"`);
  const format = options.format?.toLowerCase();
  if (format !== undefined) options.format = format;
  // cloud_files is Auto Loader: a stream even without STREAM(), as legacy pipelines wrote it.
  return { function: fn, path, format, options, streaming: streaming || fn === 'cloud_files', start: start - base, end: close.end - base };
}

function readMapOptions(cur: TokenCursor, options: Record<string, string>): void {
  if (!cur.isWord('MAP')) throw cur.error('map("key", "value", …) as the third argument of cloud_files');
  cur.next();
  cur.expectPunct('(');
  if (cur.acceptPunct(')')) return;
  do {
    const key = readConstant(cur, 'an option name string in map(...)');
    cur.expectPunct(',', 'map(...) takes key, value pairs');
    options[stripPrefix(key)] = readConstant(cur, `a value for option ${key}`);
  } while (cur.acceptPunct(','));
  cur.expectPunct(')', 'close map( with ")"');
}

/** A constant: string, number (optionally negative), true/false/null, or a `${key}` placeholder. */
function readConstant(cur: TokenCursor, what: string): string {
  const neg = cur.acceptPunct('-');
  const t: SqlToken | undefined = cur.peek();
  if (t && (t.kind === 'string' || t.kind === 'number' || t.kind === 'param')) {
    cur.next();
    return (neg ? '-' : '') + (t.kind === 'param' ? t.text : t.value);
  }
  if (t && t.kind === 'word' && /^(true|false|null)$/i.test(t.text) && !neg) {
    cur.next();
    return t.text.toLowerCase();
  }
  throw cur.error(what, 'option values must be constants');
}

function stripPrefix(key: string): string {
  return key.replace(/^cloudFiles\./i, '');
}
