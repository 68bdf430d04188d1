import { z } from 'zod';
import { WeirError } from './weir-error.js';
import { formatIssues } from './wire.js';

/** One rule of a policy definition (Databricks cluster policy definition JSON). */
export const PolicyRule = z.looseObject({
  type: z.enum(['fixed', 'forbidden', 'allowlist', 'blocklist', 'range', 'regex', 'unlimited']),
  value: z.unknown().optional(),
  values: z.array(z.unknown()).optional(),
  minValue: z.number().optional(),
  maxValue: z.number().optional(),
  /** regex rules: the pattern the whole value must match (Databricks names it `pattern`; `value` is accepted too). */
  pattern: z.string().optional(),
  defaultValue: z.unknown().optional(),
  isOptional: z.boolean().optional(),
  hidden: z.boolean().optional(),
});
export type PolicyRule = z.infer<typeof PolicyRule>;

/** A policy definition: attribute path (`node_type_id`, `autoscale.max_workers`, `spark_env_vars.X`, `init_scripts.*.workspace.destination`, `cluster_type`) → rule. */
export const PolicyDefinition = z.record(z.string().min(1), PolicyRule);
export type PolicyDefinition = z.infer<typeof PolicyDefinition>;

/** A cluster policy as weir checks it. */
export interface ClusterPolicy {
  policy_id: string;
  name: string;
  definition: PolicyDefinition;
}

/** One policy violation: the field path (in the caller's terms) and what is wrong. */
export interface PolicyViolation {
  path: string;
  message: string;
}

/** Parses a policy `definition` (a JSON string, as the API carries it, or an object); errors say where. */
export function parsePolicyDefinition(definition: unknown, field = 'definition'): PolicyDefinition {
  let value = definition;
  if (typeof definition === 'string') {
    try {
      value = JSON.parse(definition);
    } catch (e) {
      throw new WeirError('VALIDATION.INVALID', `${field}: not valid JSON (${(e as Error).message}); pass a JSON object of attribute path → rule, e.g. {"node_type_id": {"type": "allowlist", "values": ["i3.xlarge"]}}`);
    }
  }
  const r = PolicyDefinition.safeParse(value);
  if (!r.success) throw new WeirError('VALIDATION.INVALID', formatIssues(r.error, field));
  for (const [path, rule] of Object.entries(r.data)) checkRuleShape(path, rule, field);
  return r.data;
}

function checkRuleShape(path: string, rule: PolicyRule, field: string): void {
  const bad = (what: string) => {
    throw new WeirError('VALIDATION.INVALID', `${field}.${path}: a "${rule.type}" rule needs ${what}`);
  };
  if (rule.type === 'fixed' && rule.value === undefined) bad('"value"');
  if ((rule.type === 'allowlist' || rule.type === 'blocklist') && !rule.values?.length) bad('a non-empty "values" list');
  if (rule.type === 'range' && rule.minValue === undefined && rule.maxValue === undefined) bad('"minValue" or "maxValue"');
  if (rule.type === 'regex') {
    const pattern = rule.pattern ?? rule.value;
    if (typeof pattern !== 'string') bad('a "pattern" string');
    try {
      new RegExp(pattern as string);
    } catch (e) {
      throw new WeirError('VALIDATION.INVALID', `${field}.${path}: pattern is not a valid regular expression: ${(e as Error).message}`);
    }
  }
}

/** Map-valued spec fields: the rest of a policy path after them is one key (keys contain dots: spark.foo.bar). */
const MAP_FIELDS = new Set(['spark_conf', 'spark_env_vars', 'custom_tags']);

/** The values a policy path selects in a spec (wildcards `*` fan out over arrays), each with its concrete path. */
export function selectPath(spec: Record<string, unknown>, path: string): { path: string; value: unknown }[] {
  const dot = path.indexOf('.');
  const head = dot < 0 ? path : path.slice(0, dot);
  if (MAP_FIELDS.has(head) && dot >= 0) {
    const map = spec[head] as Record<string, unknown> | undefined;
    const key = path.slice(dot + 1);
    return [{ path: `${head}.${key}`, value: map?.[key] }];
  }
  let nodes: { path: string; value: unknown }[] = [{ path: '', value: spec }];
  for (const part of path.split('.')) {
    const next: { path: string; value: unknown }[] = [];
    for (const n of nodes) {
      if (Array.isArray(n.value)) {
        const indexes = part === '*' ? n.value.map((_, i) => i) : /^\d+$/.test(part) ? [Number(part)] : [];
        for (const i of indexes) next.push({ path: `${n.path}[${i}]`, value: n.value[i] });
      } else if (part !== '*') {
        // A wildcard over a missing list selects nothing: there is no element to check.
        const obj = n.value !== null && typeof n.value === 'object' ? (n.value as Record<string, unknown>) : undefined;
        next.push({ path: n.path ? `${n.path}.${part}` : part, value: obj?.[part] });
      }
    }
    nodes = next;
  }
  return nodes;
}

/** How a spec is checked: the field path prefix of errors and the kind of cluster (policy attribute `cluster_type`). */
export interface PolicyCheckOptions {
  prefix?: string;
  clusterType?: 'job' | 'all-purpose';
}

/**
 * Checks a cluster spec against a policy, returning one violation per rule broken, each with the full field path,
 * e.g. `tasks[2].new_cluster.node_type_id: "i3.8xlarge" is not allowed by policy "small-only"; allowed: i3.xlarge`.
 */
