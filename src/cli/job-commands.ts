import type { Command } from 'commander';
import { readJobFile } from '../bundle/job-file.js';
import { type ApiClient, printJson as print, withServer } from './api-client.js';


/** `weir jobs …`: the Jobs API from the command line. */
export function registerJobCommands(program: Command): void {
  const jobs = program.command('jobs').description('create, list, change and run jobs on a weir server');
  const client = withServer(jobs);

  jobs
    .command('create')
    .argument('[file]', 'job file (YAML or JSON JobSettings)')
    .option('--json <json>', 'JobSettings as inline JSON')
    .action(async (file, o) => {
      const settings = o.json ? JSON.parse(o.json) : readJobFile(file).settings;
      print(await client().call('POST', 'jobs/create', settings));
    });
  jobs
    .command('list')
    .option('--name <name>', 'exact job name')
    .option('--limit <n>', 'jobs per page', '100')
    .option('--json', 'print the raw response')
    .action(async (o) => {
      const res = await client().call<{ jobs?: { job_id: number; settings: { name?: string } }[] }>('GET', 'jobs/list', { name: o.name, limit: o.limit });
      if (o.json) {
        print(res);
        return;
      }
      for (const j of res.jobs ?? []) process.stdout.write(`${j.job_id}\t${j.settings.name ?? ''}\n`);
    });
  jobs.command('get <job_id>').action(async (id) => print(await client().call('GET', 'jobs/get', { job_id: id })));
  jobs
    .command('update <job_id>')
    .argument('[file]', 'job file with the new settings (replaces them all, like jobs/reset)')
    .option('--json <json>', 'partial new_settings as JSON (merged, like jobs/update)')
    .action(async (id, file, o) => {
      if (o.json) await client().call('POST', 'jobs/update', { job_id: id, new_settings: JSON.parse(o.json) });
      else await client().call('POST', 'jobs/reset', { job_id: id, new_settings: readJobFile(file).settings });
      process.stdout.write(`updated job ${id}\n`);
    });
  jobs.command('delete <job_id>').action(async (id) => {
    await client().call('POST', 'jobs/delete', { job_id: id });
    process.stdout.write(`deleted job ${id}\n`);
  });
  jobs
    .command('run-now <job_id>')
    .option('--params <json>', 'job parameters as a JSON object')
    .action(async (id, o) => print(await client().call('POST', 'jobs/run-now', { job_id: id, job_parameters: o.params ? JSON.parse(o.params) : undefined })));
  jobs
    .command('backfill <job_id>')
    .description('one run per schedule tick in [--from, --to]; intervals that already succeeded are never re-run')
    .requiredOption('--from <time>', 'start of the range (ISO-8601, e.g. 2026-01-01T00:00:00Z)')
    .requiredOption('--to <time>', 'end of the range, inclusive (ISO-8601)')
    .option('--concurrency <n>', 'backfill runs active at once', '1')
    .option('--only-failed', 're-run only intervals whose runs failed (skip ones that never ran)')
    .option('--no-wait', 'start the backfill and print its id without waiting')
    .action(async (id, o) => {
      const started = await client().call<{ backfill_id: number; intervals_to_run: number; intervals_skipped: number }>('POST', 'jobs/backfill', {
        job_id: id,
        from: o.from,
        to: o.to,
        concurrency: o.concurrency,
        only_failed: o.onlyFailed ?? false,
      });
      process.stderr.write(`backfill ${started.backfill_id}: ${started.intervals_to_run} interval(s) to run, ${started.intervals_skipped} skipped\n`);
      if (!o.wait) {
        print(started);
        return;
      }
      process.exitCode = await waitForBackfill(client(), started.backfill_id);
    });
  jobs
    .command('schedule <job_id>')
    .description("the job's schedule in words and its next fire times")
    .option('--count <n>', 'fire times to show', '5')
    .action(async (id, o) => {
      const r = await client().call<{ description?: string; pause_status?: string; next_fire_times: string[] }>('GET', 'jobs/schedule/next', { job_id: id, count: o.count });
      if (!r.description) {
        process.stdout.write(`job ${id} has no schedule\n`);
        return;
      }
      process.stdout.write(`${r.description}${r.pause_status === 'PAUSED' ? ' (paused)' : ''}\n`);
      for (const t of r.next_fire_times) process.stdout.write(`${t}\n`);
    });
}

interface BackfillReport {
  state: string;
  summary: { succeeded: number; failed: number; running: number; missing: number };
  intervals: { logical_time: string; status: string; run_ids: number[] }[];
}

/** Polls a backfill until it is done, then prints one line per interval; exit code 1 when any interval failed. */
async function waitForBackfill(api: ApiClient, backfillId: number): Promise<number> {
  let last = '';
  for (;;) {
    const r = await api.call<BackfillReport>('GET', 'jobs/backfills/get', { backfill_id: backfillId });
    const line = `succeeded ${r.summary.succeeded}, failed ${r.summary.failed}, running ${r.summary.running}, missing ${r.summary.missing}`;
    if (line !== last) process.stderr.write(`backfill ${backfillId}: ${line}\n`);
    last = line;
    if (r.state !== 'RUNNING' && r.summary.running === 0) {
      for (const i of r.intervals) process.stdout.write(`${i.logical_time}\t${i.status}\t${i.run_ids.join(',')}\n`);
      return r.summary.failed > 0 || r.summary.missing > 0 ? 1 : 0;
    }
    await new Promise((res) => setTimeout(res, 500));
  }
}
