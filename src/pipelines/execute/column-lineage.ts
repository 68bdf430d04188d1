import type { DuckDBConnection } from '@duckdb/node-api';
import { translateSparkSql } from '../../engine/spark-sql/translate-spark-sql.js';
import type { GraphFlow } from '../graph/pipeline-graph.js';

/** One output column of a flow and the input columns it is computed from (a weir extension of flow_definition). */
export interface ColumnLineage {
  output: string;
  inputs: { dataset: string; column: string }[];
  /** direct: a column passed through; expression: computed per row; aggregate: computed over groups of rows. */
  kind: 'direct' | 'expression' | 'aggregate';
}

type Node = Record<string, unknown>;
type Columns = Map<string, Omit<ColumnLineage, 'output'> | null>;
/** A relation in scope: a pipeline input (any column), a derived table (known columns) or something unknown. */
type Relation = { dataset: string } | { columns: Columns } | null;

const AGGREGATES = new Set(['sum', 'count', 'count_star', 'avg', 'mean', 'min', 'max', 'first', 'last', 'any_value', 'arg_min', 'arg_max', 'list', 'array_agg', 'string_agg', 'group_concat', 'median', 'mode', 'stddev', 'stddev_pop', 'stddev_samp', 'variance', 'var_pop', 'var_samp', 'approx_count_distinct', 'approx_quantile', 'quantile', 'quantile_cont', 'quantile_disc', 'bool_and', 'bool_or', 'bit_and', 'bit_or', 'histogram', 'product', 'corr', 'covar_pop', 'covar_samp', 'collect_list', 'collect_set', 'count_if', 'sum_no_overflow', 'fsum', 'kahan_sum', 'favg', 'entropy', 'kurtosis', 'skewness', 'max_by', 'min_by', 'bitstring_agg']);

/**
 * Column-level lineage of a flow's query, best effort: the query (inputs replaced by placeholder tables, Spark SQL
 * translated) is parsed by DuckDB's `json_serialize_sql`, and each named SELECT item is traced through joins,
 * subqueries and CTEs to the pipeline inputs' columns. Anything not traceable for certain — `*`, set operations,
 * file sources, lambdas, subquery expressions, an unqualified column with several relations in scope — is left
 * out rather than guessed. Undefined when nothing could be derived.
 */
export async function columnLineage(conn: DuckDBConnection, flow: GraphFlow, configuration: Record<string, string>): Promise<ColumnLineage[] | undefined> {
  if (flow.definition.type !== 'flow') return undefined;
  const query = flow.definition.query;
  const names = new Map<string, string>();
  const splices: { start: number; end: number; text: string }[] = [];
  for (const ref of query.references) {
    const input = flow.inputs.find((i) => i.reference.start === ref.start && i.reference.end === ref.end);
    if (!input) return undefined;
    let name = ref.parts[ref.parts.length - 1].toLowerCase();
    for (let n = 2; names.has(name); n++) name = `${ref.parts[ref.parts.length - 1].toLowerCase()}_${n}`;
    names.set(name, input.id);
    splices.push({ start: ref.start, end: ref.end, text: `"${name.replace(/"/g, '""')}"` });
  }
  // File sources become tables nothing resolves to, so their columns stay unknown.
  for (const [i, src] of query.fileSources.entries()) splices.push({ start: src.start, end: src.end, text: `"__weir_files_${i}"` });
  let text = query.text;
  for (const s of splices.sort((a, b) => b.start - a.start)) text = text.slice(0, s.start) + s.text + text.slice(s.end);
  let tree: { error: boolean; statements?: { node: Node }[] };
  try {
    const sql = translateSparkSql(text, { configuration }).statements[0]?.sql;
    if (!sql) return undefined;
    const r = await conn.runAndReadAll(`SELECT json_serialize_sql('${sql.replace(/;\s*$/, '').replace(/'/g, "''")}')`);
    tree = JSON.parse(String(r.getRows()[0][0]));
  } catch {
    return undefined;
  }
  if (tree.error || tree.statements?.length !== 1) return undefined;
  const columns = nodeColumns(tree.statements[0].node, names, new Map());
  if (!columns) return undefined;
  const out = [...columns].filter((e): e is [string, Omit<ColumnLineage, 'output'>] => e[1] !== null).map(([output, l]) => ({ output, ...l }));
  return out.length ? out : undefined;
}

