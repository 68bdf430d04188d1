import { formatTableId, qualifyTableName } from '../../catalog/table-id.js';
import { WeirError } from '../../domain/weir-error.js';
import { describeType, parseSchemaString } from '../../lake/write/delta-schema.js';
import type { SqlResult } from '../sql-engine.js';
import type { StatementCursor } from './statement-cursor.js';
import { deltaTable, requireTable, type StatementContext } from './table-resolution.js';
import { NO_ROWS, tableResult } from './statement-result.js';

/** `c` or `c.s` after CREATE/DROP SCHEMA: the catalog and schema names. */
function schemaName(ctx: StatementContext, parts: string[]): [string, string] {
  if (parts.length === 1) return [ctx.scope.catalog, parts[0].toLowerCase()];
  if (parts.length === 2) return [parts[0].toLowerCase(), parts[1].toLowerCase()];
  throw new WeirError('SQL.SYNTAX', `schema name ${parts.join('.')} has ${parts.length} parts; write schema or catalog.schema`);
}

function commentClause(cur: StatementCursor): string | undefined {
  return cur.accept('COMMENT') ? cur.readString() : undefined;
}

/** CREATE CATALOG | SCHEMA | DATABASE (the cursor is after CREATE). */
export async function createNamespace(ctx: StatementContext, cur: StatementCursor): Promise<SqlResult> {
  const isCatalog = cur.accept('CATALOG');
  if (!isCatalog && !cur.accept('SCHEMA') && !cur.accept('DATABASE')) throw cur.error('CATALOG, SCHEMA or TABLE');
  const ifNotExists = cur.accept('IF', 'NOT', 'EXISTS');
  const parts = cur.readName();
  const comment = commentClause(cur);
  cur.end();
  if (isCatalog) await ctx.catalog.createCatalog(parts.join('.'), { comment, ifNotExists });
  else await ctx.catalog.createSchema(...schemaName(ctx, parts), { comment, ifNotExists });
  return NO_ROWS;
}

/** DROP CATALOG | SCHEMA | DATABASE | TABLE (the cursor is after DROP). */
export async function dropObject(ctx: StatementContext, cur: StatementCursor): Promise<SqlResult> {
  const kind = cur.accept('CATALOG') ? 'catalog' : cur.accept('SCHEMA') || cur.accept('DATABASE') ? 'schema' : cur.accept('TABLE') ? 'table' : undefined;
  if (!kind) throw cur.error('CATALOG, SCHEMA or TABLE');
  const ifExists = cur.accept('IF', 'EXISTS');
  const parts = cur.readName();
  const cascade = cur.accept('CASCADE');
  if (!cascade) cur.accept('RESTRICT');
  if (kind === 'table') cur.accept('PURGE');
  cur.end();
  if (kind === 'catalog') await ctx.catalog.dropCatalog(parts.join('.'), { ifExists, cascade });
  else if (kind === 'schema') await ctx.catalog.dropSchema(...schemaName(ctx, parts), { ifExists, cascade });
  else await ctx.catalog.dropTable(qualifyTableName(parts, ctx.scope), { ifExists });
  return NO_ROWS;
}

/** USE [CATALOG | SCHEMA | DATABASE] name: changes the session's scope. */
export async function useStatement(ctx: StatementContext, cur: StatementCursor): Promise<SqlResult> {
  if (cur.accept('CATALOG')) {
    ctx.scope.catalog = (await ctx.catalog.getCatalog(cur.readName().join('.'))).name;
    ctx.scope.schema = 'default';
  } else {
    if (!cur.accept('SCHEMA')) cur.accept('DATABASE');
    const [c, s] = schemaName(ctx, cur.readName());
    await ctx.catalog.getSchema(c, s);
    ctx.scope.catalog = c;
    ctx.scope.schema = s;
  }
  cur.end();
  return NO_ROWS;
}

/** SHOW CATALOGS | SCHEMAS | DATABASES | TABLES | TBLPROPERTIES. */
export async function showStatement(ctx: StatementContext, cur: StatementCursor, maxRows: number): Promise<SqlResult> {
  if (cur.accept('CATALOGS')) {
    cur.end();
    return tableResult(['catalog'], (await ctx.catalog.listCatalogs()).map((c) => [c.name]), maxRows);
  }
  if (cur.accept('SCHEMAS') || cur.accept('DATABASES')) {
    const catalog = cur.accept('IN') || cur.accept('FROM') ? cur.readName().join('.') : ctx.scope.catalog;
    cur.end();
    return tableResult(['databaseName'], (await ctx.catalog.listSchemas(catalog)).map((s) => [s.name]), maxRows);
  }
  if (cur.accept('TABLES')) {
    const [c, s] = cur.accept('IN') || cur.accept('FROM') ? schemaName(ctx, cur.readName()) : [ctx.scope.catalog, ctx.scope.schema];
    cur.end();
    await ctx.catalog.getSchema(c, s);
    const tables = await ctx.catalog.listTables(c, s);
    return tableResult(['database', 'tableName', { name: 'isTemporary', type: 'BOOLEAN' }], tables.map((t) => [s, t.name, false]), maxRows);
  }
  if (cur.accept('TBLPROPERTIES')) {
    const id = qualifyTableName(cur.readName(), ctx.scope);
    cur.end();
    const props = await tableProperties(ctx, id);
    return tableResult(['key', 'value'], Object.entries(props).map(([k, v]) => [k, v]), maxRows);
  }
  throw cur.error('CATALOGS, SCHEMAS, TABLES or TBLPROPERTIES after SHOW');
}

/** The Delta table's configuration merged with the properties recorded in the catalog. */
async function tableProperties(ctx: StatementContext, id: ReturnType<typeof qualifyTableName>): Promise<Record<string, string>> {
  const t = await ctx.catalog.getTable(id);
  const snap = await deltaTable(ctx, t.location).snapshot();
  return { ...snap.metadata.configuration, ...t.properties };
}

