import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { type ApiClient, printJson as print, withServer } from './api-client.js';
import { money, registerCostCommands } from './cost-commands.js';

interface WireCluster {
  cluster_id: string;
  cluster_name?: string;
  state: string;
  state_message?: string;
  node_type_id?: string;
  num_workers?: number;
  cost?: { amount: number; currency: string };
}

/** A JSON object from --json, or from a JSON/YAML file. */
function objectArg(json: string | undefined, file: string | undefined, what: string): Record<string, unknown> {
  if (json === undefined && file === undefined) throw new Error(`pass ${what} as a file or with --json`);
  const text = json ?? readFileSync(file as string, 'utf8');
  const value: unknown = json !== undefined || /\.json$/i.test(file ?? '') ? JSON.parse(text) : parseYaml(text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} must be a JSON/YAML object`);
  return value as Record<string, unknown>;
}

/** Polls clusters/get until the cluster reaches `target`; exit code 1 when it ends up TERMINATED instead. */
async function waitFor(api: ApiClient, id: string, target: 'RUNNING' | 'TERMINATED'): Promise<number> {
  for (;;) {
    const c = await api.call<WireCluster>('GET', '/api/2.1/clusters/get', { cluster_id: id });
    if (c.state === target) return 0;
    if (c.state === 'TERMINATED' || c.state === 'ERROR') {
      process.stderr.write(`cluster ${id} is ${c.state}: ${c.state_message ?? ''}\n`);
      return 1;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** `weir clusters …`: the Clusters API from the command line. */
function registerClusterCommands(program: Command): void {
  const clusters = program.command('clusters').description('create, list, start, restart, edit and delete all-purpose clusters');
  const client = withServer(clusters);
  const path = (op: string) => `/api/2.1/clusters/${op}`;

  clusters
    .command('create')
    .argument('[file]', 'cluster spec (JSON or YAML)')
    .option('--json <json>', 'cluster spec as inline JSON')
    .option('--no-wait', 'do not wait for RUNNING')
    .action(async (file, o) => {
      const { cluster_id } = await client().call<{ cluster_id: string }>('POST', path('create'), objectArg(o.json, file, 'the cluster spec'));
      process.stdout.write(`${cluster_id}\n`);
      if (o.wait) process.exitCode = await waitFor(client(), cluster_id, 'RUNNING');
    });
  clusters.command('get <cluster_id>').action(async (id) => print(await client().call('GET', path('get'), { cluster_id: id })));
  clusters
    .command('list')
    .option('--json', 'print the raw response')
    .action(async (o) => {
      const res = await client().call<{ clusters?: WireCluster[] }>('GET', path('list'), { page_size: 1000 });
      if (o.json) return print(res);
      for (const c of res.clusters ?? []) {
        const cost = c.cost ? money(c.cost.amount, c.cost.currency) : '-';
        process.stdout.write(`${c.cluster_id}\t${c.state}\t${c.node_type_id ?? '-'} x${c.num_workers ?? 0}\t${cost}\t${c.cluster_name ?? ''}\n`);
      }
    });
  for (const [name, op, target, verb] of [
    ['start', 'start', 'RUNNING', 'started'],
    ['restart', 'restart', 'RUNNING', 'restarted'],
    ['delete', 'delete', 'TERMINATED', 'terminated'],
  ] as const) {
    clusters
      .command(`${name} <cluster_id>`)
      .option('--no-wait', `do not wait for ${target}`)
      .action(async (id, o) => {
        await client().call('POST', path(op), { cluster_id: id });
        process.exitCode = o.wait ? await waitFor(client(), id, target) : 0;
        if (!process.exitCode) process.stdout.write(`${o.wait ? verb : `${name} requested for`} cluster ${id}\n`);
      });
  }
  clusters.command('permanent-delete <cluster_id>').action(async (id) => {
    await client().call('POST', path('permanent-delete'), { cluster_id: id });
    process.stdout.write(`deleted cluster ${id}\n`);
  });
  clusters
    .command('edit <cluster_id>')
    .argument('[file]', 'the new cluster spec (JSON or YAML; replaces the old one)')
    .option('--json <json>', 'the new cluster spec as inline JSON')
    .action(async (id, file, o) => {
      await client().call('POST', path('edit'), { ...objectArg(o.json, file, 'the cluster spec'), cluster_id: id });
      process.stdout.write(`edited cluster ${id}\n`);
    });
  clusters
    .command('events <cluster_id>')
    .option('--limit <n>', 'events to show (newest first)', '50')
    .action(async (id, o) => {
      const res = await client().call<{ events?: { timestamp: number; type: string; details: unknown }[] }>('POST', path('events'), { cluster_id: id, limit: Number(o.limit), order: 'DESC' });
      for (const e of res.events ?? []) process.stdout.write(`${new Date(e.timestamp).toISOString()}\t${e.type}\t${JSON.stringify(e.details)}\n`);
    });
  clusters.command('node-types').action(async () => print(await client().call('GET', path('list-node-types'))));
}

/** `weir cluster-policies …`: the Cluster Policies API from the command line. */
function registerPolicyCommands(program: Command): void {
  const policies = program.command('cluster-policies').description('create, list, edit and delete cluster policies');
  const client = withServer(policies);
  const path = (op: string) => `/api/2.0/policies/clusters/${op}`;
  const definition = (v: string) => (v.startsWith('@') ? readFileSync(v.slice(1), 'utf8') : v);
  policies
    .command('create')
    .requiredOption('--name <name>', 'policy name (unique)')
    .requiredOption('--definition <json>', 'policy definition JSON, or @file')
    .option('--description <text>')
    .action(async (o) => {
      const r = await client().call<{ policy_id: string }>('POST', path('create'), { name: o.name, definition: definition(o.definition), description: o.description });
      process.stdout.write(`${r.policy_id}\n`);
    });
  policies.command('get <policy_id>').action(async (id) => print(await client().call('GET', path('get'), { policy_id: id })));
  policies.command('list').action(async () => {
    const r = await client().call<{ policies?: { policy_id: string; name: string }[] }>('GET', path('list'));
    for (const p of r.policies ?? []) process.stdout.write(`${p.policy_id}\t${p.name}\n`);
  });
  policies
    .command('edit <policy_id>')
    .requiredOption('--name <name>', 'policy name')
    .requiredOption('--definition <json>', 'policy definition JSON, or @file')
    .option('--description <text>')
    .action(async (id, o) => {
      await client().call('POST', path('edit'), { policy_id: id, name: o.name, definition: definition(o.definition), description: o.description });
      process.stdout.write(`edited policy ${id}\n`);
    });
  policies.command('delete <policy_id>').action(async (id) => {
    await client().call('POST', path('delete'), { policy_id: id });
    process.stdout.write(`deleted policy ${id}\n`);
  });
}

/** Registers `weir clusters …`, `weir cluster-policies …` and `weir jobs cost` (call after the jobs commands). */
export function registerComputeCommands(program: Command): void {
  registerClusterCommands(program);
  registerPolicyCommands(program);
  registerCostCommands(program);
}
