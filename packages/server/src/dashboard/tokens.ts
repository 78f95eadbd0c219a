/**
 * What the dashboard signs: portal links, session cookies and CSRF tokens, all HMAC-SHA256 under one
 * signing key shared by every API process through the store's settings (generated on first use).
 *
 * - A portal link carries `base64url({m: merchant, s: scopes, n: nonce, e: expiry})` and its MAC. The
 *   MAC makes it unforgeable and unchangeable (another merchant, a later expiry); the nonce, stored
 *   unique with the session it opens (migration 0010), makes it single-use on every process.
 * - The session cookie is `<session id>.<MAC>`: a reference to a row found by the id's SHA-256, never a
 *   key. The MAC lets a forged or truncated cookie be refused before the store is asked.
 * - CSRF: every form carries a token derived from the session id (or, before sign-in, from a random
 *   `ph_csrf` cookie); a POST without the right one is refused. SameSite=Strict already keeps the
 *   cookies off cross-site requests; the token is the second lock the brief of every form asks for.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyScope, Store } from '../store/types.js';

const SETTING = 'dashboard_signing_key';

export interface PortalClaims {
  merchantId: string;
  scopes: readonly ApiKeyScope[];
  nonce: string;
  expiresAt: number;
}

export class Signer {
  private constructor(private readonly key: Buffer) {}

  /** The process's signer, with the key every API process shares (made by the first to need it). */
  static async load(store: Store): Promise<Signer> {
    const stored = await store.putSettingIfAbsent(SETTING, randomBytes(32).toString('base64'));
    return new Signer(Buffer.from(stored, 'base64'));
  }

  mac(purpose: string, value: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\n${value}`).digest('base64url');
  }

  check(purpose: string, value: string, mac: string): boolean {
    const want = Buffer.from(this.mac(purpose, value));
    const got = Buffer.from(mac);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  portalToken(c: PortalClaims): string {
    const body = Buffer.from(
      JSON.stringify({ m: c.merchantId, s: c.scopes.join(','), n: c.nonce, e: c.expiresAt }),
    ).toString('base64url');
    return `${body}.${this.mac('portal', body)}`;
  }

  /** The claims of a portal token whose MAC is right (expiry is the caller's to judge); null otherwise. */
  readPortalToken(token: string): PortalClaims | null {
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined || !this.check('portal', body, mac)) return null;
    try {
      const c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
      if (typeof c.m !== 'string' || typeof c.n !== 'string' || typeof c.e !== 'number') return null;
      return {
        merchantId: c.m,
        scopes: c.s === 'read,write' ? ['read', 'write'] : ['read'],
        nonce: c.n,
        expiresAt: c.e,
      };
    } catch {
      return null;
    }
  }

  cookieFor(sessionId: string): string {
    return `${sessionId}.${this.mac('session', sessionId)}`;
  }

  /** The session id of a cookie value whose MAC is right; null otherwise. */
  sessionOf(cookie: string | undefined): string | null {
    if (!cookie) return null;
    const [id, mac, extra] = cookie.split('.');
    return id && mac && extra === undefined && this.check('session', id, mac) ? id : null;
  }

  csrfFor(sessionOrNonce: string): string {
    return this.mac('csrf', sessionOrNonce);
  }
}

export const newSecretId = (): string => randomBytes(32).toString('base64url');
export const idHash = (id: string): string => createHash('sha256').update(id).digest('hex');
