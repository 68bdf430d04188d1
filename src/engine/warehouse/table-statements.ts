import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatTableId, qualifyTableName } from '../../catalog/table-id.js';
import { WeirError } from '../../domain/weir-error.js';
import { duckDbTypeOf, parseSchemaString, quoteIdent } from '../../lake/write/delta-schema.js';
import type { SqlResult } from '../sql-engine.js';
import { readProperties } from './catalog-statements.js';
import { StatementCursor, splitTopLevel } from './statement-cursor.js';
import { metricsResult, NO_ROWS } from './statement-result.js';
import { deltaTable, requireTable, translateExpression, translateWithTables, type StatementContext } from './table-resolution.js';

/** The clauses of CREATE TABLE after the name. */
interface CreateClauses {
  columns?: string[];
  partitionBy?: string[];
  location?: string;
  comment?: string;
  properties: Record<string, string>;
  query?: string;
}

function readCreateClauses(cur: StatementCursor): CreateClauses {
  const c: CreateClauses = { properties: {} };
  if (cur.peek()?.text === '(') c.columns = cur.readParenItems();
  for (;;) {
    if (cur.accept('USING')) {
      const fmt = cur.readName().join('.');
      if (fmt.toLowerCase() !== 'delta') throw new WeirError('SQL.UNSUPPORTED_SYNTAX', `CREATE TABLE … USING ${fmt}: weir's warehouse writes Delta tables only; drop USING ${fmt} or write USING DELTA`);
    } else if (cur.accept('PARTITIONED', 'BY')) c.partitionBy = cur.readParenItems().map((p) => p.replace(/^`|`$/g, '').trim());
    else if (cur.atWords('CLUSTER', 'BY')) throw new WeirError('SQL.UNSUPPORTED_SYNTAX', 'CREATE TABLE … CLUSTER BY (liquid clustering) is not supported by weir; drop it and run OPTIMIZE … ZORDER BY (cols) instead');
    else if (cur.accept('LOCATION')) c.location = cur.readString();
    else if (cur.accept('COMMENT')) c.comment = cur.readString();
    else if (cur.accept('TBLPROPERTIES')) c.properties = readProperties(cur);
    else break;
  }
  if (cur.accept('AS') || cur.atWords('SELECT') || cur.atWords('WITH') || cur.atWords('VALUES')) c.query = cur.rest();
  cur.end();
  if (!c.query && !c.columns && !c.location) throw cur.error('a column list, LOCATION or AS query');
  return c;
}

/** Column definitions `name type [NOT NULL] [COMMENT '…']` as a zero-row DuckDB query and the column comments. */
function emptySource(ctx: StatementContext, defs: string[]): { sql: string; comments: Record<string, string> } {
  const comments: Record<string, string> = {};
  const cols = defs.map((d) => {
    const cur = new StatementCursor(d);
    const name = cur.readName().join('.');
    const type = cur.readUntil('NOT', 'COMMENT', 'DEFAULT', 'GENERATED');
    if (!type) throw new WeirError('SQL.SYNTAX', `column ${name} has no type in: ${d}; write e.g. ${name} STRING`);
    cur.accept('NOT', 'NULL');
    if (cur.accept('COMMENT')) comments[name] = cur.readString();
    return `${translateExpression(ctx, `CAST(NULL AS ${type})`)} AS ${quoteIdent(name)}`;
  });
  return { sql: `SELECT ${cols.join(', ')} WHERE false`, comments };
}

