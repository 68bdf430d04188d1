import type { ConfigurationUsage, PipelineDefinition, PipelineSource } from '../../domain/pipeline-definition.js';
import { closestName } from '../graph/closest-name.js';
import { readCdcSpec } from './auto-cdc-statement.js';
import { readDatasetStatement } from './dataset-statement.js';
import { readFlowStatement } from './flow-statement.js';
import { stripLive } from './query-references.js';
import { LineIndex, tokenizeSql, type SqlToken } from './sql-tokenizer.js';
import type { StatementContext } from './statement-context.js';
import { TokenCursor } from './token-cursor.js';

const STATEMENT_STARTS = ['CREATE', 'APPLY', 'AUTO', 'SET', 'USE'];

/**
 * Parses one DLT / Lakeflow SQL pipeline file into definitions, each with its origin. `${key}` placeholders stay
 * verbatim in the text and are listed in `configurationUsages`. Throws PIPELINE.SYNTAX (file:line:column, what was
 * expected, what was found, a hint) at the first statement that is not valid.
 */
export function parsePipelineSql(text: string, file: string): PipelineSource {
  const tokens = tokenizeSql(text, file);
  const lines = new LineIndex(text);
  const out: PipelineSource = { file, definitions: [], settings: [], configurationUsages: configurationUsages(tokens, file, lines) };
  const ctx: StatementContext = { sparkConf: {}, namespace: {} };
  let start = 0;
  for (let i = 0; i <= tokens.length; i++) {
    const atEnd = i === tokens.length;
    if (!atEnd && !(tokens[i].kind === 'punct' && tokens[i].text === ';')) continue;
    if (i > start) {
      const endOffset = atEnd ? text.length : tokens[i].start;
      const cur = new TokenCursor(tokens.slice(start, i), text, file, endOffset, lines.position(endOffset));
      out.definitions.push(...readStatement(cur, ctx, out));
    }
    start = i + 1;
  }
  return out;
}

function readStatement(cur: TokenCursor, ctx: StatementContext, out: PipelineSource): PipelineDefinition[] {
  if (cur.acceptWord('CREATE')) {
    let orReplace = false;
    if (!cur.acceptWords('OR', 'REFRESH')) orReplace = cur.acceptWords('OR', 'REPLACE');
    if (cur.isWord('FLOW')) return [readFlowStatement(cur, ctx)];
    return readDatasetStatement(cur, orReplace, ctx);
  }
  if (cur.isWords('APPLY', 'CHANGES') || cur.isWords('AUTO', 'CDC')) {
    const origin = cur.originOf();
    cur.pos += 2;
    const once = cur.acceptWord('ONCE');
    cur.expectWord('INTO');
    const target = stripLive(cur.expectName('the target streaming table'));
    return [readCdcSpec(cur, { target, once, origin }, ctx)];
  }
  if (cur.isWord('SET')) {
    readSet(cur, ctx, out);
    return [];
  }
  if (cur.acceptWord('USE')) {
    readUse(cur, ctx);
    return [];
  }
  throw cur.error('CREATE, APPLY CHANGES INTO, AUTO CDC INTO, SET or USE', statementHint(cur.peek()));
}

function statementHint(t: SqlToken | undefined): string {
  const word = t?.kind === 'word' ? t.text.toUpperCase() : '';
  if (word === 'INSERT') return 'a bare INSERT is not a pipeline statement; write CREATE FLOW name AS INSERT INTO target BY NAME query';
  if (word === 'SELECT' || word === 'WITH') return 'a bare query defines nothing; write CREATE OR REFRESH MATERIALIZED VIEW name AS query';
  const near = word ? closestName(word, STATEMENT_STARTS) : undefined;
  if (near === 'CREATE') return 'did you mean CREATE OR REFRESH STREAMING TABLE?';
  if (near) return `did you mean ${near}?`;
  return 'a pipeline file holds only dataset, flow, SET and USE statements separated by ";"';
}

/** `SET key = value` (value as written, or unquoted when a single string); `SET key` alone is ignored. */
function readSet(cur: TokenCursor, ctx: StatementContext, out: PipelineSource): void {
  const origin = cur.originOf();
  cur.next();
  const keyStart = cur.pos;
  while (!cur.atEnd() && !cur.isPunct('=')) cur.next();
  if (cur.atEnd() || cur.pos === keyStart) return;
  const key = cur.textOf(keyStart, cur.pos - 1).replace(/\s+/g, '');
  cur.next();
  if (cur.atEnd()) throw cur.error(`a value after SET ${key} =`);
  const only = cur.tokens.length - cur.pos === 1 ? cur.peek() : undefined;
  const value = only?.kind === 'string' ? only.value : cur.textOf(cur.pos, cur.tokens.length - 1);
  cur.pos = cur.tokens.length;
  ctx.sparkConf = { ...ctx.sparkConf, [key]: value };
  out.settings.push({ key, value, origin });
}

/** `USE CATALOG c` (clears the schema), `USE SCHEMA|DATABASE s`, `USE c.s`, `USE s`. */
function readUse(cur: TokenCursor, ctx: StatementContext): void {
  if (cur.acceptWord('CATALOG')) {
    ctx.namespace = { catalog: cur.expectIdentifier('a catalog name') };
  } else {
    if (!cur.acceptWord('SCHEMA')) cur.acceptWord('DATABASE');
    const parts = cur.expectName('a schema name');
    if (parts.length > 2) throw cur.error('catalog.schema', 'USE takes at most two name parts', cur.tokens[cur.pos - 1]);
    ctx.namespace = parts.length === 2 ? { catalog: parts[0], schema: parts[1] } : { ...ctx.namespace, schema: parts[0] };
  }
  if (!cur.atEnd()) throw cur.error('the end of the USE statement');
}

function configurationUsages(tokens: SqlToken[], file: string, lines: LineIndex): ConfigurationUsage[] {
  const usages: ConfigurationUsage[] = [];
  for (const t of tokens) {
    if (t.kind === 'param') usages.push({ key: t.value, origin: { file, line: t.line, column: t.column } });
    if (t.kind !== 'string' && t.kind !== 'quoted') continue;
    for (const m of t.text.matchAll(/\$\{([^}]+)\}/g)) {
      usages.push({ key: m[1], origin: { file, ...lines.position(t.start + (m.index ?? 0)) } });
    }
  }
  return usages;
}