export function checkClusterAgainstPolicy(spec: Record<string, unknown>, policy: ClusterPolicy, o: PolicyCheckOptions = {}): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  const withVirtual = { ...spec, cluster_type: o.clusterType ?? spec.cluster_type };
  for (const [attr, rule] of Object.entries(policy.definition)) {
    const optional = alternativeAbsent(withVirtual, attr);
    for (const sel of selectPath(withVirtual, attr)) {
      if (optional && (sel.value === undefined || sel.value === null)) continue;
      const problem = ruleProblem(rule, sel.value, policy.name);
      if (problem) out.push({ path: o.prefix ? `${o.prefix}.${sel.path}` : sel.path, message: problem });
    }
  }
  return out;
}

/**
 * True when a rule's attribute is not needed by this spec: `num_workers` on an autoscaled cluster, or a field of an
 * absent nested object (`autoscale.max_workers` on a fixed-size cluster, `aws_attributes.*` without them). Map
 * entries (`custom_tags.team`) stay required: a policy uses them to demand tags.
 */
function alternativeAbsent(spec: Record<string, unknown>, attr: string): boolean {
  if (attr === 'num_workers') return spec.autoscale !== undefined && spec.autoscale !== null;
  const head = attr.split('.')[0];
  return attr.includes('.') && !MAP_FIELDS.has(head) && (spec[head] === undefined || spec[head] === null);
}

const show = (v: unknown) => JSON.stringify(v);
const list = (vs: unknown[] | undefined) => (vs ?? []).map((v) => (typeof v === 'string' ? v : show(v))).join(', ');

function ruleProblem(rule: PolicyRule, value: unknown, policy: string): string | undefined {
  const by = `by policy "${policy}"`;
  if (value === undefined || value === null) {
    if (rule.type === 'forbidden' || rule.type === 'fixed' || rule.type === 'unlimited') return undefined;
    if (rule.isOptional || rule.defaultValue !== undefined) return undefined;
    return `is required ${by}; set it (${describeRule(rule)})`;
  }
  switch (rule.type) {
    case 'forbidden':
      return `is forbidden ${by}; remove it`;
    case 'fixed':
      return sameValue(value, rule.value) ? undefined : `${show(value)} is not allowed ${by}; it is fixed to ${show(rule.value)}`;
    case 'allowlist':
      return rule.values!.some((v) => sameValue(value, v)) ? undefined : `${show(value)} is not allowed ${by}; allowed: ${list(rule.values)}`;
    case 'blocklist':
      return rule.values!.some((v) => sameValue(value, v)) ? `${show(value)} is blocked ${by}; use a value other than ${list(rule.values)}` : undefined;
    case 'range': {
      const n = Number(value);
      if (!Number.isFinite(n)) return `${show(value)} is not a number, but policy "${policy}" limits it to ${describeRule(rule)}`;
      if ((rule.minValue !== undefined && n < rule.minValue) || (rule.maxValue !== undefined && n > rule.maxValue)) {
        return `${n} is out of the range allowed ${by}; use ${describeRule(rule)}`;
      }
      return undefined;
    }
    case 'regex': {
      const pattern = String(rule.pattern ?? rule.value);
      return new RegExp(`^(?:${pattern})$`).test(String(value)) ? undefined : `${show(value)} does not match the pattern ${show(pattern)} required ${by}`;
    }
    default:
      return undefined;
  }
}

/** Compares a spec value with a policy value; numbers arrive as strings from Airflow, so "2" equals 2. */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'object' || typeof b === 'object') return show(a) === show(b);
  return String(a) === String(b);
}

function describeRule(rule: PolicyRule): string {
  if (rule.type === 'range') {
    if (rule.minValue !== undefined && rule.maxValue !== undefined) return `a value from ${rule.minValue} to ${rule.maxValue}`;
    return rule.minValue !== undefined ? `a value of at least ${rule.minValue}` : `a value of at most ${rule.maxValue}`;
  }
  if (rule.type === 'allowlist') return `one of ${list(rule.values)}`;
  if (rule.type === 'regex') return `a value matching ${show(rule.pattern ?? rule.value)}`;
  if (rule.type === 'blocklist') return `a value other than ${list(rule.values)}`;
  return 'any value';
}

/**
 * The spec with the policy's fixed values and defaultValues filled in where the spec leaves them out (what
 * Databricks does on cluster creation), so a spec naming only policy_id gets a complete cluster.
 */
export function applyPolicyDefaults<T extends Record<string, unknown>>(spec: T, policy: ClusterPolicy): T {
  const out = structuredClone(spec) as Record<string, unknown>;
  for (const [attr, rule] of Object.entries(policy.definition)) {
    const fill = rule.type === 'fixed' ? rule.value : rule.defaultValue;
    if (fill === undefined || attr === 'cluster_type' || attr.includes('*')) continue;
    if (selectPath(out, attr)[0]?.value !== undefined) continue;
    setPath(out, attr, fill);
  }
  return out as T;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const dot = path.indexOf('.');
  const head = dot < 0 ? path : path.slice(0, dot);
  if (dot < 0) {
    obj[head] = value;
    return;
  }
  const child = (obj[head] ??= {}) as Record<string, unknown>;
  if (MAP_FIELDS.has(head)) child[path.slice(dot + 1)] = value;
  else setPath(child, path.slice(dot + 1), value);
}

/** Throws VALIDATION.INVALID listing every violation ("path: message; …") when there is any. */
export function assertNoViolations(violations: PolicyViolation[]): void {
  if (!violations.length) return;
  throw new WeirError('VALIDATION.INVALID', violations.map((v) => `${v.path}: ${v.message}`).join('; '), { params: { violations } });
}
