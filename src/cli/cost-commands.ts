import type { Command } from 'commander';
import { ApiClient, printJson } from './api-client.js';
import { cliToken } from './cli-token.js';

interface CostReportWire {
  job_id: number;
  compute_seconds: number;
  cost: { amount: number; currency: string };
  days: { date: string; run_count: number; compute_seconds: number; cost: { amount: number } }[];
  truncated?: boolean;
}

/** A client for a command group that already has --url/--token (from withServer). */
export function clientOf(group: Command): ApiClient {
  return new ApiClient(group.opts().url ?? process.env.WEIR_URL ?? 'http://127.0.0.1:8470', cliToken(group.opts().token));
}

/** Epoch ms of an ISO-8601 instant given on the command line; exits with a clear message otherwise. */
export function instantMs(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new Error(`${flag}: "${v}" is not an ISO-8601 instant; use e.g. 2026-01-01T00:00:00Z`);
  return ms;
}

/** `weir jobs cost JOB_ID`: the job's compute cost per day (weir's jobs/cost), added to the `jobs` group. */
export function registerCostCommands(program: Command): void {
  const jobs = program.commands.find((c) => c.name() === 'jobs');
  if (!jobs) throw new Error('registerCostCommands: register the jobs commands first');
  jobs
    .command('cost <job_id>')
    .description("the job's compute seconds and cost per day (runs started in [--from, --to])")
    .option('--from <time>', 'only runs started at or after this instant (ISO-8601)')
    .option('--to <time>', 'only runs started at or before this instant (ISO-8601)')
    .option('--json', 'print the raw response')
    .action(async (id, o) => {
      const r = await clientOf(jobs).call<CostReportWire>('GET', 'jobs/cost', {
        job_id: id,
        start_time_from: instantMs('--from', o.from),
        start_time_to: instantMs('--to', o.to),
      });
      if (o.json) {
        printJson(r);
        return;
      }
      process.stdout.write('date\truns\tcompute_s\tcost\n');
      for (const d of r.days) process.stdout.write(`${d.date}\t${d.run_count}\t${d.compute_seconds}\t${money(d.cost.amount, r.cost.currency)}\n`);
      process.stdout.write(`total\t${r.days.reduce((n, d) => n + d.run_count, 0)}\t${r.compute_seconds}\t${money(r.cost.amount, r.cost.currency)}\n`);
      if (r.truncated) process.stderr.write('only the newest 10,000 runs were counted; narrow --from/--to\n');
    });
}

/** An amount as shown in tables: 4 decimals (per-second prices make cents too coarse). */
export function money(amount: number, currency: string): string {
  return `${amount.toFixed(4)} ${currency}`;
}
