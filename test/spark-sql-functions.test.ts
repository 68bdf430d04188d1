import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { installSparkMacros, translateSparkSql } from '../src/engine/spark-sql/translate-spark-sql.js';
import { isWeirError } from '../src/domain/weir-error.js';
import { SAME_IN_DUCKDB, WEIR_TABLE_FUNCTIONS } from '../src/engine/spark-sql/duckdb-functions.js';

let instance: DuckDBInstance;
let conn: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  await installSparkMacros(conn);
  await conn.run(`CREATE TABLE t AS SELECT * FROM (VALUES
    (1, 'a', 10, [1, 2, 3]), (1, NULL, 20, []), (2, 'b', NULL, NULL), (2, 'b', 30, [4])) v(g, s, n, arr)`);
});
afterAll(() => {
  conn.closeSync();
  instance.closeSync();
});

/** JSON-friendly form of a DuckDB value (lists as arrays, bigints as numbers). */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (v && typeof v === 'object' && 'items' in v) return (v as { items: unknown[] }).items.map(plain);
  if (v && typeof v === 'object' && 'entries' in v) {
    return Object.fromEntries(Object.entries((v as { entries: Record<string, unknown> }).entries).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

/** Translates Spark SQL, runs it on DuckDB and returns all rows of the result. */
async function rows(sql: string): Promise<unknown[][]> {
  const { sql: duck } = translateSparkSql(sql);
  return ((await conn.runAndReadAll(duck)).getRows() as unknown[][]).map((r) => r.map(plain));
}

async function value(expr: string): Promise<unknown> {
  return (await rows(`SELECT ${expr}`))[0][0];
}

describe('scalar functions on DuckDB match Spark', () => {
  it.each([
    [`get_json_object('{"a":{"b":[7,8]}}', '$.a.b[0]')`, '7'],
    [`get_json_object('{"a":{"b":[7,8]}}', '$.a.c')`, null],
    [`get_json_object('{"a":{"b":"x"}}', '$.a')`, '{"b":"x"}'],
    [`from_json('{"a":1,"c":[1,2]}', 'a INT, b STRING, c ARRAY<INT>')`, { a: 1, b: null, c: [1, 2] }],
    [`from_json('{"a":{"x":"y"}}', 'a MAP<STRING, STRING>').a['x']`, 'y'],
    [`from_json('not json', 'a INT')`, null],
    [`sequence(1, 5)`, [1, 2, 3, 4, 5]],
    [`sequence(5, 1)`, [5, 4, 3, 2, 1]],
    [`sequence(0, 10, 5)`, [0, 5, 10]],
    [`initcap('hello wORLD of spark')`, 'Hello World Of Spark'],
    [`sha1('abc')`, 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    [`sha2('abc', 256)`, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [`sha2('abc', 0)`, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [`sha2('abc', 224)`, '23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7'],
    [`sha2('abc', 384)`, 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7'],
    [`sha2('abc', 512)`, 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f'],
    [`sha2('abc', 7)`, null],
    [`md5('abc')`, '900150983cd24fb0d6963f7d28e17f72'],
    [`nvl(NULL, 'x')`, 'x'],
    [`ifnull(NULL, 2)`, 2],
    [`nvl2(NULL, 'a', 'b') || nvl2(1, 'a', 'b')`, 'ba'],
    [`size(array(1, 2, 3))`, 3],
    [`size(NULL)`, -1],
    [`size(map('a', 1, 'b', 2))`, 2],
    [`array_contains(array('x', 'y'), 'y')`, true],
    [`concat_ws('-', 'a', NULL, 'b')`, 'a-b'],
    [`concat('a', NULL)`, null],
    [`concat('a', 'b', 'c')`, 'abc'],
    [`split('a1b22c', '[0-9]+')`, ['a', 'b', 'c']],
    [`split('a.b', '\\\\.')`, ['a', 'b']],
    [`substring('Spark SQL', 5)`, 'k SQL'],
    [`substr('Spark SQL', -3)`, 'SQL'],
    [`substr('Spark SQL', 5, 1)`, 'k'],
    [`substr('abc', 0, 2)`, 'ab'],
    [`substr('abcde', -3, 2)`, 'cd'],
    [`instr('SparkSQL', 'SQL')`, 6],
    [`locate('bar', 'foobarbar')`, 4],
    [`locate('bar', 'foobarbar', 5)`, 7],
    [`locate('x', 'abc')`, 0],
    [`lpad('hi', 5, '??')`, '???hi'],
    [`lpad('hi', 4)`, '  hi'],
    [`rpad('hi', 5, 'ab')`, 'hiaba'],
    [`lpad('hello', 2)`, 'he'],
    [`regexp_extract('100-200', '(\\\\d+)-(\\\\d+)', 1)`, '100'],
    [`regexp_extract('100-200', '(\\\\d+)-(\\\\d+)', 2)`, '200'],
    [`regexp_extract('100-200', '(\\\\d+)-(\\\\d+)')`, '100'],
    [`regexp_extract('abc', '(\\\\d+)', 1)`, ''],
    [`regexp_replace('100-200', '(\\\\d+)', 'num')`, 'num-num'],
    [`regexp_replace('ab-cd', '(\\\\w+)-(\\\\w+)', '$2 $1')`, 'cd ab'],
    [`regexp_replace('aaa-bbb', '[a-z]++', 'w')`, 'w-w'],
    [`rlike('abc123', '\\\\d')`, true],
    [`'abc' RLIKE '^b'`, false],
    [`'abc' RLIKE 'b'`, true],
    [`'abc' RLIKE ('c$')`, true],
    [`'abc' NOT RLIKE 'z'`, true],
    [`'ABC' REGEXP '(?i)abc'`, true],
    [`CAST(1.9 AS INT)`, 1],
    [`CAST(-1.9 AS LONG)`, -1],
    [`CAST(9223372036854775807 AS BIGINT)`, 9223372036854775807n],
    [`CAST('abc' AS INT)`, null],
    [`CAST(' 42 ' AS INT)`, 42],
    [`CAST('-7.9' AS SHORT)`, -7],
    [`CAST('9223372036854775807' AS LONG)`, 9223372036854775807n],
    [`CAST(CAST(2.99 AS DECIMAL(5,2)) AS BYTE)`, 2],
    [`CAST(true AS INT)`, 1],
    [`size(array(named_struct('a', 1), named_struct('a', 2)))`, 2],
    [`size(array(array(1), array(2, 3), array()))`, 3],
    [`size(map(1, array(2), 3, array(4)))`, 2],
    [`int('7')`, 7],
    [`CAST('12' AS LONG) + 1`, 13],
    [`typeof(CAST(1 AS SHORT)) || typeof(CAST(1 AS BYTE)) || typeof(CAST('a' AS BINARY))`, 'SMALLINTTINYINTBLOB'],
    [`CAST(CAST(3.14159 AS DECIMAL(5,2)) AS STRING)`, '3.14'],
    [`CAST(true AS STRING)`, 'true'],
    [`CAST('2024-03-05' AS DATE) = DATE '2024-03-05'`, true],
    [`typeof(CAST('2024-03-05 10:00:00' AS TIMESTAMP))`, 'TIMESTAMP WITH TIME ZONE'],
    [`typeof(CAST('2024-03-05 10:00:00' AS TIMESTAMP_NTZ))`, 'TIMESTAMP'],
    [`'42'::INT + 1`, 43],
    [`typeof('1'::BIGINT)`, 'BIGINT'],
    [`10L * 2`, 20],
    [`typeof(10L)`, 'BIGINT'],
    [`7 DIV 2`, 3],
    [`pmod(-7, 3)`, 2],
    [`log(2, 8)`, 3],
    [`round(log(exp(2)), 6)`, 2],
    [`named_struct('a', 1, 'b', 'x').b`, 'x'],
    [`struct(1 AS a, 'x' AS b).a`, 1],
    [`array(10, 20, 30)[0]`, 10],
    [`element_at(array(10, 20, 30), 1)`, 10],
    [`map('k', 'v')['k']`, 'v'],
    [`array_join(array('a', 'b'), ',')`, 'a,b'],
    [`sort_array(array(3, 1, 2))`, [1, 2, 3]],
    [`sort_array(array(3, 1, 2), false)`, [3, 2, 1]],
    [`slice(array(1, 2, 3, 4), 2, 2)`, [2, 3]],
    [`slice(array(1, 2, 3, 4), -2, 2)`, [3, 4]],
    [`transform(array(1, 2), x -> x * 10)`, [10, 20]],
    [`filter(array(1, 2, 3), x -> x > 1)`, [2, 3]],
    [`exists(array(1, 5), x -> x > 4)`, true],
    [`forall(array(1, 5), x -> x > 4)`, false],
    [`CAST(12 AS STRING) || CAST(1.5 AS STRING)`, '121.5'],
    [`aggregate(array(1, 2, 3), 10, (acc, x) -> acc + x)`, 16],
    [`format_number(12332.123456, 4)`, '12,332.1235'],
    [`decode(2, 1, 'one', 2, 'two', 'many')`, 'two'],
    [`decode(NULL, 1, 'one', NULL, 'null', 'many')`, 'null'],
    [`decode(9, 1, 'one')`, null],
    [`len('abc')`, 3],
    [`nanvl(CAST('NaN' AS DOUBLE), 1.5)`, 1.5],
    [`try_divide(1, 0)`, null],
    [`zeroifnull(NULL) + nullifzero(5)`, 5],
    [`isnull(NULL) AND isnotnull(1)`, true],
    [`if(1 < 2, 'y', 'n')`, 'y'],
    [`1 <=> NULL`, false],
    [`NULL <=> NULL`, true],
    [`1 == 1`, true],
    [`"a double-quoted string"`, 'a double-quoted string'],
    [`'it\\'s'`, "it's"],
    [`base64('abc')`, 'YWJj'],
    [`CAST(unbase64('YWJj') AS STRING)`, 'abc'],
  ])('%s', async (expr, expected) => {
    expect(await value(expr)).toEqual(expected);
  });
});

describe('aggregates and generators', () => {
  it('collect_list skips NULLs and collect_set is distinct, as in Spark', async () => {
    const r = await rows('SELECT g, collect_list(s), sort_array(collect_set(s)), size(collect_list(n)) FROM t GROUP BY g ORDER BY g');
    expect(r).toEqual([
      [1, ['a'], ['a'], 2],
      [2, ['b', 'b'], ['b'], 1],
    ]);
  });

  it('collect_list over a window', async () => {
    const r = await rows('SELECT n, size(collect_list(n) OVER (PARTITION BY g)) FROM t WHERE g = 1 ORDER BY n');
    expect(r).toEqual([
      [10, 2],
      [20, 2],
    ]);
  });

  it('first() and last() aggregates, with ignoreNulls', async () => {
    const r = await rows('SELECT first(n, true), last(n, true), count(*) FROM (SELECT * FROM t ORDER BY g, n NULLS FIRST)');
    expect(r).toEqual([[10, 30, 4]]);
  });

  it('explode in the select list is unnest, named col', async () => {
    const r = await rows('SELECT g, explode(arr) FROM t WHERE g = 1 ORDER BY col');
    expect(r).toEqual([
      [1, 1],
      [1, 2],
      [1, 3],
    ]);
    const named = await rows('SELECT explode(arr) AS x FROM t WHERE g = 2 ORDER BY x');
    expect(named).toEqual([[4]]);
  });

  it('posexplode gives 0-based positions', async () => {
    const r = await rows('SELECT posexplode(arr) AS (p, v) FROM t WHERE g = 1 AND n = 10 ORDER BY p');
    expect(r).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });

  it('LATERAL VIEW explode and LATERAL VIEW OUTER explode', async () => {
    const inner = await rows('SELECT n, x FROM t LATERAL VIEW explode(arr) tv AS x ORDER BY n, x');
    expect(inner).toEqual([
      [10, 1],
      [10, 2],
      [10, 3],
      [30, 4],
    ]);
    const outer = await rows('SELECT n, x FROM t LATERAL VIEW OUTER explode(arr) tv AS x WHERE n IS NOT NULL ORDER BY n, x');
    expect(outer).toEqual([
      [10, 1],
      [10, 2],
      [10, 3],
      [20, null],
      [30, 4],
    ]);
  });

  it('monotonically_increasing_id() numbers rows from 0', async () => {
    expect(await rows('SELECT min(id), max(id), count(DISTINCT id) FROM (SELECT monotonically_increasing_id() AS id FROM t)')).toEqual([[0, 3, 4]]);
  });

  it('explode in FROM and range() as a table with column id', async () => {
    expect(await rows('SELECT col FROM explode(array(5, 6)) ORDER BY col')).toEqual([[5], [6]]);
    expect(await rows('SELECT sum(id) FROM range(5)')).toEqual([[10]]);
  });

  it('struct field access on exploded array<struct>', async () => {
    const r = await rows("SELECT e.name FROM (SELECT explode(array(named_struct('name', 'x'), named_struct('name', 'y'))) AS e) ORDER BY 1");
    expect(r).toEqual([['x'], ['y']]);
  });
});

describe('installSparkMacros', () => {
  it('is idempotent and installs on each new connection', async () => {
    await installSparkMacros(conn);
    const other = await instance.connect();
    try {
      await installSparkMacros(other, { timeZone: 'Asia/Kolkata' });
      const r = (await other.runAndReadAll(translateSparkSql("SELECT size(array(1)), sha2('a', 512) IS NOT NULL, date_format(TIMESTAMP '2024-01-01 00:00:00+00:00', 'HH:mm')").sql)).getRows();
      expect(r.map((x) => x.map(plain))).toEqual([[1, true, '05:30']]);
    } finally {
      other.closeSync();
    }
  });
});

describe('unsupported functions', () => {
  it('every pass-through name exists in DuckDB (special forms and weir\'s read_files aside)', async () => {
    const special = new Set(['coalesce', 'if', 'extract', 'cast', 'try_cast', 'grouping', 'grouping_id', 'read_files']);
    const reader = await conn.runAndReadAll('SELECT DISTINCT function_name FROM duckdb_functions()');
    const names = new Set(reader.getRows().map((r) => String(r[0])));
    const missing = [...SAME_IN_DUCKDB, ...WEIR_TABLE_FUNCTIONS].filter((n) => !special.has(n) && !names.has(n));
    expect(missing).toEqual([]);
  });

  it('names the function, its line:column and a suggestion', () => {
    try {
      translateSparkSql('SELECT a,\n       collect_lst(b)\nFROM t', { origin: { file: 'etl/daily.sql', line: 5 } });
      expect.unreachable();
    } catch (e) {
      expect(isWeirError(e, 'SQL.UNSUPPORTED_FUNCTION')).toBe(true);
      const msg = (e as Error).message;
      expect(msg).toContain('collect_lst()');
      expect(msg).toContain('etl/daily.sql:6:8');
      expect(msg).toContain('did you mean collect_list()');
    }
  });

  it('weir table functions, qualified UDFs and allowed macros pass through', () => {
    expect(translateSparkSql("SELECT * FROM read_files('/x', format => 'csv')").sql).toContain('read_files(');
    expect(translateSparkSql('SELECT my_schema.my_udf(1)').sql).toContain('my_schema.my_udf(1)');
    expect(translateSparkSql('SELECT my_macro(1)', { allowFunctions: ['MY_MACRO'] }).sql).toContain('my_macro(1)');
    expect(() => translateSparkSql('SELECT my_macro(1)')).toThrow(/my_macro/);
  });
});

describe('robustness (property)', () => {
  it('any input either translates or fails with a WeirError', async () => {
    const fc = (await import('fast-check')).default;
    const pieces = fc.constantFrom(
      'SELECT', 'FROM', 't', ',', '(', ')', '[', ']', "'s'", '"d"', '`b q`', '*', 'EXCEPT', 'RLIKE', '<=>', '::',
      'INT', 'ARRAY', '<', '>', 'explode', 'date_format', 'LATERAL', 'VIEW', 'AS', 'VERSION', 'OF', '@', 'v1', '1',
      ';', 'SET', '=', '${k}', 'JOIN', 'ON', '.', 'delta', 'CAST', 'DISTRIBUTE', 'BY', 'SORT', '--c\n', 'x', 'upper',
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 25 }), (parts) => {
        try {
          translateSparkSql(parts.join(' '), { configuration: { k: 'v' } });
        } catch (e) {
          if (!isWeirError(e)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
