import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { withServer, type ApiClient } from './api-client.js';

/** How `weir sql` prints results. */
export type SqlOutputFormat = 'table' | 'json' | 'csv';

interface StatementBody {
  statement_id: string;
  status: { state: string; error?: { error_code?: string; message?: string } };
  manifest?: { schema: { columns: { name: string; type_text: string }[] }; truncated?: boolean };
  result?: { data_array?: (string | null)[][] };
}

/** The result of a statement as the CLI prints it. */
export interface CliResult {
  columns: string[];
  rows: (string | null)[][];
  /** The columns' SQL types as the manifest gives them (INT, DOUBLE, DECIMAL(10,2), BOOLEAN, STRING…). */
  types?: string[];
}

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED', 'CLOSED']);

/** Runs SQL through the Statement Execution API, polling until it ends; throws with the server's error. */
export async function runStatement(api: ApiClient, statement: string, scope: { catalog?: string; schema?: string }): Promise<CliResult> {
  let body = await api.call<StatementBody>('POST', '/api/2.0/sql/statements', { statement, warehouse_id: 'weir', wait_timeout: '10s', on_wait_timeout: 'CONTINUE', ...scope });
  while (!TERMINAL.has(body.status.state)) {
    await new Promise((r) => setTimeout(r, 250));
    body = await api.call<StatementBody>('GET', `/api/2.0/sql/statements/${body.statement_id}`);
  }
  if (body.status.state !== 'SUCCEEDED') throw new Error(`${body.status.error?.error_code ?? body.status.state}: ${body.status.error?.message ?? 'the statement did not succeed'}`);
  const cols = body.manifest?.schema.columns ?? [];
  return { columns: cols.map((c) => c.name), types: cols.map((c) => c.type_text), rows: body.result?.data_array ?? [] };
}

function csvCell(v: string | null): string {
  if (v === null) return '';
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * A cell as a JSON value of its SQL type: numbers and booleans as such (integers beyond 2^53 and decimals a double
 * cannot hold exactly stay strings, so no digit is lost), everything else as the text the API sent.
 */
function jsonCell(v: string | null, type: string | undefined): unknown {
  if (v === null || !type) return v;
  const t = type.toUpperCase();
  if (t === 'BOOLEAN') return v === 'true';
  if (/^(TINYINT|SMALLINT|INT|INTEGER|BIGINT|LONG|SHORT|BYTE)$/.test(t)) return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (/^(FLOAT|DOUBLE|REAL)$/.test(t) && Number.isFinite(Number(v))) return Number(v);
  // Decimals become numbers only when no digit is lost.
  if (/^(DECIMAL|NUMERIC)/.test(t) && String(Number(v)) === v) return Number(v);
  return v;
}

/** Formats a result: an aligned table, one JSON object per row (typed values), or CSV with a header. */
export function formatResult(r: CliResult, format: SqlOutputFormat): string {
  if (format === 'json') return r.rows.map((row) => JSON.stringify(Object.fromEntries(r.columns.map((c, i) => [c, jsonCell(row[i], r.types?.[i])])))).join('\n') + (r.rows.length ? '\n' : '');
  if (format === 'csv') return [r.columns, ...r.rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
  if (r.columns.length === 0) return 'OK\n';
  const shown = r.rows.map((row) => row.map((v) => (v === null ? 'NULL' : v)));
  const widths = r.columns.map((c, i) => Math.max(c.length, ...shown.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((v, i) => v.padEnd(widths[i])).join(' | ').trimEnd();
  const out = [line(r.columns), widths.map((w) => '-'.repeat(w)).join('-+-'), ...shown.map(line)];
  return `${out.join('\n')}\n(${r.rows.length} row${r.rows.length === 1 ? '' : 's'})\n`;
}

/** `USE …` statements change the prompt's catalog and schema (each API call starts a fresh session). */
export function applyUse(statement: string, scope: { catalog: string; schema: string }): void {
  const m = /^\s*USE\s+(CATALOG\s+|SCHEMA\s+|DATABASE\s+)?`?([\w-]+)`?(?:\.`?([\w-]+)`?)?\s*;?\s*$/i.exec(statement);
  if (!m) return;
  const kind = (m[1] ?? '').trim().toUpperCase();
  if (kind === 'CATALOG') Object.assign(scope, { catalog: m[2].toLowerCase(), schema: 'default' });
  else if (m[3]) Object.assign(scope, { catalog: m[2].toLowerCase(), schema: m[3].toLowerCase() });
  else scope.schema = m[2].toLowerCase();
}

/** The interactive prompt: statements end with `;`; `exit` or end of input leaves. */
async function interactive(api: ApiClient, format: SqlOutputFormat, scope: { catalog: string; schema: string }): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const prompt = () => rl.setPrompt(`weir ${scope.catalog}.${scope.schema}> `);
  let buffer = '';
  prompt();
  rl.prompt();
  for await (const line of rl) {
    if (!buffer && /^\s*(exit|quit)\s*;?\s*$/i.test(line)) break;
    buffer += `${line}\n`;
    if (!/;\s*$/.test(line)) {
      if (buffer.trim()) rl.setPrompt('    ...> ');
      rl.prompt();
      continue;
    }
    const statement = buffer;
    buffer = '';
    try {
      process.stdout.write(formatResult(await runStatement(api, statement, scope), format));
      applyUse(statement, scope);
    } catch (e) {
      process.stderr.write(`error: ${(e as Error).message}\n`);
    }
    prompt();
    rl.prompt();
  }
  rl.close();
}

/** `weir sql`: an interactive SQL prompt, or `-e QUERY` for scripts, over the server's Statement Execution API. */
export function registerSqlCommand(program: Command): void {
  const sql = program
    .command('sql')
    .description('run SQL against the warehouse: an interactive prompt, or -e QUERY')
    .option('-e, --execute <query>', 'run this SQL (statements separated by ;) and print the last result')
    .option('--format <format>', 'table, json (one object per row) or csv', 'table')
    .option('--catalog <name>', 'current catalog (default main)', 'main')
    .option('--schema <name>', 'current schema (default default)', 'default');
  const client = withServer(sql);
  sql.action(async (o: { execute?: string; format: string; catalog: string; schema: string }) => {
    if (!['table', 'json', 'csv'].includes(o.format)) throw new Error(`--format ${o.format} is not one of table, json, csv`);
    const format = o.format as SqlOutputFormat;
    const scope = { catalog: o.catalog, schema: o.schema };
    if (o.execute === undefined) return interactive(client(), format, scope);
    try {
      process.stdout.write(formatResult(await runStatement(client(), o.execute, scope), format));
    } catch (e) {
      process.stderr.write(`weir sql: ${(e as Error).message}\n`);
      process.exitCode = 1;
    }
  });
}
