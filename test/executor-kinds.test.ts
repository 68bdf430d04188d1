import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { stdoutOf, useHarness } from './support/weir-harness.js';

const ctx = useHarness();
const log = stdoutOf;

it('passes parameters and task values between notebook, SQL, condition, Python and Node tasks of one run', async () => {
  writeFileSync(
    join(ctx.h.dir, 'produce.py'),
    [
      '# Databricks notebook source',
      'dbutils.widgets.text("region", "none")',
      'region = dbutils.widgets.get("region")',
      '# COMMAND ----------',
      'spark.sql(f"CREATE OR REPLACE TABLE kinds_t AS SELECT * FROM range(7) t(i)")',
      'n = spark.sql("SELECT count(*) AS n FROM kinds_t").collect()[0]["n"]',
      'dbutils.jobs.taskValues.set("rows", n)',
      'dbutils.jobs.taskValues.set("region", region)',
      'dbutils.notebook.exit(f"{region}:{n}")',
    ].join('\n'),
  );
  writeFileSync(join(ctx.h.dir, 'consume.py'), 'import sys, os\nprint("py", sys.argv[1:], os.environ["WEIR_TASK_KEY"])\n');
  writeFileSync(join(ctx.h.dir, 'consume.mjs'), 'console.log("node", process.argv.slice(2).join(","), JSON.parse(process.env.WEIR_JOB_PARAMETERS).region)\n');
  const job = await ctx.h.createJob({
    name: 'kinds',
    parameters: [{ name: 'region', default: 'emea' }],
    tasks: [
      { task_key: 'produce', notebook_task: { notebook_path: 'produce' } },
      { task_key: 'count', depends_on: [{ task_key: 'produce' }], sql_task: { query: { query: 'SELECT count(*) AS n, :region AS region FROM kinds_t' } } },
      { task_key: 'enough', depends_on: [{ task_key: 'count' }], condition_task: { left: '{{tasks.produce.values.rows}}', op: 'GREATER_THAN_OR_EQUAL', right: '5' } },
      { task_key: 'py', depends_on: [{ task_key: 'enough', outcome: 'true' }], spark_python_task: { python_file: 'consume.py', parameters: ['{{tasks.produce.values.region}}', '{{job.parameters.region}}'] } },
      { task_key: 'node', depends_on: [{ task_key: 'enough', outcome: 'true' }], node_task: { script: 'consume.mjs', parameters: ['{{tasks.produce.values.rows}}', '{{task.name}}'] } },
    ],
  });
  const { run, tasks } = await ctx.h.runJob(job, { job_parameters: { region: 'apac' } });
  expect(run.result_state).toBe('SUCCESS');
  expect(tasks.produce.output.notebook_output?.result).toBe('apac:7');
  expect(tasks.produce.task_values).toEqual({ rows: 7, region: 'apac' });
  expect(tasks.count.output.sql_output?.rows).toEqual([[7, 'apac']]);
  expect(tasks.enough.outcome).toBe('true');
  expect(log(tasks.py)).toBe("py ['apac', 'apac'] py\n");
  expect(log(tasks.node)).toBe('node 7,node apac\n');
  // What was resolved is kept on the attempt.
  expect((tasks.node.resolved_values as { node_task: { parameters: string[] } }).node_task.parameters).toEqual(['7', 'node']);
});

it('fails a notebook task with the Python error and trace, and retries it', async () => {
  writeFileSync(join(ctx.h.dir, 'boom.py'), '# Databricks notebook source\nraise ValueError("bad input")\n');
  const job = await ctx.h.createJob({ name: 'nb-fail', tasks: [{ task_key: 'nb', max_retries: 1, notebook_task: { notebook_path: 'boom.py' } }] });
  const { run, all } = await ctx.h.runJob(job);
  expect(run.result_state).toBe('FAILED');
  expect(all).toHaveLength(2);
  expect(all[1].error).toBe('ValueError: bad input');
  expect(all[1].error_trace).toMatch(/Traceback[\s\S]*ValueError: bad input/);
});
