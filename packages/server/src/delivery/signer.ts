/**
 * Signs outgoing webhooks with every valid secret of their endpoint (Standard Webhooks `v1`).
 *
 * Secrets are cached per endpoint with their decoded HMAC keys: reading and base64-decoding them for
 * every delivery cost more than the HMAC itself. The cache lives `ttlMs` (other processes may rotate),
 * is dropped at once when this process rotates, and an entry's rotated-out secret stops being used at
 * its expiry even while cached.
 */
import { createHmac } from 'node:crypto';
import { decodeSecret } from '@payhook/sdk';
import type { EndpointId, EventId } from '../ids.js';
import type { Store } from '../store/types.js';

interface CachedKeys {
  keys: { key: Buffer; expiresAt: number | null }[];
  loadedAt: number;
}

export class Signer {
  private readonly cache = new Map<EndpointId, CachedKeys>();
  private readonly loading = new Map<EndpointId, Promise<CachedKeys>>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 5_000,
  ) {}

  invalidate(endpointId: EndpointId): void {
    this.cache.delete(endpointId);
  }

  private async keysFor(endpointId: EndpointId, now: number): Promise<CachedKeys> {
    const hit = this.cache.get(endpointId);
    if (hit && now - hit.loadedAt < this.ttlMs) return hit;
    let p = this.loading.get(endpointId);
    if (!p) {
      p = this.store
        .getSigningSecrets(endpointId, now)
        .then((secrets) => {
          const entry = {
            keys: secrets.map((s) => ({ key: decodeSecret(s.secret), expiresAt: s.expiresAt })),
            loadedAt: now,
          };
          this.cache.set(endpointId, entry);
          return entry;
        })
        .finally(() => this.loading.delete(endpointId));
      this.loading.set(endpointId, p);
    }
    return p;
  }

  /**
   * The `webhook-signature` header value for one attempt: synchronously (a string) when the endpoint's
   * keys are cached, which is nearly always, so the hot path awaits nothing.
   */
  signature(endpointId: EndpointId, msgId: EventId, timestampSeconds: number, body: string): string | Promise<string> {
    const wallNow = Date.now();
    const hit = this.cache.get(endpointId);
    if (hit && wallNow - hit.loadedAt < this.ttlMs) return this.sign(hit, endpointId, msgId, timestampSeconds, body);
    return this.keysFor(endpointId, wallNow).then((keys) => this.sign(keys, endpointId, msgId, timestampSeconds, body));
  }

  private sign(
    { keys }: CachedKeys,
    endpointId: string,
    msgId: string,
    timestampSeconds: number,
    body: string,
  ): string {
    const now = timestampSeconds * 1000;
    const prefix = `${msgId}.${timestampSeconds}.`;
    let out = '';
    for (const k of keys) {
      if (k.expiresAt !== null && k.expiresAt <= now) continue;
      const sig = createHmac('sha256', k.key).update(prefix).update(body).digest('base64');
      out = out ? `${out} v1,${sig}` : `v1,${sig}`;
    }
    if (!out) throw new Error(`endpoint ${endpointId} has no signing secret`);
    return out;
  }
}