/** The lineage of each named output column of a query node (null: the column exists but cannot be traced). */
function nodeColumns(node: Node, inputs: Map<string, string>, outerCtes: Map<string, Relation>): Columns | undefined {
  if (node.type !== 'SELECT_NODE') return undefined;
  const ctes = new Map(outerCtes);
  for (const entry of ((node.cte_map as Node)?.map as Node[]) ?? []) {
    const key = String(entry.key).toLowerCase();
    const sub = ((entry.value as Node).query as Node)?.node as Node | undefined;
    const cols = sub ? nodeColumns(sub, inputs, ctes) : undefined;
    ctes.set(key, cols ? { columns: cols } : null);
  }
  const scope = new Map<string, Relation>();
  if (node.from_table && !addRelations(node.from_table as Node, scope, inputs, ctes)) return undefined;
  const out: Columns = new Map();
  for (const item of (node.select_list as Node[]) ?? []) {
    if (item.class === 'STAR') continue;
    const name = String(item.alias || (item.class === 'COLUMN_REF' ? (item.column_names as string[]).at(-1) : ''));
    if (!name) continue;
    out.set(name, itemLineage(item, scope));
  }
  return out;
}

/** Adds the relations of a FROM clause to the scope; false when the FROM has a shape not understood. */
function addRelations(t: Node, scope: Map<string, Relation>, inputs: Map<string, string>, ctes: Map<string, Relation>): boolean {
  if (t.type === 'JOIN') return addRelations(t.left as Node, scope, inputs, ctes) && addRelations(t.right as Node, scope, inputs, ctes);
  if (t.type === 'BASE_TABLE') {
    const table = String(t.table_name).toLowerCase();
    const relation = !t.schema_name && ctes.has(table) ? ctes.get(table)! : inputs.has(table) && !t.schema_name ? { dataset: inputs.get(table)! } : null;
    scope.set(String(t.alias || t.table_name).toLowerCase(), relation);
    return true;
  }
  if (t.type === 'SUBQUERY') {
    const sub = ((t.subquery as Node)?.node as Node) ?? {};
    const cols = nodeColumns(sub, inputs, ctes);
    scope.set(String(t.alias ?? '').toLowerCase(), cols ? { columns: cols } : null);
    return true;
  }
  scope.set(String(t.alias ?? '').toLowerCase(), null);
  return true;
}

/** One SELECT item's lineage, or null when one of its column references cannot be traced for certain. */
function itemLineage(item: Node, scope: Map<string, Relation>): Omit<ColumnLineage, 'output'> | null {
  const refs: string[][] = [];
  let aggregate = false;
  let opaque = false;
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const node = n as Node;
    if (node.class === 'COLUMN_REF') refs.push(node.column_names as string[]);
    else if (node.class === 'SUBQUERY' || node.class === 'LAMBDA' || node.class === 'STAR') opaque = true;
    if (node.class === 'FUNCTION' && AGGREGATES.has(String(node.function_name).toLowerCase())) aggregate = true;
    for (const v of Object.values(node)) if (v && typeof v === 'object') walk(v);
  };
  walk(item);
  if (opaque) return null;
  const inputs: ColumnLineage['inputs'] = [];
  let inherited: ColumnLineage['kind'] = 'direct';
  for (const ref of refs) {
    const traced = resolve(ref, scope);
    if (!traced) return null;
    for (const i of traced.inputs) if (!inputs.some((x) => x.dataset === i.dataset && x.column === i.column)) inputs.push(i);
    if (traced.kind === 'aggregate' || (traced.kind === 'expression' && inherited === 'direct')) inherited = traced.kind;
  }
  const own: ColumnLineage['kind'] = aggregate ? 'aggregate' : item.class === 'COLUMN_REF' ? 'direct' : 'expression';
  const rank = { direct: 0, expression: 1, aggregate: 2 };
  return { inputs, kind: rank[inherited] > rank[own] ? inherited : own };
}

/** Traces a column reference (`col`, `alias.col`, `schema.table.col`) to input columns. */
function resolve(parts: string[], scope: Map<string, Relation>): Omit<ColumnLineage, 'output'> | null {
  const column = parts[parts.length - 1];
  let relation: Relation | undefined;
  if (parts.length === 1) {
    if (scope.size !== 1) return null;
    relation = [...scope.values()][0];
  } else relation = scope.get(parts[parts.length - 2].toLowerCase());
  if (!relation) return null;
  if ('dataset' in relation) return { inputs: [{ dataset: relation.dataset, column }], kind: 'direct' };
  const derived = relation.columns.get(column) ?? [...relation.columns].find(([k]) => k.toLowerCase() === column.toLowerCase())?.[1];
  return derived ?? null;
}
