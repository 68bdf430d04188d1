import type { Command } from 'commander';
import { runRole } from './role-process.js';

/** Registers `weir worker`: claims runs of one pool from a shared PostgreSQL store and runs them. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run jobs claimed from a shared PostgreSQL store (scale-out; start any number on any machines)')
    .option('--store <url>', 'the shared store: postgres://user@host:port/db[?schema=name] (or WEIR_STORE)')
    .option('--pool <name>', 'claim runs of this pool (jobs choose theirs with the tag weir_pool; default "default", or WEIR_POOL)')
    .option('--slots <n>', 'tasks that may run at once in this worker (default 8)')
    .option('--worker-timeout <seconds>', 'a worker silent this long is declared lost and its runs recovered (default 10, or WEIR_WORKER_TIMEOUT)')
    .option('--poll-interval <seconds>', 'also look for work this often, besides NOTIFY wake-ups (default 2)')
    .option('--data-dir <dir>', "this process's folder: attempt logs, scratch, its DuckDB (one process per folder; default .weir)")
    .action((o) => runRole('worker', { executor: 'worker', scheduler: false }, o, (w) => `worker ${w.worker?.workerId} of pool ${w.config.pool} with ${w.config.slots} slot(s)`));
}
