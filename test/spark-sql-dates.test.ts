import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { installSparkMacros, translateSparkSql } from '../src/engine/spark-sql/translate-spark-sql.js';
import { javaDateFormat, javaParseFormat } from '../src/engine/spark-sql/java-date-format.js';
import { isWeirError } from '../src/domain/weir-error.js';

let instance: DuckDBInstance;
let conn: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  await installSparkMacros(conn); // session time zone UTC, as spark.sql.session.timeZone=UTC
});
afterAll(() => {
  conn.closeSync();
  instance.closeSync();
});

/** Translates Spark SQL, runs it on DuckDB and returns the single value of the last statement (as text). */
async function spark(sql: string): Promise<unknown> {
  const { statements } = translateSparkSql(sql);
  let rows: unknown[][] = [];
  for (const s of statements) rows = (await conn.runAndReadAll(s.sql)).getRows() as unknown[][];
  const v = rows[0]?.[0];
  return typeof v === 'bigint' ? Number(v) : v === null || typeof v !== 'object' ? v : String(v);
}

describe('Java date patterns', () => {
  it('translates pattern letters to strftime/strptime', () => {
    expect(javaParseFormat("yyyy-MM-dd'T'HH:mm:ss.SSS")).toBe('%Y-%m-%dT%H:%M:%S.%g');
    expect(javaParseFormat('d/M/yy h:m a')).toBe('%-d/%-m/%y %-I:%-M %p');
    expect(javaParseFormat("EEE, EEEE MMM MMMM 'at' '' 100%")).toBe("%a, %A %b %B at ' 100%%");
    expect(javaDateFormat('HH:mm Z', false)).toEqual([{ kind: 'strftime', text: '%H:%M ' }, { kind: 'offset', style: 'Z' }]);
  });

  it('rejects letters DuckDB cannot express with the position of the call', () => {
    try {
      translateSparkSql("SELECT 1,\n  date_format(ts, 'QQ')", { origin: { file: 'q.sql', line: 10 } });
      expect.unreachable();
    } catch (e) {
      expect(isWeirError(e, 'SQL.UNSUPPORTED_SYNTAX')).toBe(true);
      expect((e as Error).message).toContain('q.sql:11:3');
      expect((e as Error).message).toContain("'Q'");
    }
  });
});

