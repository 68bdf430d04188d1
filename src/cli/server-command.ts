import { serve } from '@hono/node-server';
import { existsSync, readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiApp } from '../api/app.js';
import { LoginLinks } from '../api/ui-login.js';
import { ADMIN_TOKEN_FILE } from '../auth/admin-token.js';
import { systemClock } from '../domain/clock.js';
import { loadJobFiles } from '../bundle/load-job-files.js';
import { loadPipelineFiles } from '../bundle/load-pipeline-files.js';
import { loadConfig, type Config } from '../config/config.js';
import { WeirError } from '../domain/weir-error.js';
import { ALL_ROLES, startWeir, type WeirRoles } from '../main.js';

/** The example workspace shipped with weir (examples/ beside src/ or dist/). */
export const EXAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');

/** `weir server`: API + executor in one process on the embedded store; runs until SIGINT/SIGTERM. */
export async function runServer(opts: { dataDir?: string; port?: string; host?: string; slots?: string; workspaceDir?: string; store?: string; examples?: boolean; jobs?: string; tlsCert?: string; tlsKey?: string; roles?: string; workerTimeout?: string; nodeTypesFile?: string }): Promise<void> {
  const config = loadConfig({ dataDir: opts.dataDir, port: opts.port, host: opts.host, slots: opts.slots, workspaceDir: opts.workspaceDir, store: opts.store, tlsCert: opts.tlsCert, tlsKey: opts.tlsKey, workerTimeout: opts.workerTimeout, nodeTypesFile: opts.nodeTypesFile });
  const tls = readTls(config);
  const weir = await startWeir(config, systemClock, serverRoles(opts.roles));
  const dirs = [opts.examples ? EXAMPLES_DIR : undefined, opts.jobs].filter((d): d is string => !!d);
  for (const dir of dirs) {
    if (!existsSync(dir)) throw new Error(`--jobs ${dir}: no such folder`);
    const ids = await loadJobFiles(weir.store, dir, Date.now());
    for (const id of ids.values()) weir.scheduler.jobChanged(id);
    process.stdout.write(`loaded ${ids.size} job(s) from ${dir}: ${[...ids].map(([n, id]) => `${n} (${id})`).join(', ')}\n`);
    const pipelineIds = await loadPipelineFiles(weir.pipelines, dir);
    if (pipelineIds.size) process.stdout.write(`loaded ${pipelineIds.size} pipeline(s) from ${dir}: ${[...pipelineIds].map(([n, id]) => `${n} (${id})`).join(', ')}\n`);
  }
  let address = '';
  const loginLinks = new LoginLinks(weir.tokens, systemClock);
  const app = createApiApp({ store: weir.store, runs: weir.runs, executor: weir.executor, workspaceDir: config.workspaceDir, baseUrl: () => address, tokens: weir.tokens, secrets: weir.secrets, servicePrincipals: weir.servicePrincipals, loginLinks, scheduler: weir.scheduler, backfills: weir.backfills, pipelines: weir.pipelines, notifications: weir.notifications, statements: weir.statements, catalog: weir.catalog, compute: weir.compute, operations: weir.operations });
  const listen = { fetch: app.fetch, port: config.port, hostname: config.host };
  const server = serve(tls ? { ...listen, createServer: createHttpsServer, serverOptions: tls } : listen, (info) => {
    address = `${tls ? 'https' : 'http'}://${config.host}:${info.port}`;
    process.stdout.write(`weir is running at ${address}  (data: ${config.dataDir})\n`);
    process.stdout.write(`${weir.adminTokenFile ? 'created the admin token in' : 'admin token:'} ${join(config.dataDir, ADMIN_TOKEN_FILE)} (the weir CLI reads it)\n`);
    process.stdout.write(`web UI login (one-time link, valid 15 minutes): ${address}/login?code=${loginLinks.issue()}\n`);
    process.stdout.write(`try: curl -H "Authorization: Bearer $(cat ${join(config.dataDir, ADMIN_TOKEN_FILE)})" '${address}/api/2.2/jobs/list'\n`);
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

/** `--roles`: `all` (default: API, scheduler and executor in this process), or `api` with an optional `scheduler`. */
export function serverRoles(list: string | undefined): WeirRoles {
  const names = new Set((list ?? 'all').split(',').map((r) => r.trim()).filter(Boolean));
  if (names.has('all')) return ALL_ROLES;
  const unknown = [...names].filter((n) => n !== 'api' && n !== 'scheduler');
  if (!names.has('api') || unknown.length) {
    throw new WeirError('VALIDATION.INVALID', `--roles ${list}: expected all, api or api,scheduler${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}; run workers with \`weir worker\` and schedulers with \`weir scheduler\``);
  }
  return { executor: 'none', scheduler: names.has('scheduler'), api: true };
}

/** The certificate and key of --tls-cert/--tls-key, read once at start; undefined for plain HTTP. */
function readTls(config: Readonly<Config>): { cert: Buffer; key: Buffer } | undefined {
  if (!config.tlsCert || !config.tlsKey) return undefined;
  const read = (file: string, flag: string) => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new WeirError('VALIDATION.INVALID', `${flag} ${file}: cannot read it (${(e as Error).message}); pass a readable PEM file`);
    }
  };
  return { cert: read(config.tlsCert, '--tls-cert'), key: read(config.tlsKey, '--tls-key') };
}
