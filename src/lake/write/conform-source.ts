/**
 * Turns a user's query into one whose columns are exactly the table schema's, in order, with Delta types:
 * casts DuckDB-only types, fills columns the data lacks with NULL, widens narrower data to the table's type
 * (int data into a long column), adds new columns under `mergeSchema`, and refuses everything else with
 * DELTA.SCHEMA_MISMATCH. The table schema itself is never widened (that would need the typeWidening feature).
 */
import { DuckDBTypeId, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { WeirError } from '../../domain/weir-error.js';
import { mapDuckDbType } from './duckdb-to-delta.js';
import { describeType, duckDbTypeOf, quoteIdent, sameType, type DeltaField, type DeltaStructType, type DeltaType } from './delta-schema.js';

/** The conformed query and the schema it produces. */
export interface ConformedSource {
  query: string;
  schema: DeltaStructType;
  /** True when the schema differs from the table's (new table, new columns or a replaced schema). */
  schemaChanged: boolean;
}

interface SourceColumn {
  name: string;
  duck: DuckDBType;
  delta: DeltaType;
  needsCast: boolean;
}

const INT_RANK: Record<string, number> = { byte: 1, short: 2, integer: 3, long: 4 };
/** Decimal digits each integer type needs, for lossless casts into decimals. */
const INT_DIGITS: Record<string, number> = { byte: 3, short: 5, integer: 10, long: 19 };

/** True when every value of `from` fits `to` exactly (wider int, decimal with room, float→double), so data can be cast up. */
function canUpcast(from: DeltaType, to: DeltaType): boolean {
  if (typeof from !== 'string' || typeof to !== 'string') return false;
  if (INT_RANK[from] && INT_RANK[to]) return INT_RANK[from] < INT_RANK[to];
  const dTo = /^decimal\((\d+),\s*(\d+)\)$/.exec(to);
  const dFrom = /^decimal\((\d+),\s*(\d+)\)$/.exec(from) ?? (INT_DIGITS[from] ? [from, String(INT_DIGITS[from]), '0'] : null);
  if (dTo && dFrom) return +dFrom[2] <= +dTo[2] && +dFrom[1] - +dFrom[2] <= +dTo[1] - +dTo[2];
  return from === 'float' && to === 'double';
}

/** Reads the source query's column names and types without running it. */
async function describeSource(conn: DuckDBConnection, source: string): Promise<SourceColumn[]> {
  let prepared;
  try {
    prepared = await conn.prepare(`SELECT * FROM (${source})`);
  } catch (e) {
    throw new WeirError('SQL.FAILED', `the data query for the Delta write does not compile: ${(e as Error).message}`, { cause: e });
  }
  const cols: SourceColumn[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < prepared.columnCount; i++) {
    const name = prepared.columnName(i);
    if (seen.has(name.toLowerCase())) {
      throw new WeirError('DELTA.SCHEMA_MISMATCH', `the data has two columns named "${name}" (Delta column names are case-insensitive); alias one of them`, { params: { column: name } });
    }
    seen.add(name.toLowerCase());
    if (/[ ,;{}()\n\t=]/.test(name)) {
      throw new WeirError(
        'DELTA.SCHEMA_MISMATCH',
        `column name ${JSON.stringify(name)} contains one of the characters " ,;{}()\\n\\t=", which Delta readers such as Spark only accept with column mapping (not supported by weir yet); alias the column`,
        { params: { column: name } },
      );
    }
    const duck = prepared.columnType(i);
    const mapped = mapDuckDbType(duck, name);
    cols.push({ name, duck, delta: mapped.delta, needsCast: mapped.needsCast });
  }
  return cols;
}

/** The SQL expression that yields a source column as the given Delta type. */
function castExpr(col: SourceColumn, target: DeltaType, alias: string): string {
  const id = quoteIdent(col.name);
  const naive = [DuckDBTypeId.TIMESTAMP_S, DuckDBTypeId.TIMESTAMP_MS, DuckDBTypeId.TIMESTAMP_NS].includes(col.duck.typeId);
  let expr = id;
  if (naive && target === 'timestamp') expr = `timezone('UTC', CAST(${id} AS TIMESTAMP))`;
  else if (col.needsCast || !sameType(col.delta, target)) expr = `CAST(${id} AS ${duckDbTypeOf(target)})`;
  return expr === quoteIdent(alias) ? expr : `${expr} AS ${quoteIdent(alias)}`;
}

function newField(c: SourceColumn): DeltaField {
  return { name: c.name, type: c.delta, nullable: true, metadata: {} };
}

/** Conforms `source` to `table` (undefined = the data defines the schema: new table or overwriteSchema). */
export async function conformSource(
  conn: DuckDBConnection,
  source: string,
  table: DeltaStructType | undefined,
  opts: { mergeSchema?: boolean; tablePath: string },
): Promise<ConformedSource> {
  const cols = await describeSource(conn, source);
  if (!table) {
    const schema: DeltaStructType = { type: 'struct', fields: cols.map(newField) };
    return { query: `SELECT ${cols.map((c) => castExpr(c, c.delta, c.name)).join(', ')} FROM (${source})`, schema, schemaChanged: true };
  }
  const byName = new Map(cols.map((c) => [c.name.toLowerCase(), c]));
  const exprs: string[] = [];
  for (const f of table.fields) {
    const c = byName.get(f.name.toLowerCase());
    byName.delete(f.name.toLowerCase());
    if (!c) {
      exprs.push(`CAST(NULL AS ${duckDbTypeOf(f.type)}) AS ${quoteIdent(f.name)}`);
    } else if (sameType(c.delta, f.type) || canUpcast(c.delta, f.type)) {
      exprs.push(castExpr(c, f.type, f.name));
    } else {
      throw new WeirError(
        'DELTA.SCHEMA_MISMATCH',
        `column "${f.name}" of ${opts.tablePath} is ${describeType(f.type)} but the data has ${describeType(c.delta)}; cast the column in the query to ${describeType(f.type)}, or overwrite with overwriteSchema`,
        { params: { column: f.name, tableType: describeType(f.type), dataType: describeType(c.delta) } },
      );
    }
  }
  const extra = [...byName.values()];
  if (extra.length > 0 && !opts.mergeSchema) {
    throw new WeirError(
      'DELTA.SCHEMA_MISMATCH',
      `the data has column(s) ${extra.map((c) => `"${c.name}" (${describeType(c.delta)})`).join(', ')} that ${opts.tablePath} does not have; pass mergeSchema: true to add them, or drop them from the query`,
      { params: { columns: extra.map((c) => c.name) } },
    );
  }
  for (const c of extra) exprs.push(castExpr(c, c.delta, c.name));
  const schema: DeltaStructType = { type: 'struct', fields: [...table.fields, ...extra.map(newField)] };
  return { query: `SELECT ${exprs.join(', ')} FROM (${source})`, schema, schemaChanged: extra.length > 0 };
}
