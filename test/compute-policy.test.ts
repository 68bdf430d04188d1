import { describe, expect, test } from 'vitest';
import {
  applyPolicyDefaults,
  assertNoViolations,
  checkClusterAgainstPolicy,
  parsePolicyDefinition,
  selectPath,
  type ClusterPolicy,
} from '../src/domain/cluster-policy.js';
import { isWeirError } from '../src/domain/weir-error.js';

const policy = (definition: Record<string, unknown>, name = 'p'): ClusterPolicy => ({ policy_id: 'P1', name, definition: parsePolicyDefinition(definition) });
const messages = (spec: Record<string, unknown>, p: ClusterPolicy, o = {}) => checkClusterAgainstPolicy(spec, p, o).map((v) => `${v.path}: ${v.message}`);

describe('cluster policy rules', () => {
  test('fixed: a different value is refused, the same value (also as a string) and absence pass', () => {
    const p = policy({ spark_version: { type: 'fixed', value: '15.4.x-scala2.12' }, num_workers: { type: 'fixed', value: 2 } }, 'pinned');
    expect(messages({ spark_version: '15.4.x-scala2.12', num_workers: '2' }, p)).toEqual([]);
    expect(messages({}, p)).toEqual([]);
    expect(messages({ spark_version: '13.3.x-scala2.12' }, p)).toEqual(['spark_version: "13.3.x-scala2.12" is not allowed by policy "pinned"; it is fixed to "15.4.x-scala2.12"']);
  });

  test('forbidden: any value is refused, absence passes', () => {
    const p = policy({ 'spark_env_vars.DEBUG': { type: 'forbidden' }, instance_pool_id: { type: 'forbidden' } }, 'locked');
    expect(messages({ spark_env_vars: { OTHER: '1' } }, p)).toEqual([]);
    expect(messages({ spark_env_vars: { DEBUG: '1' }, instance_pool_id: 'x' }, p)).toEqual([
      'spark_env_vars.DEBUG: is forbidden by policy "locked"; remove it',
      'instance_pool_id: is forbidden by policy "locked"; remove it',
    ]);
  });

  test('allowlist: the error names the field path, the value, the policy and the allowed values', () => {
    const p = policy({ node_type_id: { type: 'allowlist', values: ['i3.xlarge', 'm5d.large'] } }, 'small-only');
    expect(messages({ node_type_id: 'm5d.large' }, p)).toEqual([]);
    expect(messages({ node_type_id: 'i3.8xlarge' }, p, { prefix: 'tasks[2].new_cluster' })).toEqual([
      'tasks[2].new_cluster.node_type_id: "i3.8xlarge" is not allowed by policy "small-only"; allowed: i3.xlarge, m5d.large',
    ]);
    // Limiting rules require a value unless isOptional or a defaultValue says otherwise.
    expect(messages({}, p)).toEqual(['node_type_id: is required by policy "small-only"; set it (one of i3.xlarge, m5d.large)']);
    expect(messages({}, policy({ node_type_id: { type: 'allowlist', values: ['a'], isOptional: true } }))).toEqual([]);
  });

  test('blocklist refuses listed values only', () => {
    const p = policy({ data_security_mode: { type: 'blocklist', values: ['NONE'] } }, 'secure');
    expect(messages({ data_security_mode: 'SINGLE_USER' }, p)).toEqual([]);
    expect(messages({ data_security_mode: 'NONE' }, p)).toEqual(['data_security_mode: "NONE" is blocked by policy "secure"; use a value other than NONE']);
  });

  test('range: min/max inclusive on nested paths; non-numbers refused', () => {
    const p = policy({ 'autoscale.max_workers': { type: 'range', maxValue: 4 }, autotermination_minutes: { type: 'range', minValue: 10, maxValue: 60 } }, 'small');
    expect(messages({ autoscale: { min_workers: 1, max_workers: 4 }, autotermination_minutes: 10 }, p)).toEqual([]);
    expect(messages({ autoscale: { min_workers: 1, max_workers: 8 }, autotermination_minutes: 0 }, p)).toEqual([
      'autoscale.max_workers: 8 is out of the range allowed by policy "small"; use a value of at most 4',
      'autotermination_minutes: 0 is out of the range allowed by policy "small"; use a value from 10 to 60',
    ]);
    expect(messages({ autoscale: { max_workers: 'many' }, autotermination_minutes: 20 }, p)[0]).toMatch(/"many" is not a number/);
  });

  test('regex: the whole value must match; map keys with dots are one attribute', () => {
    const p = policy({ 'custom_tags.team': { type: 'regex', pattern: '[a-z]+' }, 'spark_conf.spark.sql.shuffle.partitions': { type: 'fixed', value: '8' } }, 'tags');
    expect(messages({ custom_tags: { team: 'data' }, spark_conf: { 'spark.sql.shuffle.partitions': '8' } }, p)).toEqual([]);
    expect(messages({ custom_tags: { team: 'Data-1' }, spark_conf: { 'spark.sql.shuffle.partitions': '200' } }, p)).toEqual([
      'custom_tags.team: "Data-1" does not match the pattern "[a-z]+" required by policy "tags"',
      'spark_conf.spark.sql.shuffle.partitions: "200" is not allowed by policy "tags"; it is fixed to "8"',
    ]);
  });

  test('unlimited accepts anything; wildcards fan out over init_scripts', () => {
    const p = policy({ cluster_name: { type: 'unlimited' }, 'init_scripts.*.workspace.destination': { type: 'regex', pattern: '/Shared/.*' } }, 'scripts');
    expect(messages({ cluster_name: 'anything' }, p)).toEqual([]);
    const spec = { init_scripts: [{ workspace: { destination: '/Shared/ok.sh' } }, { workspace: { destination: '/Users/me/x.sh' } }] };
    expect(messages(spec, p)).toEqual(['init_scripts[1].workspace.destination: "/Users/me/x.sh" does not match the pattern "/Shared/.*" required by policy "scripts"']);
    expect(selectPath(spec, 'init_scripts.0.workspace.destination')).toEqual([{ path: 'init_scripts[0].workspace.destination', value: '/Shared/ok.sh' }]);
  });

  test('num_workers rules skip autoscaled clusters and autoscale.* rules skip fixed-size ones; tags stay required', () => {
    const p = policy({ num_workers: { type: 'range', maxValue: 2 }, 'autoscale.max_workers': { type: 'range', maxValue: 4 }, 'custom_tags.team': { type: 'allowlist', values: ['data'] } }, 'size');
    expect(messages({ num_workers: 2, custom_tags: { team: 'data' } }, p)).toEqual([]);
    expect(messages({ autoscale: { min_workers: 1, max_workers: 4 }, custom_tags: { team: 'data' } }, p)).toEqual([]);
    expect(messages({ autoscale: { min_workers: 1 } }, p)).toEqual([
      'autoscale.max_workers: is required by policy "size"; set it (a value of at most 4)',
      'custom_tags.team: is required by policy "size"; set it (one of data)',
    ]);
  });

  test('cluster_type: a policy for job clusters refuses all-purpose clusters', () => {
    const p = policy({ cluster_type: { type: 'fixed', value: 'job' } }, 'jobs-only');
    expect(messages({}, p, { clusterType: 'job' })).toEqual([]);
    expect(messages({}, p, { clusterType: 'all-purpose' })).toEqual(['cluster_type: "all-purpose" is not allowed by policy "jobs-only"; it is fixed to "job"']);
  });

  test('applyPolicyDefaults fills fixed values and defaults the spec leaves out, keeping what it sets', () => {
    const p = policy({
      spark_version: { type: 'fixed', value: '15.4.x-scala2.12' },
      node_type_id: { type: 'allowlist', values: ['i3.xlarge', 'm5d.large'], defaultValue: 'm5d.large' },
      'custom_tags.team': { type: 'fixed', value: 'data' },
      autotermination_minutes: { type: 'range', maxValue: 60, defaultValue: 30 },
    });
    const spec = applyPolicyDefaults({ node_type_id: 'i3.xlarge', other: { kept: true } }, p);
    expect(spec).toEqual({ node_type_id: 'i3.xlarge', other: { kept: true }, spark_version: '15.4.x-scala2.12', custom_tags: { team: 'data' }, autotermination_minutes: 30 });
    expect(checkClusterAgainstPolicy(spec, p)).toEqual([]);
  });

  test('assertNoViolations throws VALIDATION.INVALID listing every violation', () => {
    const p = policy({ node_type_id: { type: 'allowlist', values: ['a'] }, num_workers: { type: 'range', maxValue: 1 } }, 'x');
    let err: unknown;
    try {
      assertNoViolations(checkClusterAgainstPolicy({ node_type_id: 'b', num_workers: 3 }, p, { prefix: 'job_clusters[0].new_cluster' }));
    } catch (e) {
      err = e;
    }
    expect(isWeirError(err, 'VALIDATION.INVALID')).toBe(true);
    expect((err as Error).message).toBe(
      'job_clusters[0].new_cluster.node_type_id: "b" is not allowed by policy "x"; allowed: a; job_clusters[0].new_cluster.num_workers: 3 is out of the range allowed by policy "x"; use a value of at most 1',
    );
  });
});

describe('policy definitions', () => {
  test('a JSON string parses; bad JSON, unknown types and incomplete rules are refused with the attribute path', () => {
    expect(parsePolicyDefinition('{"node_type_id": {"type": "fixed", "value": "i3.xlarge"}}')).toEqual({ node_type_id: { type: 'fixed', value: 'i3.xlarge' } });
    expect(() => parsePolicyDefinition('{nope')).toThrow(/definition: not valid JSON/);
    expect(() => parsePolicyDefinition({ a: { type: 'sometimes' } })).toThrow(/definition\.a\.type/);
    expect(() => parsePolicyDefinition({ a: { type: 'allowlist', values: [] } })).toThrow('definition.a: a "allowlist" rule needs a non-empty "values" list');
    expect(() => parsePolicyDefinition({ a: { type: 'range' } })).toThrow('definition.a: a "range" rule needs "minValue" or "maxValue"');
    expect(() => parsePolicyDefinition({ a: { type: 'regex', pattern: '(' } })).toThrow(/definition\.a: pattern is not a valid regular expression/);
    expect(() => parsePolicyDefinition({ a: { type: 'fixed' } })).toThrow('definition.a: a "fixed" rule needs "value"');
  });
});
