import { loadConfig } from '../config/config.js';
import { startWeir, type Weir, type WeirRoles } from '../main.js';

/** Flags every scale-out role takes. */
export interface RoleFlags {
  dataDir?: string;
  store?: string;
  slots?: string;
  pool?: string;
  workerTimeout?: string;
  pollInterval?: string;
}

/**
 * Runs one scale-out role process (`weir worker`, `weir scheduler`) until SIGINT/SIGTERM: on a signal a worker
 * kills its attempts and gives its runs back, so another worker continues them at once.
 */
export async function runRole(name: string, roles: WeirRoles, o: RoleFlags, describe: (w: Weir) => string): Promise<void> {
  const config = loadConfig({ dataDir: o.dataDir, store: o.store, slots: o.slots, pool: o.pool, workerTimeout: o.workerTimeout, pollInterval: o.pollInterval, port: 0 });
  const weir = await startWeir(config, undefined, roles);
  process.stdout.write(`weir ${name} is running: ${describe(weir)} (data: ${config.dataDir})\n`);
  const stop = () => void weir.close().then(() => process.exit(0), () => process.exit(1));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
