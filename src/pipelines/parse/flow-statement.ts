import type { Flow, PipelineDefinition } from '../../domain/pipeline-definition.js';
import { readCdcSpec } from './auto-cdc-statement.js';
import { readQuery, stripLive } from './query-references.js';
import type { StatementContext } from './statement-context.js';
import type { TokenCursor } from './token-cursor.js';

/**
 * Reads `CREATE FLOW name [COMMENT 'c'] AS { INSERT [ONCE] INTO [ONCE] target BY NAME query
 * | AUTO CDC [ONCE] INTO target … | APPLY CHANGES INTO target … }` (the cursor is on FLOW).
 */
export function readFlowStatement(cur: TokenCursor, ctx: StatementContext): PipelineDefinition {
  const origin = cur.originOf(cur.tokens[0]);
  cur.expectWord('FLOW');
  const nameTok = cur.peek();
  const name = cur.expectName('a flow name');
  if (name.length > 1) throw cur.error('a one-part flow name', `flow names cannot be qualified; write CREATE FLOW ${name[name.length - 1]}`, nameTok);
  const comment = cur.acceptWord('COMMENT') ? cur.expectString('the flow comment') : undefined;
  cur.expectWord('AS', `write CREATE FLOW ${name[0]} AS INSERT INTO target BY NAME query`);
  if (cur.acceptWords('AUTO', 'CDC')) {
    const once = cur.acceptWord('ONCE');
    cur.expectWord('INTO');
    const target = stripLive(cur.expectName('the AUTO CDC target'));
    return readCdcSpec(cur, { name, target, once, origin }, ctx);
  }
  if (cur.acceptWords('APPLY', 'CHANGES')) {
    cur.expectWord('INTO');
    const target = stripLive(cur.expectName('the APPLY CHANGES target'));
    return readCdcSpec(cur, { name, target, once: false, origin }, ctx);
  }
  if (cur.isWord('INSERT')) return readInsert(cur, name, comment, origin, ctx);
  throw cur.error('INSERT INTO, AUTO CDC INTO or APPLY CHANGES INTO after AS');
}

function readInsert(cur: TokenCursor, name: string[], comment: string | undefined, origin: Flow['origin'], ctx: StatementContext): Flow {
  cur.expectWord('INSERT');
  if (cur.isWord('OVERWRITE')) throw cur.error('INTO', 'flows append; INSERT OVERWRITE is not allowed in a flow (use a materialized view for a full recompute)');
  let once = cur.acceptWord('ONCE');
  cur.expectWord('INTO', 'write INSERT [ONCE] INTO target BY NAME query');
  once = cur.acceptWord('ONCE') || once;
  const target = stripLive(cur.expectName('the flow target'));
  if (cur.isPunct('(')) throw cur.error('BY NAME', 'a flow cannot list target columns; remove the column list and write BY NAME');
  if (cur.isWord('PARTITION')) throw cur.error('BY NAME', 'a flow cannot have a PARTITION spec; remove it');
  const byName = `INSERT INTO in a flow must be BY NAME: write INSERT INTO ${target.join('.')} BY NAME SELECT …`;
  cur.expectWord('BY', byName);
  cur.expectWord('NAME', byName);
  if (cur.atEnd()) throw cur.error('a query after BY NAME');
  const query = readQuery(cur, cur.pos, cur.tokens.length - 1);
  return {
    type: 'flow',
    name,
    target,
    query,
    streaming: !once,
    once,
    implicit: false,
    ...(comment !== undefined ? { comment } : {}),
    sparkConf: { ...ctx.sparkConf },
    namespace: { ...ctx.namespace },
    origin,
  };
}
