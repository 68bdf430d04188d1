/**
 * Data skipping: decides from partition values and per-file stats (min/max/nullCount/numRecords) whether a file
 * can hold a row matching a predicate. A file is skipped only when it provably cannot; missing or unparseable
 * stats keep it. Maxima are widened for the ways writers under-state them: timestamps truncated to milliseconds
 * (+999 µs) and strings cut to a 32-character prefix (treated as unknown).
 */
import { WeirError } from '../domain/weir-error.js';
import type { AddFile } from './actions.js';
import { columnMappingMode, physicalName, type ColumnMappingMode } from './column-mapping.js';
import { comparableOf, compare, literalComparable, type Comparable } from './scan/comparable.js';
import { isNullPartitionValue } from './scan/partition-values.js';
import { toNnf, type Literal, type NnfPredicate, type Predicate } from './scan/predicate.js';
import { parseSchema, type DataType, type StructType } from './schema/struct-type.js';
import type { Snapshot } from './snapshot.js';
import { nullCountAt, parseStats, statAt, type FileStats } from './stats.js';

/** A predicate column resolved against the schema. */
export interface ResolvedColumn {
  type: DataType;
  partition: boolean;
  /** Names in data files, stats and partition values (physical under column mapping). */
  physicalPath: string[];
}

/** Resolves a logical column (dotted path into structs; case-insensitive like Delta) or throws VALIDATION.INVALID. */
export function resolveColumn(schema: StructType, mode: ColumnMappingMode, partitionColumns: readonly string[], column: string): ResolvedColumn {
  let fields = schema.fields;
  let type: DataType | undefined;
  const physicalPath: string[] = [];
  const parts = column.split('.');
  for (const part of parts) {
    const f = fields.find((x) => x.name === part) ?? fields.find((x) => x.name.toLowerCase() === part.toLowerCase());
    if (!f) {
      throw new WeirError('VALIDATION.INVALID', `filter column "${column}" does not exist in the table (columns: ${schema.fields.map((x) => x.name).join(', ')}); fix the column name`, { params: { column } });
    }
    physicalPath.push(physicalName(f, mode));
    type = f.type;
    fields = f.type.type === 'struct' ? f.type.fields : [];
  }
  const partition = parts.length === 1 && partitionColumns.some((p) => p.toLowerCase() === parts[0].toLowerCase());
  return { type: type as DataType, partition, physicalPath };
}

/**
 * Relative widening of numeric stats that JS numbers cannot hold exactly: float stats are float32 values printed as
 * doubles (1.1f → 1.100000023841858) while DuckDB compares a FLOAT column in float precision; decimals with more
 * than ~15 significant digits are rounded by the JSON parse.
 */
const RELATIVE_MARGIN: Partial<Record<string, number>> = { float: 1e-6, decimal: 1e-15 };

interface Bounds { min?: Comparable; max?: Comparable; allNull: boolean; noNulls: boolean }

function statBounds(stats: FileStats, col: ResolvedColumn): Bounds {
  const nulls = nullCountAt(stats, col.physicalPath);
  const allNull = nulls !== undefined && stats.numRecords !== undefined && nulls >= stats.numRecords;
  let min = comparableOf(statAt(stats.minValues, col.physicalPath), col.type);
  let max = comparableOf(statAt(stats.maxValues, col.physicalPath), col.type);
  if (typeof max === 'bigint') max += 999n; // Spark truncates timestamp stats to ms
  if (typeof max === 'string' && [...max].length >= 32) max = undefined; // possibly a truncated prefix
  const margin = col.type.type === 'primitive' ? RELATIVE_MARGIN[col.type.name] : undefined;
  if (margin !== undefined) {
    if (typeof min === 'number') min -= Math.abs(min) * margin + Number.MIN_VALUE;
    if (typeof max === 'number') max += Math.abs(max) * margin + Number.MIN_VALUE;
  }
  return { min, max, allNull, noNulls: nulls === 0 };
}

function partitionBounds(file: AddFile, col: ResolvedColumn): Bounds {
  const raw = file.partitionValues[col.physicalPath[0]];
  if (isNullPartitionValue(raw)) return { allNull: true, noNulls: false };
  const v = comparableOf(raw, col.type);
  return { min: v, max: v, allNull: false, noNulls: true };
}