/** CREATE [OR REPLACE] TABLE [IF NOT EXISTS] name … [AS query] (the cursor is after CREATE [OR REPLACE]). */
export async function createTable(ctx: StatementContext, cur: StatementCursor, orReplace: boolean): Promise<SqlResult> {
  cur.expect('TABLE');
  const ifNotExists = cur.accept('IF', 'NOT', 'EXISTS');
  const id = qualifyTableName(cur.readName(), ctx.scope);
  const c = readCreateClauses(cur);
  await ctx.catalog.getSchema(id.catalog, id.schema);
  const existing = await ctx.catalog.findTable(id);
  if (existing && ifNotExists) return NO_ROWS;
  if (existing && !orReplace) throw new WeirError('CATALOG.ALREADY_EXISTS', `table ${formatTableId(id)} already exists; use CREATE TABLE IF NOT EXISTS, CREATE OR REPLACE TABLE or INSERT INTO`, { params: { name: formatTableId(id) } });
  const location = c.location ? resolve(c.location) : existing?.location ?? ctx.catalog.managedLocation(id);
  const empty = c.columns ? emptySource(ctx, c.columns) : undefined;
  const translated = c.query ? await translateWithTables(ctx, c.query) : undefined;
  let rows = 0;
  try {
    const table = deltaTable(ctx, location);
    const source = translated?.sql ?? empty?.sql;
    const opts = { partitionBy: c.partitionBy, properties: c.properties, description: c.comment };
    if (source && existing) rows = (await table.overwrite(source, { ...opts, overwriteSchema: true })).numOutputRows;
    else if (source && !existsSync(join(location, '_delta_log'))) rows = (await table.create(source, opts)).numOutputRows;
    else if (source) throw new WeirError('DELTA.TABLE_EXISTS', `LOCATION '${location}' already holds a Delta table; drop the AS query (or column list) to register it, or choose an empty location`, { params: { location } });
    else if (!existsSync(join(location, '_delta_log'))) throw new WeirError('DELTA.TABLE_NOT_FOUND', `CREATE TABLE ${formatTableId(id)} LOCATION '${location}': no Delta table there; give a column list or AS query to create one`, { params: { location } });
  } finally {
    await translated?.release();
  }
  if (existing) await ctx.catalog.alterTable(id, { comment: c.comment, properties: c.properties, columnComments: empty?.comments });
  else await ctx.catalog.createTable(id, { location: c.location ? location : undefined, comment: c.comment, properties: c.properties, columnComments: empty?.comments });
  return c.query ? metricsResult({ num_affected_rows: rows, num_inserted_rows: rows }) : NO_ROWS;
}

/** INSERT INTO | OVERWRITE [TABLE] name [(cols)] query (the cursor is after INSERT). */
export async function insertInto(ctx: StatementContext, cur: StatementCursor): Promise<SqlResult> {
  const overwrite = cur.accept('OVERWRITE');
  if (!overwrite) cur.expect('INTO');
  cur.accept('TABLE');
  const target = await requireTable(ctx, cur.readName());
  if (cur.atWords('PARTITION')) throw new WeirError('SQL.UNSUPPORTED_SYNTAX', `INSERT INTO ${target.display} PARTITION (…) is not supported by weir; select the partition columns in the query instead (or use REPLACE WHERE for a partition overwrite)`);
  const columns = cur.peek()?.text === '(' && !['SELECT', 'WITH', 'VALUES'].includes(cur.peek(1)?.value.toUpperCase() ?? '') ? cur.readParenItems().map((x) => x.replace(/^`|`$/g, '').trim()) : undefined;
  const replaceWhere = cur.accept('REPLACE', 'WHERE') ? cur.readUntil('SELECT', 'WITH', 'VALUES', 'TABLE') : undefined;
  const query = cur.rest();
  if (!query) throw cur.error('a query after the table name');
  const table = deltaTable(ctx, target.location);
  const fields = parseSchemaString((await table.snapshot()).metadata.schemaString, target.location).fields;
  const translated = await translateWithTables(ctx, query);
  try {
    const width = (await ctx.conn.runAndReadAll(`SELECT * FROM (${translated.sql}) LIMIT 0`)).columnCount;
    const names = columns ?? fields.slice(0, width).map((f) => f.name);
    if (names.length !== width) throw new WeirError('SQL.FAILED', `INSERT INTO ${target.display}: the query returns ${width} columns but ${names.length} are named (table columns: ${fields.map((f) => f.name).join(', ')}); make them match`);
    const lower = names.map((n) => n.toLowerCase());
    for (const n of lower) if (!fields.some((f) => f.name.toLowerCase() === n)) throw new WeirError('SQL.FAILED', `INSERT INTO ${target.display}: ${n} is not a column of the table (columns: ${fields.map((f) => f.name).join(', ')})`);
    const select = fields.map((f) => (lower.includes(f.name.toLowerCase()) ? `CAST(${quoteIdent(names[lower.indexOf(f.name.toLowerCase())])} AS ${duckDbTypeOf(f.type)}) AS ${quoteIdent(f.name)}` : `CAST(NULL AS ${duckDbTypeOf(f.type)}) AS ${quoteIdent(f.name)}`));
    const source = `SELECT ${select.join(', ')} FROM (${translated.sql}) AS __weir_src(${names.map(quoteIdent).join(', ')})`;
    const where = replaceWhere ? translateExpression(ctx, replaceWhere) : undefined;
    const r = overwrite || where ? await table.overwrite(source, { replaceWhere: where }) : await table.append(source);
    return metricsResult({ num_affected_rows: r.numOutputRows, num_inserted_rows: r.numOutputRows });
  } finally {
    await translated.release();
  }
}
