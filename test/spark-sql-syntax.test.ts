import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  installSparkMacros,
  splitStatements,
  translateSparkSql,
  type TimeTravel,
} from '../src/engine/spark-sql/translate-spark-sql.js';
import { tokenize } from '../src/engine/spark-sql/tokenizer.js';
import { isWeirError, type WeirErrorCode } from '../src/domain/weir-error.js';
import fc from 'fast-check';

let instance: DuckDBInstance;
let conn: DuckDBConnection;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-spark-sql-'));
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  await installSparkMacros(conn);
  await conn.run(`CREATE TABLE "sales/2024 q1" AS SELECT * FROM (VALUES (1, 'DELETE', 5), (2, 'INSERT', 7), (3, NULL, 9)) v(id, op, amount)`);
  await conn.run(`CREATE TABLE orders AS SELECT * FROM (VALUES (1, 'x'), (3, 'y')) v(id, tag)`);
  mkdirSync(join(dir, 'pq'));
  await conn.run(`COPY (SELECT 1 AS a UNION ALL SELECT 2) TO '${join(dir, 'pq', 'part-0.parquet')}' (FORMAT parquet)`);
  await conn.run(`COPY (SELECT 3 AS a) TO '${join(dir, 'pq', 'part-1.parquet')}' (FORMAT parquet)`);
  await conn.run(`COPY (SELECT 'k' AS key, 4 AS v) TO '${join(dir, 'data.json')}' (FORMAT json)`);
  await conn.run(`COPY (SELECT 'c' AS name, 5 AS v) TO '${join(dir, 'data.csv')}' (FORMAT csv, HEADER)`);
});
afterAll(() => {
  conn.closeSync();
  instance.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

async function rows(sql: string, opts: Parameters<typeof translateSparkSql>[1] = {}): Promise<unknown[][]> {
  const { statements } = translateSparkSql(sql, opts);
  let out: unknown[][] = [];
  for (const s of statements) out = (await conn.runAndReadAll(s.sql)).getRows() as unknown[][];
  return out;
}

function thrown(f: () => unknown, code: WeirErrorCode): string {
  try {
    f();
  } catch (e) {
    expect(isWeirError(e, code)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('tokenizer', () => {
  it('reads strings with escapes, backtick names, comments, placeholders and positions', () => {
    const toks = tokenize("SELECT 'it\\'s', \"a\"\"b\", `we``ird/name`, ${k} -- c\n/* x /* nested */ y */ 1.5e3, :p, r'\\d'").filter(
      (t) => t.kind !== 'ws',
    );
    expect(toks.map((t) => [t.kind, t.value])).toEqual([
      ['word', 'SELECT'], ['string', "it's"], ['op', ','], ['string', 'a"b'], ['op', ','], ['qident', 'we`ird/name'],
      ['op', ','], ['placeholder', 'k'], ['comment', '-- c'], ['comment', '/* x /* nested */ y */'], ['number', '1.5e3'],
      ['op', ','], ['param', ':p'], ['op', ','], ['string', '\\d'],
    ]);
    const one = toks.find((t) => t.kind === 'number')!;
    expect([one.line, one.col]).toEqual([2, 24]);
  });

  it('reports an unterminated string with its position', () => {
    const msg = thrown(() => translateSparkSql("SELECT 1;\nSELECT 'abc", { origin: { file: 'a.sql', line: 3 } }), 'SQL.SYNTAX');
    expect(msg).toContain('a.sql:4:8');
  });

  it('reports unbalanced brackets', () => {
    expect(thrown(() => translateSparkSql('SELECT (1'), 'SQL.SYNTAX')).toContain('never closed');
    expect(thrown(() => translateSparkSql('SELECT 1)'), 'SQL.SYNTAX')).toContain('line 1, column 9');
  });
});

describe('statements and configuration', () => {
  it('splits on ; outside strings and comments, with positions', () => {
    const s = splitStatements("SELECT ';' AS a; -- x;\n SELECT `b;c`;\n\n/* ; */ SELECT 3;;", { line: 10 });
    expect(s.map((x) => [x.sql, x.line, x.column])).toEqual([
      ["SELECT ';' AS a", 10, 1],
      ['SELECT `b;c`', 11, 2],
      ['SELECT 3', 13, 9],
    ]);
  });

  it('collects SET key = value as settings, skips bare SET key, substitutes ${key}', async () => {
    const sql = "SET my.table = sales/2024 q1;\nSET flag;\nSET min_amount = '6';\nSELECT count(*) FROM `${my.table}` WHERE amount > ${min_amount} AND '${env}' = 'dev'";
    const r = translateSparkSql(sql, { configuration: { env: 'dev' } });
    expect(r.settings).toEqual({ 'my.table': 'sales/2024 q1', min_amount: '6' });
    expect(r.statements).toHaveLength(1);
    expect(r.statements[0].line).toBe(4);
    expect(await rows(sql, { configuration: { env: 'dev' } })).toEqual([[2n]]);
  });

  it('names an unknown ${key}, where it is and the defined keys', () => {
    const msg = thrown(
      () => translateSparkSql('SELECT 1,\n  ${catalog}.t', { configuration: { schema: 's' }, origin: { file: 'p.sql', line: 1 } }),
      'SQL.UNKNOWN_VARIABLE',
    );
    expect(msg).toContain('${catalog}');
    expect(msg).toContain('p.sql:2:3');
    expect(msg).toContain('defined keys: schema');
  });
});

describe('syntax translations on DuckDB', () => {
  it('backtick identifiers with / and spaces, and double-quoted strings', async () => {
    expect(await rows('SELECT id FROM `sales/2024 q1` WHERE op = "DELETE"')).toEqual([[1]]);
  });

  it('SELECT * EXCEPT (…) becomes EXCLUDE', async () => {
    expect(await rows('SELECT * EXCEPT (op, `amount`) FROM `sales/2024 q1` ORDER BY id')).toEqual([[1], [2], [3]]);
    expect(await rows('SELECT s.* EXCEPT (op) FROM `sales/2024 q1` s WHERE id = 1')).toEqual([[1, 5]]);
  });

  it('EXCEPT as a set operation is left alone', async () => {
    expect(await rows('SELECT id FROM `sales/2024 q1` EXCEPT SELECT id FROM orders')).toEqual([[2]]);
  });

  it('<=> is null-safe equality', async () => {
    expect(await rows("SELECT count(*) FROM `sales/2024 q1` WHERE op <=> NULL OR op <=> 'INSERT'")).toEqual([[2n]]);
  });

  it('DISTRIBUTE BY is dropped, SORT BY and CLUSTER BY order', async () => {
    expect(await rows('SELECT id FROM `sales/2024 q1` DISTRIBUTE BY op SORT BY id DESC')).toEqual([[3], [2], [1]]);
    expect(await rows('SELECT id FROM `sales/2024 q1` CLUSTER BY id')).toEqual([[1], [2], [3]]);
  });

  it('CREATE TABLE column types use Spark names', async () => {
    await rows('CREATE TABLE typed (a STRING, b DECIMAL(10,2), c TIMESTAMP, d ARRAY<INT>, e MAP<STRING, LONG>, f STRUCT<x: INT, `y z`: STRING>)');
    const types = await rows("SELECT data_type FROM information_schema.columns WHERE table_name = 'typed' ORDER BY ordinal_position");
    expect(types.map((r) => r[0])).toEqual([
      'VARCHAR', 'DECIMAL(10,2)', 'TIMESTAMP WITH TIME ZONE', 'INTEGER[]', 'MAP(VARCHAR, BIGINT)', 'STRUCT(x INTEGER, "y z" VARCHAR)',
    ]);
  });

  it('keeps :named parameters, lambdas and comments', () => {
    const out = translateSparkSql('SELECT transform(a, x -> x + 1) /* keep */ FROM t WHERE id = :id -- end').sql;
    expect(out).toBe('SELECT list_transform(a, x -> x + 1) /* keep */ FROM t WHERE id = :id;');
  });

  it('Databricks JSON paths col:a.b[0] read JSON strings', async () => {
    const r = await rows(`SELECT j:store.bike.price, j:items[1].name, j:\`odd key\`, j:missing FROM (SELECT '{"store":{"bike":{"price":19.5}},"items":[{"name":"a"},{"name":"b"}],"odd key":{"x":1}}' AS j) t`);
    expect(r).toEqual([['19.5', 'b', '{"x":1}', null]]);
  });

  it('IS DISTINCT FROM and EXTRACT(… FROM …) are not table references', () => {
    const seen: string[][] = [];
    translateSparkSql('SELECT extract(YEAR FROM d) FROM t WHERE a IS DISTINCT FROM b', {
      resolveTable: (parts) => (seen.push(parts), undefined),
    });
    expect(seen).toEqual([['t']]);
  });
});

describe('table references', () => {
  it('calls resolveTable for FROM/JOIN names (comma joins too) and uses its SQL', async () => {
    const seen: [string[], TimeTravel | undefined][] = [];
    const resolveTable = (parts: string[], tt?: TimeTravel): string | undefined => {
      seen.push([parts, tt]);
      return parts.at(-1) === 'orders' ? 'orders' : undefined;
    };
    const r = await rows('SELECT s.id, o.tag FROM `sales/2024 q1` s JOIN main.default.orders o ON s.id = o.id ORDER BY 1', { resolveTable });
    expect(r).toEqual([[1, 'x'], [3, 'y']]);
    translateSparkSql('SELECT * FROM a, b.c AS x LEFT JOIN (SELECT * FROM d) e ON 1 = 1', { resolveTable });
    expect(seen.map((s) => s[0].join('.'))).toEqual(['sales/2024 q1', 'main.default.orders', 'a', 'b.c', 'd']);
  });

  it('does not resolve CTE names', () => {
    const seen: string[] = [];
    translateSparkSql('WITH a AS (SELECT * FROM src), `b` (x) AS (SELECT 1) SELECT * FROM a JOIN b ON 1 = 1 JOIN c ON 1 = 1', {
      resolveTable: (parts) => (seen.push(parts.join('.')), undefined),
    });
    expect(seen).toEqual(['src', 'c']);
  });

  it('recognises VERSION AS OF, TIMESTAMP AS OF, @v and @timestamp and removes them', () => {
    const seen: [string, TimeTravel | undefined][] = [];
    const resolveTable = (parts: string[], tt?: TimeTravel): string => {
      seen.push([parts.join('.'), tt]);
      return `snap_${parts.at(-1)}`;
    };
    const sql = translateSparkSql(
      "SELECT * FROM t1 VERSION AS OF 3 a JOIN t2 TIMESTAMP AS OF '2024-01-01' b ON 1=1 JOIN t3@v7 JOIN t4@20240102030405006 JOIN t5 FOR SYSTEM_VERSION AS OF 2",
      { resolveTable },
    ).sql;
    expect(sql).toBe('SELECT * FROM snap_t1 a JOIN snap_t2 b ON 1=1 JOIN snap_t3 JOIN snap_t4 JOIN snap_t5;');
    expect(seen).toEqual([
      ['t1', { version: 3 }],
      ['t2', { timestamp: '2024-01-01' }],
      ['t3', { version: 7 }],
      ['t4', { timestamp: '2024-01-02 03:04:05.006' }],
      ['t5', { version: 2 }],
    ]);
  });

  it('refuses time travel the resolver cannot serve', () => {
    expect(thrown(() => translateSparkSql('SELECT * FROM t VERSION AS OF 1'), 'SQL.UNSUPPORTED_SYNTAX')).toContain('line 1, column 15');
  });

  it('passes delta.`/path` (with time travel) to the resolver', () => {
    const seen: unknown[] = [];
    const out = translateSparkSql('SELECT * FROM delta.`/lake/t` VERSION AS OF 2', {
      resolveTable: (parts, tt) => (seen.push([parts, tt]), "read_parquet('/lake/t/x.parquet')"),
    }).sql;
    expect(seen).toEqual([[['delta', '/lake/t'], { version: 2 }]]);
    expect(out).toBe("SELECT * FROM read_parquet('/lake/t/x.parquet');");
    expect(thrown(() => translateSparkSql('SELECT * FROM delta.`/lake/t`'), 'SQL.UNSUPPORTED_SYNTAX')).toContain('resolver');
  });

  it('reads parquet (a directory), json and csv paths', async () => {
    expect(await rows(`SELECT sum(a) FROM parquet.\`${join(dir, 'pq')}\``)).toEqual([[6n]]);
    expect(await rows(`SELECT key, v FROM json.\`${join(dir, 'data.json')}\``)).toEqual([['k', 4n]]);
    expect(await rows(`SELECT name, v FROM csv.\`${join(dir, 'data.csv')}\``)).toEqual([['c', 5n]]);
  });
});

describe('literals and identifiers round-trip through DuckDB (property)', () => {
  const text = fc.string({ unit: 'binary', maxLength: 30 }).filter((s) => !s.includes('\u0000') && !s.includes('${'));

  it('any Spark string literal yields the same text', async () => {
    await fc.assert(
      fc.asyncProperty(text, fc.boolean(), async (s, doubleQuoted) => {
        const q = doubleQuoted ? '"' : "'";
        const literal = q + s.replace(/\\/g, '\\\\').replace(new RegExp(q, 'g'), '\\' + q) + q;
        expect(await rows(`SELECT ${literal}`)).toEqual([[s]]);
      }),
      { numRuns: 200 },
    );
  });

  it('any backtick identifier names the column exactly', async () => {
    await fc.assert(
      fc.asyncProperty(text.filter((s) => s.length > 0), async (name) => {
        const { sql } = translateSparkSql(`SELECT 1 AS \`${name.replace(/`/g, '``')}\``);
        const reader = await conn.runAndReadAll(sql);
        expect(reader.columnNames()).toEqual([name]);
      }),
      { numRuns: 200 },
    );
  });
});
