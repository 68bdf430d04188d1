import type { Dataset, DatasetKind, Flow, PipelineDefinition } from '../../domain/pipeline-definition.js';
import { readCdcSpec } from './auto-cdc-statement.js';
import { readQuery, stripLive } from './query-references.js';
import type { StatementContext } from './statement-context.js';
import { readTableClauses } from './table-clauses.js';
import { readTableSpec, type TableSpec } from './table-spec.js';
import type { TokenCursor } from './token-cursor.js';

const KIND_HINT = 'write CREATE OR REFRESH STREAMING TABLE, CREATE OR REFRESH MATERIALIZED VIEW or CREATE TEMPORARY VIEW';

interface Header {
  kind: DatasetKind;
  temporary: boolean;
  private: boolean;
}

/**
 * Reads a dataset statement after `CREATE [OR REFRESH | OR REPLACE]` (the cursor is on the modifiers): streaming
 * tables, materialized views, views and all legacy LIVE spellings. Returns the dataset plus its implicit flow
 * (`AS query`) or inline `FLOW …` clause, if any.
 */
export function readDatasetStatement(cur: TokenCursor, orReplace: boolean, ctx: StatementContext): PipelineDefinition[] {
  const createTok = cur.tokens[0];
  const head = readHeader(cur);
  if (orReplace && head.kind === 'streaming_table') {
    throw cur.error('OR REFRESH', 'streaming tables cannot be replaced; did you mean CREATE OR REFRESH STREAMING TABLE?', cur.tokens[2]);
  }
  const name = stripLive(cur.expectName('a dataset name'));
  const spec: TableSpec = cur.isPunct('(') ? readTableSpec(cur) : { columns: [], expectations: [], tableConstraints: [] };
  const clauses = readTableClauses(cur);
  const origin = cur.originOf(createTok);
  const dataset: Dataset = {
    type: 'dataset',
    kind: head.kind,
    name,
    temporary: head.temporary,
    private: head.private,
    ...spec,
    ...clauses,
    sparkConf: { ...ctx.sparkConf },
    namespace: { ...ctx.namespace },
    origin,
  };
  const flowBase = { name, target: name, once: false, implicit: true, sparkConf: { ...ctx.sparkConf }, namespace: { ...ctx.namespace }, origin };
  if (cur.acceptWord('AS')) {
    if (cur.atEnd()) throw cur.error('a query after AS');
    const query = readQuery(cur, cur.pos, cur.tokens.length - 1);
    const streaming = head.kind === 'streaming_table' || (head.kind === 'view' && isStreamingQuery(query));
    const flow: Flow = { type: 'flow', ...flowBase, query, streaming };
    return [dataset, flow];
  }
  if (cur.isWord('FLOW') && head.kind === 'streaming_table') return [dataset, ...readInlineFlow(cur, dataset, ctx)];
  if (!cur.atEnd()) throw cur.error('AS query or a table clause (COMMENT, TBLPROPERTIES, PARTITIONED BY, CLUSTER BY, LOCATION)');
  if (head.kind !== 'streaming_table') {
    throw cur.error('AS query', `a ${head.kind.replace('_', ' ')} needs a query; only a streaming table may be declared without one (as a target of flows)`);
  }
  return [dataset];
}

/** True when a query reads at least one stream. */
export function isStreamingQuery(q: { references: { streaming: boolean }[]; fileSources: { streaming: boolean }[] }): boolean {
  return q.references.some((r) => r.streaming) || q.fileSources.some((f) => f.streaming);
}

function readHeader(cur: TokenCursor): Header {
  let priv = false;
  let temporary = false;
  if (cur.acceptWord('PRIVATE')) priv = true;
  else if (cur.acceptWord('TEMPORARY') || cur.acceptWord('TEMP')) temporary = true;
  const streaming = cur.acceptWord('STREAMING') || cur.acceptWord('INCREMENTAL');
  const live = cur.acceptWord('LIVE');
  if (cur.acceptWords('MATERIALIZED', 'VIEW')) {
    if (streaming || live) throw cur.error('TABLE', KIND_HINT, cur.tokens[cur.pos - 2]);
    return { kind: 'materialized_view', temporary, private: priv };
  }
  if (cur.acceptWord('TABLE')) {
    if (streaming) return { kind: 'streaming_table', temporary, private: priv || temporary };
    if (live) return { kind: 'materialized_view', temporary, private: priv || temporary };
    throw cur.error('STREAMING TABLE or MATERIALIZED VIEW', 'a plain CREATE TABLE is not a pipeline dataset; did you mean CREATE OR REFRESH MATERIALIZED VIEW (batch) or CREATE OR REFRESH STREAMING TABLE (incremental)?', cur.tokens[cur.pos - 1]);
  }
  if (cur.acceptWord('VIEW')) return { kind: 'view', temporary: temporary || live, private: priv };
  throw cur.error('STREAMING TABLE, MATERIALIZED VIEW, VIEW or FLOW', KIND_HINT);
}

/** Reads the inline `FLOW INSERT BY NAME query` or `FLOW AUTO CDC [ONCE] FROM …` clause of a streaming table. */
function readInlineFlow(cur: TokenCursor, dataset: Dataset, ctx: StatementContext): PipelineDefinition[] {
  cur.expectWord('FLOW');
  const origin = dataset.origin;
  if (cur.acceptWord('INSERT')) {
    cur.expectWords('BY', 'NAME');
    if (cur.atEnd()) throw cur.error('a query after INSERT BY NAME');
    const query = readQuery(cur, cur.pos, cur.tokens.length - 1);
    const flow: Flow = { type: 'flow', name: dataset.name, target: dataset.name, query, streaming: true, once: false, implicit: true, sparkConf: { ...ctx.sparkConf }, namespace: { ...ctx.namespace }, origin };
    return [flow];
  }
  if (cur.acceptWords('AUTO', 'CDC')) {
    const once = cur.acceptWord('ONCE');
    return [readCdcSpec(cur, { target: dataset.name, once, origin }, ctx)];
  }
  throw cur.error('INSERT BY NAME or AUTO CDC after FLOW');
}
