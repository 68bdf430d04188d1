import { serve } from '@hono/node-server';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiApp } from '../api/app.js';
import { loadJobFiles } from '../bundle/load-job-files.js';
import { loadConfig } from '../config/config.js';
import { startWeir } from '../main.js';

/** The example workspace shipped with weir (examples/ beside src/ or dist/). */
export const EXAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');

/** `weir server`: API + executor in one process on the embedded store; runs until SIGINT/SIGTERM. */
export async function runServer(opts: { dataDir?: string; port?: string; host?: string; slots?: string; workspaceDir?: string; examples?: boolean; jobs?: string }): Promise<void> {
  const config = loadConfig({ dataDir: opts.dataDir, port: opts.port, host: opts.host, slots: opts.slots, workspaceDir: opts.workspaceDir });
  const weir = await startWeir(config);
  const dirs = [opts.examples ? EXAMPLES_DIR : undefined, opts.jobs].filter((d): d is string => !!d);
  for (const dir of dirs) {
    if (!existsSync(dir)) throw new Error(`--jobs ${dir}: no such folder`);
    const ids = await loadJobFiles(weir.store, dir, Date.now());
    process.stdout.write(`loaded ${ids.size} job(s) from ${dir}: ${[...ids].map(([n, id]) => `${n} (${id})`).join(', ')}\n`);
  }
  let address = '';
  const app = createApiApp({ store: weir.store, runs: weir.runs, executor: weir.executor, workspaceDir: config.workspaceDir, baseUrl: () => address });
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    address = `http://${config.host}:${info.port}`;
    process.stdout.write(`weir is running at ${address}  (data: ${config.dataDir})\n`);
    process.stdout.write(`try: curl '${address}/api/2.2/jobs/list'\n`);
  });
  server.on('error', (e) => {
    process.stderr.write(`weir server: cannot listen on ${config.host}:${config.port}: ${(e as Error).message}; pass --port\n`);
    void weir.close().then(() => process.exit(2));
  });
  const stop = () => {
    server.close();
    void weir.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