/** DESCRIBE [TABLE] [EXTENDED] name (the cursor is after DESCRIBE). */
export async function describeTable(ctx: StatementContext, cur: StatementCursor, maxRows: number): Promise<SqlResult> {
  cur.accept('TABLE');
  const extended = cur.accept('EXTENDED') || cur.accept('FORMATTED');
  const parts = cur.readName();
  cur.end();
  const resolved = await requireTable(ctx, parts);
  const snap = await deltaTable(ctx, resolved.location).snapshot();
  const record = parts.length === 2 && parts[0].toLowerCase() === 'delta' ? undefined : await ctx.catalog.findTable(qualifyTableName(parts, ctx.scope));
  const fields = parseSchemaString(snap.metadata.schemaString, resolved.location).fields;
  const rows: unknown[][] = fields.map((f) => [f.name, describeType(f.type), record?.column_comments[f.name] ?? (typeof f.metadata.comment === 'string' ? f.metadata.comment : null)]);
  if (snap.metadata.partitionColumns.length) {
    rows.push(['# Partition Information', '', ''], ['# col_name', 'data_type', 'comment']);
    for (const p of snap.metadata.partitionColumns) rows.push([p, describeType(fields.find((f) => f.name === p)?.type ?? 'string'), null]);
  }
  if (extended) {
    const props = { ...snap.metadata.configuration, ...(record?.properties ?? {}) };
    const id = record ? formatTableId(record) : resolved.display;
    rows.push(['', '', ''], ['# Detailed Table Information', '', '']);
    const detail: [string, string | undefined][] = [
      ['Catalog', record?.catalog],
      ['Database', record?.schema],
      ['Table', record?.name ?? id],
      ['Type', record?.table_type ?? 'EXTERNAL'],
      ['Comment', record?.comment ?? snap.metadata.description ?? undefined],
      ['Location', resolved.location],
      ['Provider', 'delta'],
      ['Version', String(snap.version)],
      ['Table Properties', `[${Object.entries(props).map(([k, v]) => `${k}=${v}`).join(',')}]`],
    ];
    for (const [k, v] of detail) if (v !== undefined) rows.push([k, v, '']);
  }
  return tableResult(['col_name', 'data_type', 'comment'], rows, maxRows);
}

/** COMMENT ON CATALOG | SCHEMA | TABLE | COLUMN name IS 'text' | NULL. */
export async function commentOn(ctx: StatementContext, cur: StatementCursor): Promise<SqlResult> {
  const kind = cur.accept('CATALOG') ? 'catalog' : cur.accept('SCHEMA') || cur.accept('DATABASE') ? 'schema' : cur.accept('TABLE') ? 'table' : cur.accept('COLUMN') ? 'column' : undefined;
  if (!kind) throw cur.error('CATALOG, SCHEMA, TABLE or COLUMN after COMMENT ON');
  const parts = cur.readName();
  cur.expect('IS');
  const text = cur.accept('NULL') ? undefined : cur.readString();
  cur.end();
  if (kind === 'catalog') await ctx.catalog.setCatalogComment(parts.join('.'), text);
  else if (kind === 'schema') await ctx.catalog.setSchemaComment(...schemaName(ctx, parts), text);
  else if (kind === 'table') await ctx.catalog.alterTable(qualifyTableName(parts, ctx.scope), { comment: text ?? null });
  else {
    const column = parts[parts.length - 1];
    await ctx.catalog.alterTable(qualifyTableName(parts.slice(0, -1), ctx.scope), { columnComments: { [column]: text ?? '' } });
  }
  return NO_ROWS;
}

/** `('k' = 'v', …)` or `(k = v, …)` as a record (keys may be dotted words or strings). */
export function readProperties(cur: StatementCursor): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of cur.readParenItems()) {
    const m = /^\s*(?:'([^']*)'|"([^"]*)"|`([^`]*)`|([\w.]+))\s*(?:=\s*(?:'([^']*)'|"([^"]*)"|(\S+)))?\s*$/.exec(item);
    if (!m) throw new WeirError('SQL.SYNTAX', `table property ${item} is not 'key' = 'value'; write TBLPROPERTIES ('key' = 'value')`);
    out[m[1] ?? m[2] ?? m[3] ?? m[4]] = m[5] ?? m[6] ?? m[7] ?? '';
  }
  return out;
}

/** ALTER TABLE name SET|UNSET TBLPROPERTIES (…) | ALTER [COLUMN] c COMMENT '…' (the cursor is after ALTER). */
export async function alterTable(ctx: StatementContext, cur: StatementCursor): Promise<SqlResult> {
  cur.expect('TABLE');
  const id = qualifyTableName(cur.readName(), ctx.scope);
  if (cur.accept('SET', 'TBLPROPERTIES')) await ctx.catalog.alterTable(id, { properties: readProperties(cur) });
  else if (cur.accept('UNSET', 'TBLPROPERTIES')) {
    cur.accept('IF', 'EXISTS');
    await ctx.catalog.alterTable(id, { properties: Object.fromEntries(Object.keys(readProperties(cur)).map((k) => [k, undefined])) });
  } else if (cur.accept('ALTER') || cur.accept('CHANGE')) {
    cur.accept('COLUMN');
    const column = cur.readName().join('.');
    cur.expect('COMMENT');
    await ctx.catalog.alterTable(id, { columnComments: { [column]: cur.readString() } });
  } else throw cur.error('SET TBLPROPERTIES, UNSET TBLPROPERTIES or ALTER COLUMN … COMMENT');
  cur.end();
  return NO_ROWS;
}
