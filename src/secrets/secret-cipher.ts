import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { WeirError } from '../domain/weir-error.js';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Prefix of a sealed value; names the format so a later key rotation can tell versions apart. */
const VERSION = 'v1';

/**
 * AES-256-GCM with a fresh random 96-bit IV per value. A sealed value is `v1:<iv>:<tag>:<ciphertext>` (base64
 * parts). The secret's `scope/key` is bound as additional authenticated data, so a sealed value copied onto another
 * secret's row fails to open instead of leaking under the wrong name.
 */
export class SecretCipher {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) {
      throw new WeirError('SECRET.KEY', `The secrets key must be 32 bytes, got ${key.length}; generate one with \`openssl rand -base64 32\`.`);
    }
    this.key = Buffer.from(key);
  }

  /** Encrypts `plain` bound to `context` (the secret's scope/key). */
  seal(plain: Buffer, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
  }

  /** Decrypts a sealed value; throws SECRET.KEY when the key (or context) does not match. */
  open(sealed: string, context: string): Buffer {
    const [version, iv, tag, body] = sealed.split(':');
    if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) {
      throw new WeirError('SECRET.KEY', `Secret ${context}: stored value has an unknown format; it was not written by this weir version.`);
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, this.key, Buffer.from(iv, 'base64'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]);
    } catch (e) {
      throw new WeirError(
        'SECRET.KEY',
        `Secret ${context} cannot be decrypted with the current secrets key; start weir with the key it was written with (WEIR_SECRETS_KEY or <data-dir>/secrets.key).`,
        { cause: e },
      );
    }
  }
}
