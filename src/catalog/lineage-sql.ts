import { splitStatements } from '../engine/spark-sql/split-statements.js';
import { translateSparkSql } from '../engine/spark-sql/translate-spark-sql.js';
import { StatementCursor } from '../engine/warehouse/statement-cursor.js';
import { DEFAULT_SCOPE, formatTableId, qualifyTableName, type NameScope } from './table-id.js';

/** The catalog tables one SQL statement reads and writes (`catalog.schema.table`). */
export interface StatementTables {
  reads: string[];
  writes: string[];
}

/** A catalog table name as written, qualified; undefined for path tables (delta.`/p`) and DuckDB-only names. */
function qualified(parts: string[], scope: NameScope): string | undefined {
  if (parts.length > 3 || parts.some((p) => /[/\\]/.test(p) || p === '' || p === '.' || p === '..')) return undefined;
  return formatTableId(qualifyTableName(parts, scope));
}

/** The table a write statement targets (CREATE TABLE, INSERT, MERGE, DELETE, UPDATE), plus MERGE's USING table. */
function writeTarget(cur: StatementCursor): { target?: string[]; using?: string[] } {
  if (cur.accept('CREATE', 'OR', 'REPLACE') || cur.accept('CREATE')) {
    if (!cur.accept('TABLE')) return {};
    cur.accept('IF', 'NOT', 'EXISTS');
    return { target: cur.readName() };
  }
  if (cur.accept('INSERT')) {
    if (!cur.accept('INTO') && !cur.accept('OVERWRITE')) return {};
    cur.accept('TABLE');
    return { target: cur.readName() };
  }
  if (cur.accept('MERGE', 'INTO')) {
    const target = cur.readName();
    if (!cur.atWords('USING')) {
      cur.accept('AS');
      cur.readName();
    }
    const using = cur.accept('USING') && ['word', 'qident'].includes(cur.peek()?.kind ?? '') ? cur.readName() : undefined;
    return { target, using };
  }
  if (cur.accept('DELETE', 'FROM') || cur.accept('UPDATE')) return { target: cur.readName() };
  return {};
}

/**
 * The tables each statement of a SQL script reads (FROM, JOIN, MERGE … USING; CTE names excluded) and writes,
 * following USE statements. Found by parsing only, without running anything; statements weir cannot parse are
 * skipped, so the answer may miss tables but never invents them.
 */
export function sqlTableLinks(sql: string, scope: NameScope = DEFAULT_SCOPE): StatementTables[] {
  let current = { ...scope };
  const out: StatementTables[] = [];
  let statements: { sql: string }[];
  try {
    statements = splitStatements(sql);
  } catch {
    return [];
  }
  for (const st of statements) {
    try {
      const cur = new StatementCursor(st.sql);
      if (cur.accept('USE')) {
        current = useScope(cur, current);
        continue;
      }
      const w = writeTarget(cur);
      const reads = w.using ? [qualified(w.using, current)] : [];
      try {
        translateSparkSql(st.sql, { resolveTable: (parts) => void reads.push(qualified(parts, current)) });
      } catch {
        // Path tables and other forms only the warehouse can translate end the scan; the names seen so far stand.
      }
      const target = w.target ? qualified(w.target, current) : undefined;
      const known = reads.filter((x): x is string => !!x);
      if (target || known.length) out.push({ reads: [...new Set(known)], writes: target ? [target] : [] });
    } catch {
      // Not parseable statically (e.g. a DuckDB-only statement): it adds no lineage.
    }
  }
  return out;
}

function useScope(cur: StatementCursor, scope: NameScope): NameScope {
  if (cur.accept('CATALOG')) return { catalog: cur.readName()[0].toLowerCase(), schema: 'default' };
  if (!cur.accept('SCHEMA')) cur.accept('DATABASE');
  const parts = cur.readName().map((p) => p.toLowerCase());
  return parts.length === 1 ? { ...scope, schema: parts[0] } : { catalog: parts[0], schema: parts[1] };
}
