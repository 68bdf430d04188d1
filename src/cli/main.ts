import { Command } from 'commander';
import { registerCronCommands } from './cron-commands.js';
import { registerPipelineCommands } from './pipeline-commands.js';
import { registerJobCommands } from './job-commands.js';
import { registerRunCommands } from './run-commands.js';
import { runJobFile } from './run-command.js';
import { runServer } from './server-command.js';
import { registerSecretCommands } from './secret-commands.js';
import { registerTokenCommands } from './token-commands.js';
import { registerServicePrincipalCommands } from './service-principal-commands.js';
import { registerSqlCommand } from './sql-command.js';
import { registerWorkerCommand } from './worker-command.js';
import { registerSchedulerCommand } from './scheduler-command.js';
import { registerComputeCommands } from './cluster-commands.js';
import { registerPermissionCommands } from './permission-commands.js';

const program = new Command();
program.name('weir').description('Databricks-style jobs on any machine').showHelpAfterError();

program
  .command('server')
  .description('start the API and the executor in one process (embedded SQLite + DuckDB in --data-dir)')
  .option('--data-dir <dir>', 'data folder (default .weir, or WEIR_DATA_DIR)')
  .option('--port <port>', 'HTTP port (default 8470, or WEIR_PORT)')
  .option('--host <host>', 'address to listen on (default 127.0.0.1)')
  .option('--slots <n>', 'tasks that may run at once (default 8)')
  .option('--workspace-dir <dir>', 'folder of notebooks and files for jobs created over the API (default <data-dir>/workspace)')
  .option('--store <location>', 'metadata store: a SQLite file (default <data-dir>/weir.sqlite) or postgres://user@host:port/db[?schema=name] (or WEIR_STORE)')
  .option('--examples', 'load the example workspace (the job files in examples/)')
  .option('--jobs <dir>', 'load (create or update) every job file in this folder')
  .option('--tls-cert <file>', 'PEM certificate: serve HTTPS (with --tls-key; or WEIR_TLS_CERT)')
  .option('--tls-key <file>', 'PEM private key of --tls-cert (or WEIR_TLS_KEY)')
  .option('--roles <list>', 'roles of this process: all (default) or api[,scheduler] to run beside `weir worker`s on a PostgreSQL store')
  .option('--worker-timeout <seconds>', 'with --roles: declare workers silent this long lost (default 6)')
  .option('--node-types-file <file>', 'JSON price list of node types (or WEIR_NODE_TYPES_FILE; see docs/compute.md)')
  .action((o) => runServer(o));

program
  .command('run <file>')
  .description('run a job file (YAML/JSON JobSettings) with live progress; exit 0 only on success')
  .option('--data-dir <dir>', 'data folder (default .weir)')
  .option('--params <json>', 'job parameters as a JSON object, e.g. \'{"region":"eu"}\'')
  .option('--slots <n>', 'tasks that may run at once')
  .action(async (file, o) => {
    process.exitCode = await runJobFile(file, o);
  });

registerJobCommands(program);
registerRunCommands(program);
registerTokenCommands(program);
registerSecretCommands(program);
registerServicePrincipalCommands(program);
registerCronCommands(program);
registerPipelineCommands(program);
registerSqlCommand(program);
registerComputeCommands(program);
registerWorkerCommand(program);
registerSchedulerCommand(program);
registerPermissionCommands(program);

program.parseAsync(process.argv).catch((e: Error) => {
  process.stderr.write(`weir: ${e.message}\n`);
  process.exit(2);
});
