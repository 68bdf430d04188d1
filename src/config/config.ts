import { resolve } from 'node:path';
import { z } from 'zod';
import { WeirError } from '../domain/weir-error.js';
import { formatIssues } from '../domain/wire.js';

/** Server configuration: flags win over WEIR_* environment variables, which win over defaults. */
export const Config = z.object({
  dataDir: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  /** Tasks that may run processes at once. */
  slots: z.coerce.number().int().min(1),
  /** Folder of notebooks and files for jobs created over the API (relative notebook paths resolve here). */
  workspaceDir: z.string().min(1),
});
export type Config = z.infer<typeof Config>;

/** Builds the frozen config from flags and the environment. */
export function loadConfig(flags: Partial<Record<keyof Config, string | number | undefined>>, env = process.env): Readonly<Config> {
  const dataDir = resolve(String(flags.dataDir ?? env.WEIR_DATA_DIR ?? '.weir'));
  const raw = {
    dataDir,
    port: flags.port ?? env.WEIR_PORT ?? 8470,
    host: flags.host ?? env.WEIR_HOST ?? '127.0.0.1',
    slots: flags.slots ?? env.WEIR_SLOTS ?? 8,
    workspaceDir: resolve(String(flags.workspaceDir ?? env.WEIR_WORKSPACE_DIR ?? `${dataDir}/workspace`)),
  };
  const r = Config.safeParse(raw);
  if (!r.success) throw new WeirError('VALIDATION.INVALID', `configuration: ${formatIssues(r.error)}`);
  return Object.freeze(r.data);
}
