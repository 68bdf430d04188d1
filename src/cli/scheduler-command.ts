import type { Command } from 'commander';
import { runRole } from './role-process.js';

/** Registers `weir scheduler`: fires job triggers as queued runs on a shared PostgreSQL store. */
export function registerSchedulerCommand(program: Command): void {
  program
    .command('scheduler')
    .description('fire schedules and triggers as queued runs on a shared PostgreSQL store (scale-out; several may run, each tick fires once)')
    .option('--store <url>', 'the shared store: postgres://user@host:port/db[?schema=name] (or WEIR_STORE)')
    .option('--worker-timeout <seconds>', 'declare workers silent this long lost (default 10, or WEIR_WORKER_TIMEOUT)')
    .option('--data-dir <dir>', "this process's folder (one process per folder; default .weir)")
    .action((o) => runRole('scheduler', { executor: 'none', scheduler: true }, o, () => 'firing triggers'));
}
