/**
 * What the stores seal and open: an endpoint's signing secrets (one sealed value per row of
 * `endpoint_secrets`), the API key of a dashboard session, and an endpoint's custom headers (one sealed JSON blob per endpoint, so a read opens one
 * value, not one per header). Both backends hold one `SecretBox` and call it at every write and read of
 * those columns, so nothing above the store ever sees a sealed value and nothing below it a plain one.
 *
 * Reads stay cheap on the dispatcher's claim path: opened header blobs are cached by their sealed text
 * (bounded), and the signer caches secrets per endpoint (delivery/signer.ts).
 */
import { isSealed, type Keyring } from './keyring.js';

/** Every sealed value starts with it (any key); plaintext rows do not. */
export const SEALED_PREFIX = 'enc:v1:';
export const PURPOSE_SECRET = 'endpoint_secret';
export const PURPOSE_HEADERS = 'endpoint_headers';
export const PURPOSE_SESSION_KEY = 'dashboard_session_key';
const CACHE_MAX = 2048;

export class SecretBox {
  private readonly headerCache = new Map<string, Record<string, string>>();

  constructor(readonly keyring: Keyring) {}

  sealSecret(secret: string): string {
    return this.keyring.seal(secret, PURPOSE_SECRET);
  }

  openSecret(stored: string): string {
    return this.keyring.open(stored, PURPOSE_SECRET);
  }

  /** The sealed text of a headers object (for SQLite's TEXT column; PostgreSQL stores it as a jsonb string). */
  sealHeaders(headers: Record<string, string>): string {
    return this.keyring.seal(JSON.stringify(headers), PURPOSE_HEADERS);
  }

  /**
   * Opens a stored headers value: sealed text, a JSON text (of an object, or of a sealed string, as
   * PostgreSQL's `headers::text` gives), or an already parsed jsonb value. Plain objects are rows
   * written before encryption, until the start-up migration seals them.
   */
  openHeaders(stored: unknown): Record<string, string> {
    if (typeof stored !== 'string') return { ...(stored as Record<string, string>) };
    if (!isSealed(stored)) return this.openHeaders(JSON.parse(stored) as unknown);
    let headers = this.headerCache.get(stored);
    if (!headers) {
      headers = JSON.parse(this.keyring.open(stored, PURPOSE_HEADERS)) as Record<string, string>;
      if (this.headerCache.size >= CACHE_MAX) this.headerCache.clear();
      this.headerCache.set(stored, headers);
    }
    return { ...headers };
  }

  /** The API key a dashboard session was signed in with (store/dashboard-sessions.ts). */
  sealSessionKey(key: string): string {
    return this.keyring.seal(key, PURPOSE_SESSION_KEY);
  }

  openSessionKey(stored: string): string {
    return this.keyring.open(stored, PURPOSE_SESSION_KEY);
  }

  /** True when a stored value (a secret, or headers text) is not sealed under the current key. */
  needsReseal(stored: string): boolean {
    return this.keyring.needsReseal(stored);
  }

  /** The prefix of values sealed under the current key (for finding the rows that are not). */
  get currentPrefix(): string {
    return `enc:v1:${this.keyring.currentId}:`;
  }
}
