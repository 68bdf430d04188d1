import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import { WeirError } from '../domain/weir-error.js';
import type { AuthStore, TokenRecord } from '../store/ports/auth-store.js';

/** The user a request acts as. */
export interface Principal {
  userName: string;
  /** The token that authenticated the request. */
  tokenId: string;
}

/** The Token API's view of a token (never its value or hash). */
export interface TokenInfo {
  token_id: string;
  creation_time: number;
  expiry_time: number;
  comment: string;
}

/** The user the bootstrap admin token acts as. */
export const ADMIN_USER = 'admin';

/** SHA-256 (hex) of a token value: the only form in which tokens are stored. */
export function hashToken(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Token API view of a stored token. */
export function tokenInfo(t: TokenRecord): TokenInfo {
  return { token_id: t.token_id, creation_time: t.creation_time, expiry_time: t.expiry_time, comment: t.comment };
}

/** Personal access tokens: `dapi` + 32 hex digits like Databricks PATs, stored hashed, with optional expiry. */
export class TokenService {
  constructor(
    private readonly store: AuthStore,
    private readonly clock: Clock,
  ) {}

  /** Creates a token for `userName`; the value is returned once and never stored. */
  async create(userName: string, opts: { lifetimeSeconds?: number; comment?: string } = {}): Promise<{ token_value: string; token_info: TokenInfo }> {
    const lifetime = opts.lifetimeSeconds;
    if (lifetime !== undefined && (!Number.isFinite(lifetime) || lifetime < 0)) {
      throw new WeirError('VALIDATION.INVALID', `lifetime_seconds: ${lifetime} is not a number of seconds >= 0; omit it (or pass 0) for a token that does not expire.`);
    }
    const now = this.clock.now();
    const value = `dapi${randomBytes(16).toString('hex')}`;
    const rec: TokenRecord = {
      token_id: randomBytes(32).toString('hex'),
      token_hash: hashToken(value),
      user_name: userName,
      comment: opts.comment ?? '',
      creation_time: now,
      expiry_time: lifetime ? now + Math.floor(lifetime * 1000) : -1,
    };
    await this.store.insertToken(rec);
    return { token_value: value, token_info: tokenInfo(rec) };
  }

  /** The principal of a token value; AUTH.UNAUTHENTICATED when it is unknown or expired. */
  async authenticate(value: string): Promise<Principal> {
    const rec = await this.store.findTokenByHash(hashToken(value));
    if (!rec) throw new WeirError('AUTH.UNAUTHENTICATED', 'Invalid access token: no such token; create one with `weir token create` or POST /api/2.0/token/create.');
    if (rec.expiry_time !== -1 && rec.expiry_time <= this.clock.now()) {
      throw new WeirError('AUTH.UNAUTHENTICATED', `Invalid access token: the token expired at ${new Date(rec.expiry_time).toISOString()}; create a new one with \`weir token create\`.`);
    }
    return { userName: rec.user_name, tokenId: rec.token_id };
  }

  /** Tokens of a user (all users when omitted). */
  async list(userName?: string): Promise<TokenInfo[]> {
    return (await this.store.listTokens(userName)).map(tokenInfo);
  }

  /** Deletes a token of `userName` (any user's when omitted); TOKEN.NOT_FOUND when there is none. */
  async delete(tokenId: string, userName?: string): Promise<void> {
    const owned = await this.store.listTokens(userName);
    if (!owned.some((t) => t.token_id === tokenId) || !(await this.store.deleteToken(tokenId))) {
      throw new WeirError('TOKEN.NOT_FOUND', `token_id: token ${tokenId} does not exist; list tokens with GET /api/2.0/token/list or \`weir token list\`.`, {
        params: { token_id: tokenId },
      });
    }
  }

  /** Whether any token exists (the first start creates the admin token when none does). */
  async any(): Promise<boolean> {
    return (await this.store.countTokens()) > 0;
  }
}
