import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ADMIN_TOKEN_FILE } from '../auth/admin-token.js';

/**
 * The token the CLI sends: `--token`, else WEIR_TOKEN, else DATABRICKS_TOKEN, else the admin token the server wrote to
 * `<data dir>/admin-token` (WEIR_DATA_DIR or ./.weir, the server's default), so `npm start` then `weir jobs list` in
 * the same folder needs no setup.
 */
export function cliToken(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const given = flag ?? env.WEIR_TOKEN ?? env.DATABRICKS_TOKEN;
  if (given) return given.trim();
  const file = join(resolve(env.WEIR_DATA_DIR ?? '.weir'), ADMIN_TOKEN_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}
