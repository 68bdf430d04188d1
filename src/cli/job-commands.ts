import type { Command } from 'commander';
import { readJobFile } from '../bundle/job-file.js';
import { printJson as print, withServer } from './api-client.js';


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
}