describe('date and time functions on DuckDB match Spark', () => {
  const ts = "TIMESTAMP '2024-03-05 14:07:09.123'";
  it.each([
    [`date_format(${ts}, 'yyyy-MM-dd HH:mm:ss')`, '2024-03-05 14:07:09'],
    [`date_format(${ts}, 'dd/MM/yy hh:mm a')`, '05/03/24 02:07 PM'],
    [`date_format(${ts}, 'EEE, d MMM yyyy')`, 'Tue, 5 Mar 2024'],
    [`date_format(${ts}, 'EEEE MMMM')`, 'Tuesday March'],
    [`date_format(${ts}, "yyyy-MM-dd'T'HH:mm:ss.SSS")`, '2024-03-05T14:07:09.123'],
    [`date_format(${ts}, 'HH:mm Z')`, '14:07 +0000'],
    [`date_format(${ts}, 'HH:mm XXX')`, '14:07 Z'],
    [`date_format('2024-12-31', 'yyyy/M/d')`, '2024/12/31'],
    [`CAST(to_date('05-03-2024', 'dd-MM-yyyy') AS STRING)`, '2024-03-05'],
    [`CAST(to_date('2024-03-05') AS STRING)`, '2024-03-05'],
    [`to_date('not a date', 'yyyy-MM-dd')`, null],
    [`date_format(to_timestamp('03/05/2024 02:07 PM', 'MM/dd/yyyy hh:mm a'), 'yyyy-MM-dd HH:mm')`, '2024-03-05 14:07'],
    [`date_format(to_timestamp('2024-03-05 14:07:09'), 'HH:mm:ss')`, '14:07:09'],
    [`from_unixtime(0)`, '1970-01-01 00:00:00'],
    [`from_unixtime(1709647629, 'yyyy-MM-dd')`, '2024-03-05'],
    [`unix_timestamp('2024-03-05 14:07:09')`, 1709647629],
    [`unix_timestamp('05.03.2024', 'dd.MM.yyyy')`, 1709596800],
    [`unix_timestamp(${ts})`, 1709647629],
    [`datediff('2024-03-05', '2024-02-28')`, 6],
    [`datediff(DAY, DATE '2024-02-28', DATE '2024-03-05')`, 6],
    [`datediff(MONTH, DATE '2024-01-31', DATE '2024-02-29')`, 0],
    [`datediff(MONTH, DATE '2024-01-31', DATE '2024-03-31')`, 2],
    [`timestampdiff(MONTH, DATE '2024-03-31', DATE '2024-01-30')`, -2],
    [`timestampdiff(YEAR, DATE '2020-02-29', DATE '2024-02-28')`, 3],
    [`timestampdiff(QUARTER, DATE '2024-01-15', DATE '2024-07-15')`, 2],
    [`timestampdiff(HOUR, TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-01-01 05:59:00')`, 5],
    [`timediff(MINUTE, TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-01-01 01:30:00')`, 90],
    [`CAST(date_add('2024-02-28', 2) AS STRING)`, '2024-03-01'],
    [`CAST(date_sub(DATE '2024-03-01', 1) AS STRING)`, '2024-02-29'],
    [`CAST(add_months('2024-01-31', 1) AS STRING)`, '2024-02-29'],
    [`date_format(timestampadd(HOUR, 3, ${ts}), 'HH')`, '17'],
    [`date_format(date_trunc('MM', ${ts}), 'yyyy-MM-dd HH:mm:ss')`, '2024-03-01 00:00:00'],
    [`CAST(trunc(DATE '2024-03-05', 'YEAR') AS STRING)`, '2024-01-01'],
    [`dayofweek(DATE '2024-03-05')`, 3],
    [`year('2024-03-05') * 10000 + month('2024-03-05') * 100 + day('2024-03-05')`, 20240305],
    [`hour(${ts}) * 100 + minute(${ts})`, 1407],
    [`date_format(from_utc_timestamp(TIMESTAMP '2024-03-05 12:00:00', 'Asia/Kolkata'), 'HH:mm')`, '17:30'],
    [`date_format(to_utc_timestamp(TIMESTAMP '2024-03-05 17:30:00', 'Asia/Kolkata'), 'HH:mm')`, '12:00'],
    [`months_between('1997-02-28 10:30:00', '1996-10-30')`, 3.94959677],
    [`months_between(DATE '2024-03-31', DATE '2024-02-29')`, 1],
    [`CAST(${ts} AS STRING)`, '2024-03-05 14:07:09.123'],
    [`unix_millis(TIMESTAMP '1970-01-01 00:00:01.5')`, 1500],
    [`date_format(timestamp_millis(1500), 'ss.SSS')`, '01.500'],
  ])('%s', async (expr, expected) => {
    expect(await spark(`SELECT ${expr}`)).toEqual(expected);
  });

  it('current_timestamp(), now() and current_date() are the query time', async () => {
    const v = await spark('SELECT current_timestamp() = now() AND current_date() = CAST(now() AS DATE)');
    expect(v).toBe(true);
    const diff = await spark('SELECT abs(unix_timestamp() - unix_timestamp(current_timestamp())) <= 1');
    expect(diff).toBe(true);
  });

  it('formats in the session time zone, which SET TIME ZONE changes', async () => {
    const v = await spark(`SET TIME ZONE 'Asia/Kolkata'; SELECT date_format(TIMESTAMP '2024-03-05 10:00:00+00:00', 'HH:mm XXX')`);
    await conn.run("SET TimeZone = 'UTC'");
    expect(v).toBe('15:30 +05:30');
  });
});
