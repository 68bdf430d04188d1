import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WeirError } from '../domain/weir-error.js';

/** Name of the key file in the data folder. */
export const SECRETS_KEY_FILE = 'secrets.key';

function decodeKey(text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) {
    throw new WeirError(
      'SECRET.KEY',
      `${where}: the secrets key must be 32 bytes in base64 (44 characters), got ${key.length} bytes; generate one with \`openssl rand -base64 32\`.`,
    );
  }
  return key;
}

/**
 * The AES-256 key for secrets: `WEIR_SECRETS_KEY` (base64, 32 bytes) when set, else `<dataDir>/secrets.key`,
 * created with mode 0600 on first start. Losing the key makes stored secrets unreadable; back it up with the data.
 */
export function loadSecretsKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): { key: Buffer; source: string } {
  const fromEnv = env.WEIR_SECRETS_KEY;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { key: decodeKey(fromEnv, 'WEIR_SECRETS_KEY'), source: 'WEIR_SECRETS_KEY' };
  const file = join(dataDir, SECRETS_KEY_FILE);
  if (existsSync(file)) return { key: decodeKey(readFileSync(file, 'utf8'), file), source: file };
  const key = randomBytes(32);
  // 'wx' fails if another process created the file meanwhile, instead of overwriting its key.
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { key, source: file };
}
