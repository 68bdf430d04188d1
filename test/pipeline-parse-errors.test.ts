import { describe, expect, it } from 'vitest';
import { WeirError } from '../src/domain/weir-error.js';
import { parsePipelineSql } from '../src/pipelines/parse/parse-pipeline-sql.js';

/** The PIPELINE.SYNTAX message of parsing `sql` as file `bronze.sql` (fails the test when it parses). */
function syntaxError(sql: string): { message: string; params: Record<string, unknown> } {
  try {
    parsePipelineSql(sql, 'bronze.sql');
  } catch (e) {
    if (!(e instanceof WeirError)) throw e;
    expect(e.code).toBe('PIPELINE.SYNTAX');
    return { message: e.message, params: e.params };
  }
  throw new Error(`expected a syntax error for: ${sql}`);
}

describe('PIPELINE.SYNTAX errors: position, expected, found, hint', () => {
  it('rejects CREATE OR REPLACE STREAMING TABLE at REPLACE, suggesting OR REFRESH', () => {
    const e = syntaxError('SET a = b;\n\nCREATE OR REPLACE STREAMING TABLE t AS SELECT * FROM STREAM(s)');
    expect(e.message).toBe('bronze.sql:3:11: expected OR REFRESH, found "REPLACE"; streaming tables cannot be replaced; did you mean CREATE OR REFRESH STREAMING TABLE?');
  });

  it('suggests CREATE for a misspelled first keyword', () => {
    expect(syntaxError('  CREAT OR REFRESH STREAMING TABLE t AS SELECT 1').message).toBe(
      'bronze.sql:1:3: expected CREATE, APPLY CHANGES INTO, AUTO CDC INTO, SET or USE, found "CREAT"; did you mean CREATE OR REFRESH STREAMING TABLE?',
    );
  });

  it('explains that a plain CREATE TABLE is not a pipeline dataset', () => {
    expect(syntaxError('CREATE TABLE x AS SELECT 1').message).toMatch(
      /^bronze\.sql:1:8: expected STREAMING TABLE or MATERIALIZED VIEW, found "TABLE"; .*did you mean CREATE OR REFRESH MATERIALIZED VIEW \(batch\) or CREATE OR REFRESH STREAMING TABLE/,
    );
  });

  it('requires BY NAME in a flow INSERT', () => {
    const e = syntaxError('CREATE FLOW f AS\n  INSERT INTO t SELECT * FROM STREAM(s)');
    expect(e.message).toBe('bronze.sql:2:17: expected BY, found "SELECT"; INSERT INTO in a flow must be BY NAME: write INSERT INTO t BY NAME SELECT …');
    expect(e.params).toMatchObject({ file: 'bronze.sql', line: 2, column: 17, expected: 'BY', found: '"SELECT"' });
  });

  it('requires parentheses around an expectation and a known violation action', () => {
    expect(syntaxError('CREATE OR REFRESH STREAMING TABLE t (\n  CONSTRAINT c EXPECT x > 0\n) AS SELECT 1').message).toBe(
      'bronze.sql:2:23: expected "(" around the expectation condition, found "x"; write EXPECT (condition)',
    );
    expect(syntaxError('CREATE OR REFRESH STREAMING TABLE t (CONSTRAINT c EXPECT (x > 0) ON VIOLATION DELETE ROW) AS SELECT 1').message).toBe(
      'bronze.sql:1:79: expected DROP ROW or FAIL UPDATE after ON VIOLATION, found "DELETE"',
    );
  });

  it('points at an unterminated string', () => {
    expect(syntaxError("CREATE OR REFRESH MATERIALIZED VIEW m\nCOMMENT 'oops AS SELECT 1").message).toBe(
      "bronze.sql:2:9: unterminated string starting with '; close it with '",
    );
  });

  it('reports the end of the statement when a materialized view has no query', () => {
    expect(syntaxError('CREATE OR REFRESH MATERIALIZED VIEW m COMMENT \'x\';\nSELECT 1').message).toBe(
      'bronze.sql:1:50: expected AS query, found the end of the statement; a materialized view needs a query; only a streaming table may be declared without one (as a target of flows)',
    );
  });

  it('requires SEQUENCE BY in APPLY CHANGES and KEYS before it', () => {
    expect(syntaxError('APPLY CHANGES INTO t FROM STREAM(s) KEYS (id)').message).toMatch(/^bronze\.sql:1:46: expected SEQUENCE BY, found the end of the statement/);
    expect(syntaxError('APPLY CHANGES INTO t FROM STREAM(s) SEQUENCE BY ts').message).toMatch(/^bronze\.sql:1:51: expected KEYS, found the end of the statement; AUTO CDC needs KEYS/);
  });

  it('hints at CREATE FLOW for a bare INSERT and at named arguments for read_files', () => {
    expect(syntaxError('INSERT INTO t SELECT 1').message).toMatch(/^bronze\.sql:1:1: .*found "INSERT"; a bare INSERT is not a pipeline statement; write CREATE FLOW name AS INSERT INTO target BY NAME query$/);
    expect(syntaxError("CREATE OR REFRESH STREAMING TABLE t AS SELECT * FROM STREAM read_files('/p', 'csv')").message).toBe(
      "bronze.sql:1:78: expected an option name, found \"'csv'\"; read_files options are named arguments: read_files('path', format => 'csv')",
    );
  });

  it('rejects qualified flow names and INSERT OVERWRITE in flows', () => {
    expect(syntaxError('CREATE FLOW a.b AS INSERT INTO t BY NAME SELECT 1').message).toMatch(/^bronze\.sql:1:13: expected a one-part flow name, found "a"; flow names cannot be qualified/);
    expect(syntaxError('CREATE FLOW f AS INSERT OVERWRITE t SELECT 1').message).toMatch(/^bronze\.sql:1:25: expected INTO, found "OVERWRITE"; flows append/);
  });
});

describe('PIPELINE.SYNTAX inside a query', () => {
  it('points at the end of the statement when STREAM( is left open', () => {
    expect(syntaxError('CREATE OR REFRESH STREAMING TABLE t AS SELECT * FROM STREAM(src;\nSET a = b').message).toBe(
      'bronze.sql:1:64: expected ")", found the end of the statement; STREAM(...) takes one dataset name',
    );
  });
});
