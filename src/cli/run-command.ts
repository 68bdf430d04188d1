import { loadConfig } from '../config/config.js';
import { readJobFile } from '../bundle/job-file.js';
import { startWeir } from '../main.js';
import { ProgressPrinter } from './progress.js';

/** `weir run FILE`: runs a job file on the embedded engine with live progress; resolves to the exit code. */
export async function runJobFile(file: string, opts: { dataDir?: string; params?: string; slots?: string }): Promise<number> {
  const jf = readJobFile(file);
  const params = opts.params ? (JSON.parse(opts.params) as Record<string, string>) : undefined;
  const weir = await startWeir(loadConfig({ dataDir: opts.dataDir, slots: opts.slots }));
  try {
    const name = jf.settings.name ?? jf.path;
    const existing = await weir.store.findJobByName(name);
    let jobId: number;
    if (existing) {
      await weir.store.replaceSettings(existing.job_id, { ...jf.settings, name });
      jobId = existing.job_id;
    } else {
      jobId = await weir.store.createJob({ settings: { ...jf.settings, name }, creator_user_name: 'cli', created_time: Date.now(), source_dir: jf.sourceDir });
    }
    const run = await weir.runs.runNow(jobId, { job_parameters: params });
    const t0 = Date.now();
    const printer = new ProgressPrinter((l) => process.stdout.write(l + '\n'), t0);
    process.stdout.write(`job "${name}" (job ${jobId}), run ${run.run_id}\n`);
    const done = weir.executor.waitForRun(run.run_id);
    // Ctrl-C cancels the run (killing its processes) instead of leaving them behind; a second Ctrl-C exits at once.
    const onInterrupt = () => {
      process.stdout.write('\ncancelling the run (Ctrl-C again to quit at once)…\n');
      process.once('SIGINT', () => process.exit(130));
      void weir.executor.cancelRun(run.run_id);
    };
    process.once('SIGINT', onInterrupt);
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      printer.update(await weir.store.listTaskRuns(run.run_id), Date.now());
      await Promise.race([done, new Promise((r) => setTimeout(r, 100))]);
    }
    const end = await done;
    process.removeListener('SIGINT', onInterrupt);
    const tasks = await weir.store.listTaskRuns(run.run_id);
    printer.update(tasks, Date.now());
    process.stdout.write(printer.summary(end, tasks) + '\n');
    return end.result_state === 'SUCCESS' ? 0 : 1;
  } finally {
    await weir.close();
  }
}
