import type { Command } from 'commander';
import { printJson as print, withServer } from './api-client.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface WireRun {
  run_id: number;
  job_id?: number;
  run_name?: string;
  start_time?: number;
  end_time?: number;
  state: { life_cycle_state: string; result_state?: string; state_message?: string };
  tasks?: { run_id: number; task_key: string; state: { life_cycle_state: string } }[];
}
const TERMINAL = new Set(['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR']);

/** `weir runs …`: inspect, follow, cancel and repair runs on a weir server. */
export function registerRunCommands(program: Command): void {
  const runs = program.command('runs').description('list, inspect, follow, cancel and repair runs');
  const client = withServer(runs);

  runs
    .command('list')
    .option('--job-id <id>', 'only runs of this job')
    .option('--active-only', 'only runs that have not ended')
    .option('--limit <n>', 'runs to show', '25')
    .option('--json', 'print the raw response')
    .action(async (o) => {
      const res = await client().call<{ runs?: WireRun[] }>('GET', 'jobs/runs/list', { job_id: o.jobId, active_only: o.activeOnly, limit: o.limit });
      if (o.json) {
        print(res);
        return;
      }
      for (const r of res.runs ?? []) {
        const when = r.start_time ? new Date(r.start_time).toISOString() : '-';
        process.stdout.write(`${r.run_id}\t${r.job_id ?? '-'}\t${r.state.result_state ?? r.state.life_cycle_state}\t${when}\t${r.run_name ?? ''}\n`);
      }
    });
  runs.command('get <run_id>').action(async (id) => print(await client().call('GET', 'jobs/runs/get', { run_id: id })));
  runs.command('get-output <task_run_id>').action(async (id) => print(await client().call('GET', 'jobs/runs/get-output', { run_id: id })));
  runs.command('cancel <run_id>').action(async (id) => {
    await client().call('POST', 'jobs/runs/cancel', { run_id: id });
    process.stdout.write(`cancel requested for run ${id}\n`);
  });
  runs
    .command('repair <run_id>')
    .option('--tasks <keys>', 'comma-separated task keys to rerun')
    .option('--all-failed', 'rerun every failed task')
    .option('--latest-repair-id <id>', 'required from the second repair on')
    .option('--no-dependents', 'do not rerun tasks that depend on the chosen ones')
    .action(async (id, o) => {
      print(
        await client().call('POST', 'jobs/runs/repair', {
          run_id: id,
          rerun_tasks: o.tasks ? String(o.tasks).split(',') : undefined,
          rerun_all_failed_tasks: o.allFailed ? true : undefined,
          rerun_dependent_tasks: o.dependents,
          latest_repair_id: o.latestRepairId,
        }),
      );
    });
  runs
    .command('logs <run_id>')
    .description('print the stdout and stderr of a task run (or of every task of a job run)')
    .option('--follow', 'keep printing until the run ends')
    .action(async (id, o) => {
      const c = client();
      const offsets = new Map<string, number>();
      for (;;) {
        const run = await c.call<WireRun>('GET', 'jobs/runs/get', { run_id: id }).catch(() => undefined);
        const taskIds = run?.tasks?.length ? run.tasks.map((t) => [t.run_id, t.task_key] as const) : [[Number(id), ''] as const];
        for (const [tid, key] of taskIds) {
          for (const stream of ['stdout', 'stderr']) {
            const k = `${tid}/${stream}`;
            const res = await c.call<{ content: string; next_offset: number }>('GET', 'jobs/runs/logs', { run_id: tid, stream, offset: offsets.get(k) ?? 0 });
            if (res.content) {
              const prefix = key && taskIds.length > 1 ? `[${key}] ` : '';
              const text = prefix ? res.content.replace(/^(?=.)/gm, prefix) : res.content;
              (stream === 'stdout' ? process.stdout : process.stderr).write(text);
            }
            offsets.set(k, res.next_offset);
          }
        }
        if (!o.follow || !run || TERMINAL.has(run.state.life_cycle_state)) break;
        await sleep(300);
      }
    });
}