function comparisonMayMatch(op: string, b: Bounds, literal: Comparable | undefined): boolean {
  if (b.allNull) return false; // a comparison with NULL is never true
  if (literal === undefined) return true;
  const { min, max } = b;
  switch (op) {
    case '=': return (min === undefined || compare(min, literal) <= 0) && (max === undefined || compare(max, literal) >= 0);
    case '!=': return min === undefined || max === undefined || compare(min, literal) !== 0 || compare(max, literal) !== 0;
    case '<': return min === undefined || compare(min, literal) < 0;
    case '<=': return min === undefined || compare(min, literal) <= 0;
    case '>': return max === undefined || compare(max, literal) > 0;
    case '>=': return max === undefined || compare(max, literal) >= 0;
    default: return true;
  }
}

/** The skipping context of one snapshot: its schema, column mapping and partition columns. */
export interface SkippingContext {
  schema: StructType;
  mode: ColumnMappingMode;
  partitionColumns: readonly string[];
  /** Columns already resolved, by name (filled on use). */
  resolved?: Map<string, ResolvedColumn>;
}

function resolveCached(ctx: SkippingContext, column: string): ResolvedColumn {
  ctx.resolved ??= new Map();
  let col = ctx.resolved.get(column);
  if (!col) {
    col = resolveColumn(ctx.schema, ctx.mode, ctx.partitionColumns, column);
    ctx.resolved.set(column, col);
  }
  return col;
}

// Parsed stats per add, so a predicate with several leaves parses each file's stats JSON once.
const parsedStats = new WeakMap<AddFile, FileStats | null>();

function statsOf(file: AddFile): FileStats | undefined {
  let s = parsedStats.get(file);
  if (s === undefined) {
    s = parseStats(file.stats) ?? null;
    parsedStats.set(file, s);
  }
  return s ?? undefined;
}

function leafBounds(file: AddFile, col: ResolvedColumn): Bounds | undefined {
  if (col.partition) return partitionBounds(file, col);
  const stats = statsOf(file);
  return stats ? statBounds(stats, col) : undefined;
}

/** Whether `file` may hold a row matching the NNF predicate (false = provably none). */
export function fileMayMatch(p: NnfPredicate, file: AddFile, ctx: SkippingContext): boolean {
  if ('args' in p) {
    return p.op === 'and' ? p.args.every((a) => fileMayMatch(a, file, ctx)) : p.args.some((a) => fileMayMatch(a, file, ctx));
  }
  const col = resolveCached(ctx, p.column);
  const b = leafBounds(file, col);
  if (!b) return true;
  const lit = (v: Literal): Comparable | undefined => literalComparable(v, col.type);
  switch (p.op) {
    case 'isNull': return !b.noNulls;
    case 'isNotNull': return !b.allNull;
    case 'in': return p.values.some((v) => comparisonMayMatch('=', b, lit(v)));
    case 'notIn': return p.values.every((v) => comparisonMayMatch('!=', b, lit(v)));
    default: return comparisonMayMatch(p.op, b, lit(p.value));
  }
}

/** Splits a snapshot's files into those a scan with `predicate` must read and those it can skip. */
export function skipFiles(snapshot: Snapshot, predicate: Predicate | undefined): { kept: AddFile[]; skipped: AddFile[] } {
  if (!predicate) return { kept: snapshot.files, skipped: [] };
  const ctx: SkippingContext = {
    schema: parseSchema(snapshot.metadata.schemaString, snapshot.tablePath),
    mode: columnMappingMode(snapshot.metadata),
    partitionColumns: snapshot.metadata.partitionColumns,
  };
  const nnf = toNnf(predicate);
  const leaves = (q: NnfPredicate): string[] => ('args' in q ? q.args.flatMap(leaves) : [q.column]);
  for (const column of leaves(nnf)) resolveCached(ctx, column); // unknown columns fail even on an empty table
  const kept: AddFile[] = [];
  const skipped: AddFile[] = [];
  for (const f of snapshot.files) (fileMayMatch(nnf, f, ctx) ? kept : skipped).push(f);
  return { kept, skipped };
}
