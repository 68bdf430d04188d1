import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { ADMIN_USER, hashToken, type TokenService } from '../auth/token-service.js';
import type { Clock } from '../domain/clock.js';
import { WeirError } from '../domain/weir-error.js';
import { SESSION_COOKIE } from './auth.js';

/** A login link works once, for 15 minutes after the server printed it. */
const LINK_TTL_MS = 15 * 60 * 1000;
/** A UI session (its token) lasts 30 days. */
const SESSION_SECONDS = 30 * 24 * 3600;

/** One-time login links for the web UI: a code printed at start, exchanged once for a session token in a cookie. */
export class LoginLinks {
  /** Hash of each open code → when it stops working. */
  private readonly open = new Map<string, number>();

  constructor(
    private readonly tokens: TokenService,
    private readonly clock: Clock,
  ) {}

  /** A fresh one-time code (kept only as a hash). */
  issue(): string {
    const code = randomBytes(18).toString('base64url');
    this.open.set(hashToken(code), this.clock.now() + LINK_TTL_MS);
    return code;
  }

  /** Spends a code and returns a new admin session token; AUTH.UNAUTHENTICATED for an unknown, used or old code. */
  async redeem(code: string): Promise<string> {
    const key = hashToken(code);
    const until = this.open.get(key);
    this.open.delete(key);
    if (until === undefined || until <= this.clock.now()) {
      throw new WeirError('AUTH.UNAUTHENTICATED', 'This login link is unknown, used or older than 15 minutes; restart `weir server` for a new one, or call the API with a token.');
    }
    const { token_value } = await this.tokens.create(ADMIN_USER, { lifetimeSeconds: SESSION_SECONDS, comment: 'weir UI session' });
    return token_value;
  }
}

/** `GET /login?code=…`: sets the UI session cookie (HttpOnly, SameSite=Strict) and redirects to the UI. */
export function loginRoutes(links: LoginLinks): Hono {
  const app = new Hono();
  app.get('/login', async (c) => {
    const token = await links.redeem(c.req.query('code') ?? '');
    setCookie(c, SESSION_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/', maxAge: SESSION_SECONDS });
    return c.redirect('/', 302);
  });
  return app;
}
