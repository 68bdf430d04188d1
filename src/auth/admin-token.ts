import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_USER, type TokenService } from './token-service.js';

/** Name of the file in the data folder that holds the bootstrap admin token. */
export const ADMIN_TOKEN_FILE = 'admin-token';

/**
 * First start: when no token exists, creates a non-expiring admin token and writes it to `<dataDir>/admin-token`
 * (mode 0600), where the weir CLI on the same machine finds it. Returns the file's path when it was written now.
 */
export async function bootstrapAdminToken(tokens: TokenService, dataDir: string): Promise<string | undefined> {
  if (await tokens.any()) return undefined;
  const { token_value } = await tokens.create(ADMIN_USER, { comment: 'weir admin (created on first start)' });
  const file = join(dataDir, ADMIN_TOKEN_FILE);
  writeFileSync(file, token_value + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
