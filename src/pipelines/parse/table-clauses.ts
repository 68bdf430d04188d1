import type { TokenCursor } from './token-cursor.js';

/** Table clauses that may follow the name / column list of a dataset statement, in any order. */
export interface TableClauses {
  comment?: string;
  tableProperties: Record<string, string>;
  partitionCols: string[];
  clusterBy?: string[] | 'AUTO';
  location?: string;
  refreshPolicy?: string;
}

/** Reads COMMENT, TBLPROPERTIES, PARTITIONED BY, CLUSTER BY, LOCATION, USING DELTA and REFRESH POLICY until AS / end. */
export function readTableClauses(cur: TokenCursor): TableClauses {
  const out: TableClauses = { tableProperties: {}, partitionCols: [] };
  for (;;) {
    if (cur.acceptWord('COMMENT')) out.comment = cur.expectString('the comment text');
    else if (cur.acceptWord('TBLPROPERTIES')) Object.assign(out.tableProperties, readProperties(cur));
    else if (cur.acceptWords('PARTITIONED', 'BY')) out.partitionCols = readColumnNames(cur, 'PARTITIONED BY');
    else if (cur.acceptWords('CLUSTER', 'BY')) out.clusterBy = cur.acceptWord('AUTO') ? 'AUTO' : readColumnNames(cur, 'CLUSTER BY');
    else if (cur.acceptWord('LOCATION')) out.location = cur.expectString('the table location');
    else if (cur.acceptWord('USING')) readUsing(cur);
    else if (cur.acceptWords('REFRESH', 'POLICY')) out.refreshPolicy = readRefreshPolicy(cur);
    else if (cur.isWord('SCHEDULE')) {
      throw cur.error('AS or a table clause', 'SCHEDULE is for standalone Databricks SQL tables; in a pipeline the pipeline trigger schedules refreshes, so remove it');
    } else if (cur.isWords('WITH', 'ROW')) {
      throw cur.error('AS or a table clause', 'row filters are Unity Catalog governance, which weir does not have; remove WITH ROW FILTER');
    } else return out;
  }
}

/** Reads `( key = value, … )`; keys may be strings or dotted names, values strings, numbers or booleans. */
export function readProperties(cur: TokenCursor): Record<string, string> {
  const props: Record<string, string> = {};
  cur.expectPunct('(');
  if (cur.acceptPunct(')')) return props;
  do {
    const keyTok = cur.peek();
    const key = keyTok?.kind === 'string' ? (cur.next(), keyTok.value) : cur.expectName('a property name').join('.');
    cur.acceptPunct('=');
    const v = cur.peek();
    if (!v || v.kind === 'punct') throw cur.error(`a value for property "${key}"`, `write "${key}" = 'value'`);
    cur.next();
    props[key] = v.kind === 'string' ? v.value : v.text.toLowerCase() === 'true' || v.text.toLowerCase() === 'false' ? v.text.toLowerCase() : v.text;
  } while (cur.acceptPunct(','));
  cur.expectPunct(')', 'separate properties with "," and close the list with ")"');
  return props;
}

function readColumnNames(cur: TokenCursor, clause: string): string[] {
  const cols: string[] = [];
  cur.expectPunct('(', `write ${clause} (col1, col2)`);
  do cols.push(cur.expectName('a column name').join('.'));
  while (cur.acceptPunct(','));
  cur.expectPunct(')', `close ${clause} ( with ")"`);
  return cols;
}

function readUsing(cur: TokenCursor): void {
  const fmt = cur.expectIdentifier('a table format after USING');
  if (fmt.toUpperCase() !== 'DELTA') {
    throw cur.error('USING DELTA', `pipeline tables are Delta tables; remove USING ${fmt}`, cur.tokens[cur.pos - 1]);
  }
}

function readRefreshPolicy(cur: TokenCursor): string {
  if (cur.acceptWord('AUTO')) return 'AUTO';
  if (cur.acceptWord('FULL')) return 'FULL';
  if (cur.acceptWord('INCREMENTAL')) return cur.acceptWord('STRICT') ? 'INCREMENTAL STRICT' : 'INCREMENTAL';
  throw cur.error('AUTO, INCREMENTAL, INCREMENTAL STRICT or FULL after REFRESH POLICY');
}
