import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dbfsRoot, notebookRunner } from '../src/executor/runners/notebook-runner.js';
import { parseNotebook } from '../src/executor/runners/notebook-source.js';
import { truncateUtf8 } from '../src/executor/runners/notebook-rpc.js';
import { makeAttemptContext, type TestAttempt, type TestAttemptOptions } from './support/attempt-context.js';

const PY = '# Databricks notebook source\n';
const CMD = '\n# COMMAND ----------\n';
const attempts: TestAttempt[] = [];

afterEach(async () => {
  await Promise.all(attempts.splice(0).map((a) => a.cleanup()));
});

/** An attempt of a notebook task whose source folder holds `files`. */
async function notebook(
  files: Record<string, string>,
  notebookTask: Record<string, unknown>,
  opts: TestAttemptOptions = {},
): Promise<TestAttempt> {
  const a = await makeAttemptContext({ notebook_task: notebookTask }, opts);
  attempts.push(a);
  for (const [name, text] of Object.entries(files)) {
    const file = join(a.ctx.sourceDir, name);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, text);
  }
  return a;
}

describe('notebookRunner', () => {
  it('has kind notebook_task', () => {
    expect(notebookRunner.kind).toBe('notebook_task');
  });

  it('gives widgets from base_parameters overridden by job parameters, declared defaults, and the exit value', async () => {
    const src =
      PY +
      'import json\nprint("hello from cell 1")' +
      CMD +
      'dbutils.widgets.text("a", "default-a")\ndbutils.widgets.text("c", "default-c")\n' +
      'dbutils.widgets.dropdown("d", "x", ["x", "y"])\n' +
      'vals = {k: dbutils.widgets.get(k) for k in ["a", "b", "c", "d"]}' +
      CMD +
      'dbutils.notebook.exit(json.dumps(vals, sort_keys=True))' +
      CMD +
      'raise RuntimeError("cells after exit must not run")';
    const a = await notebook({ 'nb.py': src }, { notebook_path: 'nb', base_parameters: { a: 'base', b: 'base-b', d: 'y' } }, {
      jobParameters: { a: 'job' },
    });
    const r = await notebookRunner.run(a.ctx);
    expect(r.result).toBe('SUCCESS');
    expect(JSON.parse(r.notebookOutput!.result)).toEqual({ a: 'job', b: 'base-b', c: 'default-c', d: 'y' });
    expect(r.notebookOutput!.truncated).toBe(false);
    expect(await a.stdout()).toContain('hello from cell 1');
  });

  it('fails dbutils.widgets.get of an undeclared, unpassed widget', async () => {
    const a = await notebook({ 'nb.py': PY + 'dbutils.widgets.get("nope")' }, { notebook_path: 'nb.py' });
    const r = await notebookRunner.run(a.ctx);
    expect(r.result).toBe('FAILED');
    expect(r.error).toMatch(/^InputWidgetNotDefined: No input widget named nope/);
  });

  it('runs %sql cells with ${} and :name widgets, then reads the table back through spark.sql', async () => {
    const src =
      PY +
      'dbutils.widgets.text("n", "41")' +
      CMD +
      '# MAGIC %md\n# MAGIC # A heading that must be skipped' +
      CMD +
      '# MAGIC %sql\n# MAGIC CREATE TABLE t AS SELECT ${n}::INT + 1 AS x, :who AS who;\n# MAGIC SELECT * FROM t' +
      CMD +
      'rows = spark.sql("SELECT x, who FROM t").collect()\n' +
      'df = spark.sql("SELECT :p AS p", args={"p": "bound"})\n' +
      'dbutils.notebook.exit(f"{rows[0].x}|{rows[0][\'who\']}|{rows[0].asDict()}|{df.first().p}|{df.count()}|{df.columns}")';
    const a = await notebook({ 'sql_nb.py': src }, { notebook_path: 'sql_nb', base_parameters: { who: 'ann' } });
    const r = await notebookRunner.run(a.ctx);
    expect(r.error).toBeUndefined();
    expect(r.notebookOutput?.result).toBe("42|ann|{'x': 42, 'who': 'ann'}|bound|1|['p']");
    const out = await a.stdout();
    expect(out).toContain('+--+---+\n| x|who|\n+--+---+\n|42|ann|');
  });

  it('fails with the exception type, message and the Python traceback of the failing cell', async () => {
    const src = PY + 'x = 1' + CMD + 'def f():\n    return 1 / 0\n\nf()' + CMD + 'print("never printed")';
    const a = await notebook({ 'boom.py': src }, { notebook_path: 'boom' });
    const r = await notebookRunner.run(a.ctx);
    expect(r.result).toBe('FAILED');
    expect(r.error).toBe('ZeroDivisionError: division by zero');
    expect(r.errorTrace).toMatch(/^Traceback \(most recent call last\):/);
    expect(r.errorTrace).toContain('boom.py [cell 2]", line 4');
    expect(r.errorTrace).toContain('return 1 / 0');
    expect(r.errorTrace).not.toContain('weir_notebook.py');
    expect(await a.stdout()).not.toContain('never printed');
  });

  it('turns a SQL error into a Python AnalysisException', async () => {
    const a = await notebook({ 'bad.py': PY + 'spark.sql("SELECT * FROM no_such_table")' }, { notebook_path: 'bad' });
    const r = await notebookRunner.run(a.ctx);
    expect(r.result).toBe('FAILED');
    expect(r.error).toMatch(/^AnalysisException: .*no_such_table/);
  });

  it('sets and gets task values through the runner services', async () => {
    const src =
      PY +
      'dbutils.jobs.taskValues.set("k", {"n": 1, "l": [1, 2]})\n' +
      'up = dbutils.jobs.taskValues.get("up", "v")\n' +
      'mine = dbutils.jobs.taskValues.get("t", "k")\n' +
      'dflt = dbutils.jobs.taskValues.get("up", "missing", default=7)\n' +
      'try:\n    dbutils.jobs.taskValues.get("up", "missing")\n    raised = "no"\nexcept ValueError:\n    raised = "yes"\n' +
      'try:\n    dbutils.jobs.taskValues.set("big", "x" * 50000)\n    big = "no"\nexcept ValueError:\n    big = "yes"\n' +
      'dbutils.notebook.exit(f"{up}|{mine[\'l\']}|{dflt}|{raised}|{big}")';
    const a = await notebook({ 'tv.py': src }, { notebook_path: 'tv' });
    await a.taskValues.forTask('up').set('v', 'from-up');
    const r = await notebookRunner.run(a.ctx);
    expect(r.error).toBeUndefined();
    expect(r.notebookOutput?.result).toBe('from-up|[1, 2]|7|yes|yes');
    expect(a.taskValues.values.get('t')?.get('k')).toEqual({ n: 1, l: [1, 2] });
    expect(a.taskValues.values.get('t')?.has('big')).toBe(false);
  });

  it('%run runs another notebook (relative to the notebook, no extension) in the same namespace', async () => {
    const a = await notebook(
      {
        'jobs/main.py': PY + '# MAGIC %run ../lib/helpers' + CMD + 'dbutils.notebook.exit(greet("bob") + "|" + str(CONST))',
        'lib/helpers.py': PY + 'CONST = 3' + CMD + 'def greet(n):\n    return "hi " + n',
      },
      { notebook_path: 'jobs/main' },
    );
    const r = await notebookRunner.run(a.ctx);
    expect(r.error).toBeUndefined();
    expect(r.notebookOutput?.result).toBe('hi bob|3');
  });

  it('dbutils.notebook.run runs a notebook with its own widgets and namespace and raises on its failure', async () => {
    const src =
      PY +
      'secret = "parent"\n' +
      'out = dbutils.notebook.run("./child", 60, {"x": 5})\n' +
      'try:\n    dbutils.notebook.run("./failing", 60)\n    failed = "no"\nexcept Exception as e:\n    failed = type(e).__name__ + ":" + str(e)\n' +
      'dbutils.notebook.exit(out + "|" + dbutils.widgets.get("p") + "|" + failed)';
    const a = await notebook(
      {
        'parent.py': src,
        'child.py': PY + 'assert "secret" not in globals()\ndbutils.notebook.exit(str(int(dbutils.widgets.get("x")) * 2))',
        'failing.py': PY + 'raise KeyError("gone")',
      },
      { notebook_path: 'parent', base_parameters: { p: 'pv' } },
    );
    const r = await notebookRunner.run(a.ctx);
    expect(r.error).toBeUndefined();
    expect(r.notebookOutput?.result).toMatch(/^10\|pv\|WorkflowException:Notebook .*failing\.py failed: KeyError: 'gone'$/);
  });

  it('runs a .sql notebook with a %python cell', async () => {
    const src =
      '-- Databricks notebook source\nCREATE TABLE s AS SELECT range AS i FROM range(5)\n' +
      '-- COMMAND ----------\nINSERT INTO s VALUES (CAST(:extra AS BIGINT))\n' +
      '-- COMMAND ----------\nSELECT count(*) AS n FROM s\n' +
      '-- COMMAND ----------\n-- MAGIC %python\n-- MAGIC dbutils.notebook.exit(spark.sql("SELECT sum(i) AS t FROM s").first().t)';
    const a = await notebook({ 'q.sql': src }, { notebook_path: 'q', base_parameters: { extra: '100' } });
    const r = await notebookRunner.run(a.ctx);
    expect(r.error).toBeUndefined();
    expect(r.notebookOutput?.result).toBe('110');
    expect(await a.stdout()).toMatch(/\|\s*n\|\n\+-+\+\n\|\s*6\|/);
  });

  it('runs an .ipynb notebook: code cells only, %sql cells as SQL', async () => {
    const nb = {
      metadata: { language_info: { name: 'python' } },
      nbformat: 4,
      cells: [
        { cell_type: 'markdown', source: ['# title'] },
        { cell_type: 'code', source: ['%sql\n', 'CREATE TABLE j AS SELECT 7 AS v'] },
        { cell_type: 'code', source: 'v = spark.sql("SELECT v FROM j").collect()[0]["v"]\n' },
        { cell_type: 'code', source: ['dbutils.notebook.exit(v * 6)'] },
      ],
    };
    const a = await notebook({ 'nb.ipynb': JSON.stringify(nb) }, { notebook_path: 'nb' });
    const r = await notebookRunner.run(a.ctx);
    expect(r.error).toBeUndefined();
    expect(r.notebookOutput?.result).toBe('42');
  });

  it('accepts an absolute path with extension and fails clearly on a missing notebook', async () => {
    const a = await notebook({ 'x.py': PY + 'dbutils.notebook.exit("abs")' }, { notebook_path: 'missing/nb' });
    const r = await notebookRunner.run(a.ctx);
    expect(r.result).toBe('FAILED');
    expect(r.error).toContain(join(a.ctx.sourceDir, 'missing/nb.ipynb'));
    expect(r.error).toMatch(/^Notebook not found/);
    a.ctx.task.notebook_task!.notebook_path = join(a.ctx.sourceDir, 'x.py');
    expect((await notebookRunner.run(a.ctx)).notebookOutput?.result).toBe('abs');
  });

  it('dbutils.fs put/ls/head/cp/rm on dbfs:/ and local paths', async () => {
    const src =
      PY +
      'dbutils.fs.mkdirs("dbfs:/data")\n' +
      'dbutils.fs.put("dbfs:/data/a.txt", "hello dbfs")\n' +
      'try:\n    dbutils.fs.put("dbfs:/data/a.txt", "again")\n    dup = "no"\nexcept FileExistsError:\n    dup = "yes"\n' +
      'dbutils.fs.put("local/b.txt", "hello local", overwrite=True)\n' +
      'dbutils.fs.cp("dbfs:/data/a.txt", "file:" + __import__("os").path.abspath("local/c.txt"))\n' +
      'names = [f.name for f in dbutils.fs.ls("local")]\n' +
      'info = dbutils.fs.ls("dbfs:/data")[0]\n' +
      'removed = dbutils.fs.rm("local/c.txt")\n' +
      'dbutils.notebook.exit("|".join([dup, ",".join(names), info.path, info.name, str(info.size), dbutils.fs.head("dbfs:/data/a.txt", 5), str(removed), str(len(dbutils.fs.ls("local")))]))';
    const a = await notebook({ 'fs.py': src }, { notebook_path: 'fs' });
    const r = await notebookRunner.run(a.ctx);
    expect(r.error).toBeUndefined();
    expect(r.notebookOutput?.result).toBe('yes|b.txt,c.txt|dbfs:/data/a.txt|a.txt|10|hello|True|1');
    expect(await readFile(join(dbfsRoot(a.ctx.services.cacheDir), 'data', 'a.txt'), 'utf8')).toBe('hello dbfs');
    expect(await readFile(join(a.ctx.sourceDir, 'local', 'b.txt'), 'utf8')).toBe('hello local');
  });

  it('passes WEIR_* env and stops the process when the attempt is aborted', async () => {
    const src = PY + 'import os, time\nprint("env", os.environ["WEIR_RUN_ID"], flush=True)\ntime.sleep(60)';
    const a = await notebook({ 'slow.py': src }, { notebook_path: 'slow' }, { env: { WEIR_RUN_ID: '77' } });
    const started = Date.now();
    const running = notebookRunner.run(a.ctx);
    for (let i = 0; i < 100 && !(await a.stdout()).includes('env 77'); i++) await new Promise((res) => setTimeout(res, 50));
    a.controller.abort();
    const r = await running;
    expect(r.result).toBe('FAILED');
    expect(r.error).toMatch(/stopped because the attempt was cancelled/);
    expect(await a.stdout()).toContain('env 77');
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('parseNotebook', () => {
  it('splits Databricks source into python, sql, run and unsupported cells, skipping markdown', () => {
    const cells = parseNotebook(
      'n.py',
      PY + 'a = 1' + CMD + '# MAGIC %md\n# MAGIC hi' + CMD + '# MAGIC %sql\n# MAGIC SELECT 1' + CMD + '# MAGIC %run ./x' + CMD + '# MAGIC %sh ls',
    );
    expect(cells).toEqual([
      { kind: 'python', source: 'a = 1', index: 1 },
      { kind: 'sql', source: 'SELECT 1', index: 3 },
      { kind: 'run', path: './x', index: 4 },
      { kind: 'unsupported', magic: 'sh', index: 5 },
    ]);
  });
});

describe('truncateUtf8', () => {
  it('cuts at a byte limit without splitting a character', () => {
    expect(truncateUtf8('abc', 5)).toEqual({ result: 'abc', truncated: false });
    expect(truncateUtf8('aé€', 4)).toEqual({ result: 'aé', truncated: true });
  });
});
