import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sqlRunner } from '../src/executor/runners/sql-runner.js';
import { makeAttemptContext, type TestAttempt, type TestAttemptOptions } from './support/attempt-context.js';

const attempts: TestAttempt[] = [];
async function attempt(task: Record<string, unknown>, opts: TestAttemptOptions = {}): Promise<TestAttempt> {
  const a = await makeAttemptContext(task, opts);
  attempts.push(a);
  return a;
}
afterEach(async () => {
  await Promise.all(attempts.splice(0).map((a) => a.cleanup()));
});

describe('sql runner', () => {
  it('runs an inline query with task and job parameters bound as :name', async () => {
    const a = await attempt(
      {
        sql_task: {
          warehouse_id: 'local',
          query: { query: 'SELECT :city AS city, CAST(:n AS INTEGER) * 2 AS doubled, \':not_a_param\' AS lit' },
          parameters: { city: 'Oslo', n: 1 },
        },
      },
      { jobParameters: { n: '21' } },
    );
    const res = await sqlRunner.run(a.ctx);
    expect(res.result, res.error).toBe('SUCCESS');
    expect(res.sqlOutput).toEqual({
      columns: [
        { name: 'city', type: 'VARCHAR' },
        { name: 'doubled', type: 'INTEGER' },
        { name: 'lit', type: 'VARCHAR' },
      ],
      rows: [['Oslo', 42, ':not_a_param']],
      row_count: 1,
      truncated: false,
    });
    const out = await a.stdout();
    expect(out).toContain('city | doubled | lit');
    expect(out).toContain('Oslo | 42');
    expect(out).toContain('(1 row)');
  });

  it('runs a SQL file relative to the source folder; the last statement is the result', async () => {
    const a = await attempt({ sql_task: { warehouse_id: 'w', file: { path: 'sql/report.sql' } } });
    mkdirSync(join(a.ctx.sourceDir, 'sql'));
    writeFileSync(
      join(a.ctx.sourceDir, 'sql/report.sql'),
      'CREATE TABLE sales AS SELECT range AS id, range % 3 AS shop FROM range(1500);\nSELECT id FROM sales ORDER BY id;\n',
    );
    const res = await sqlRunner.run(a.ctx);
    expect(res.result, res.error).toBe('SUCCESS');
    expect(res.sqlOutput?.row_count).toBe(1500);
    expect(res.sqlOutput?.rows).toHaveLength(1000);
    expect(res.sqlOutput?.truncated).toBe(true);
    expect(res.sqlOutput?.rows[999]).toEqual([999]);
    expect(await a.stdout()).toContain('(1500 rows, first 20 shown)');
  });

  it('fails with the DuckDB message and the file path', async () => {
    const a = await attempt({ sql_task: { warehouse_id: 'w', file: { path: 'bad.sql' } } });
    writeFileSync(join(a.ctx.sourceDir, 'bad.sql'), 'SELECT * FROM no_such_table;\n');
    const res = await sqlRunner.run(a.ctx);
    expect(res.result).toBe('FAILED');
    expect(res.error).toContain(join(a.ctx.sourceDir, 'bad.sql'));
    expect(res.error).toMatch(/no_such_table/);
    expect(await a.stderr()).toMatch(/no_such_table/);
  });

  it('names a parameter that has no value', async () => {
    const a = await attempt({ sql_task: { warehouse_id: 'w', query: { query: 'SELECT :missing' } } });
    const res = await sqlRunner.run(a.ctx);
    expect(res.result).toBe('FAILED');
    expect(res.error).toContain('sql_task.query.query');
    expect(res.error).toContain(':missing');
  });

  it('rejects saved queries and missing files with a way out', async () => {
    const a = await attempt({ sql_task: { warehouse_id: 'w', query: { query_id: 'abc-123' } } });
    const r1 = await sqlRunner.run(a.ctx);
    expect(r1.result).toBe('FAILED');
    expect(r1.error).toContain('saved queries are not supported');
    expect(r1.error).toContain('sql_task.query.query');
    expect(r1.error).toContain('sql_task.file.path');

    const b = await attempt({ sql_task: { warehouse_id: 'w', file: { path: 'nope.sql' } } });
    const r2 = await sqlRunner.run(b.ctx);
    expect(r2.result).toBe('FAILED');
    expect(r2.error).toContain('SQL file not found');
  });

  it('shares one warehouse across tasks', async () => {
    const first = await attempt({ sql_task: { warehouse_id: 'w', query: { query: 'CREATE TABLE t AS SELECT 7 AS v' } } });
    const second = await attempt(
      { sql_task: { warehouse_id: 'w', query: { query: 'SELECT v FROM t' } } },
      { sql: first.ctx.services.sql },
    );
    expect((await sqlRunner.run(first.ctx)).result).toBe('SUCCESS');
    const res = await sqlRunner.run(second.ctx);
    expect(res.sqlOutput?.rows).toEqual([[7]]);
  });
});
