import { describe, expect, it } from 'vitest';
import { parseJobSettings } from '../src/domain/parse-job-settings.js';
import { WeirError } from '../src/domain/weir-error.js';
import { resolveString, type ReferenceScope } from '../src/executor/references.js';

const sh = (task_key: string, extra: Record<string, unknown> = {}) => ({ task_key, shell_task: { command: 'true' }, ...extra });
const codeOf = (settings: unknown): [string, string] => {
  try {
    parseJobSettings(settings);
  } catch (e) {
    if (e instanceof WeirError) return [e.code, e.message];
    throw e;
  }
  return ['OK', ''];
};

describe('job settings validation', () => {
  it('rejects a duplicate task_key with its path', () => {
    expect(codeOf({ tasks: [sh('a'), sh('a')] })).toEqual(['JOB.DUPLICATE_TASK_KEY', expect.stringMatching(/^tasks\[1\]\.task_key: duplicate task_key "a"/)]);
  });
  it('rejects an unknown dependency, listing the known keys', () => {
    expect(codeOf({ tasks: [sh('a', { depends_on: [{ task_key: 'zz' }] })] })).toEqual(['JOB.UNKNOWN_DEPENDENCY', expect.stringMatching(/tasks\[0\]\.depends_on\[0\]\.task_key: .*"zz".*known: a/)]);
  });
  it('names the cycle', () => {
    const [code, msg] = codeOf({ tasks: [sh('a', { depends_on: [{ task_key: 'c' }] }), sh('b', { depends_on: [{ task_key: 'a' }] }), sh('c', { depends_on: [{ task_key: 'b' }] })] });
    expect(code).toBe('JOB.CYCLE');
    expect(msg).toMatch(/a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c/);
  });
  it('rejects an outcome edge from a task that is not a condition', () => {
    expect(codeOf({ tasks: [sh('a'), sh('b', { depends_on: [{ task_key: 'a', outcome: 'true' }] })] })[0]).toBe('JOB.OUTCOME_ON_NON_CONDITION');
  });
  it('rejects nested for_each and dependencies on the nested task', () => {
    const nested = { task_key: 'x', for_each_task: { inputs: '[1]', task: sh('y') } };
    expect(codeOf({ tasks: [{ task_key: 'l', for_each_task: { inputs: '[1]', task: nested } }] })[0]).toBe('JOB.INVALID_FOR_EACH');
    expect(codeOf({ tasks: [sh('a'), { task_key: 'l', for_each_task: { inputs: '[1]', task: sh('y', { depends_on: [{ task_key: 'a' }] }) } }] })[0]).toBe('JOB.INVALID_FOR_EACH');
  });
  it('requires exactly one task kind and names unsupported ones', () => {
    expect(codeOf({ tasks: [{ task_key: 'a' }] })[0]).toBe('JOB.TASK_KIND');
    expect(codeOf({ tasks: [{ task_key: 'a', shell_task: { command: 'x' }, node_task: { script: 'y.js' } }] })[1]).toMatch(/shell_task and node_task/);
    expect(codeOf({ tasks: [{ task_key: 'a', dbt_task: { commands: ['dbt run'] } }] })[1]).toMatch(/cannot run dbt_task/);
  });
  it('keeps fields weir does not act on, coerces numbers sent as strings, rejects wrong types with the path', () => {
    const s = parseJobSettings({ tasks: [sh('a', { max_retries: '2', new_cluster: { spark_version: '15.4.x-scala2.12', num_workers: 2, aws_attributes: { zone_id: 'auto' } } })], run_as: { user_name: 'x@y' } });
    expect(s.tasks?.[0].max_retries).toBe(2);
    expect(s.tasks?.[0].new_cluster).toEqual({ spark_version: '15.4.x-scala2.12', num_workers: 2, aws_attributes: { zone_id: 'auto' } });
    expect(s.run_as).toEqual({ user_name: 'x@y' });
    expect(codeOf({ tasks: [sh('a', { timeout_seconds: true })] })[1]).toMatch(/^tasks\[0\]\.timeout_seconds: /);
  });
});

describe('dynamic value references', () => {
  const scope: ReferenceScope = {
    jobId: 7, jobName: 'etl', runId: 99, repairCount: 1, startTime: Date.UTC(2026, 10, 29, 6, 5, 4), triggerType: 'PERIODIC',
    parameters: { 'my-param': 'v', day: 'mon' }, taskKey: 't', taskRunId: 100, executionCount: 2,
    tasks: { up: { runId: 98, resultState: 'SUCCESS', values: { n: 3, obj: { a: 1 } } } }, workspaceUrl: 'http://w',
  };
  it('resolves job, task, tasks, time parts and legacy forms', () => {
    expect(resolveString('{{job.id}}/{{job.run_id}}/{{job.name}}/{{job.repair_count}}', scope)).toBe('7/99/etl/1');
    expect(resolveString('{{job.start_time.iso_date}} {{job.start_time.iso_weekday}} {{job.start_time.is_weekday}} {{job.start_time.hour}}', scope)).toBe('2026-11-29 7 false 6');
    expect(resolveString('{{job.parameters.`my-param`}} {{ job.parameters.day }}', scope)).toBe('v mon');
    expect(resolveString('{{tasks.up.values.n}} {{tasks.up.values.obj}} {{tasks.up.result_state}}', scope)).toBe('3 {"a":1} success');
    expect(resolveString('{{task.name}} {{task.execution_count}} {{job.trigger.type}}', scope)).toBe('t 2 periodic');
    expect(resolveString('{{job_id}} {{run_id}} {{parent_run_id}} {{start_date}} {{task_key}}', scope)).toBe('7 100 99 2026-11-29 t');
  });
  it('leaves malformed or foreign text alone and rejects unknown keys of known namespaces', () => {
    expect(resolveString('{{job.id} and {{other.thing}} and {not}', scope)).toBe('{{job.id} and {{other.thing}} and {not}');
    expect(() => resolveString('{{job.notebook_url}}', scope)).toThrow(/unknown reference/);
    expect(() => resolveString('{{tasks.up.values.missing}}', scope)).toThrow(/did not set it/);
    expect(() => resolveString('{{job.start_time.century}}', scope)).toThrow(/time part "century"/);
  });
});
