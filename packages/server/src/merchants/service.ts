/** Merchants (tenants) and who is calling: the admin, or one merchant through one of its keys. */
import { PayhookError } from '../errors.js';
import { newId, type MerchantId } from '../ids.js';
import { isLiveScope, liveScopeOf, merchantOfScope } from '../modes.js';
import type { ApiKeyScope, Merchant, Store } from '../store/types.js';
import { generateApiKey, hashApiKey, keyPrefix, sameHash } from './keys.js';

/**
 * A merchant key's `merchantId` is the key's scope (src/modes.ts): the merchant's own id in test mode,
 * its live scope in live mode. Everything downstream filters by it, so a key sees its mode only.
 */
export type Principal =
  | { kind: 'admin' }
  | { kind: 'merchant'; merchantId: MerchantId; keyId: string; scopes: readonly ApiKeyScope[] };

/**
 * Creates a merchant with its two first keys, each the read+write key "default": `apiKey` in test mode
 * (`sk_test_…`), `liveApiKey` in live mode (`sk_live_…`).
 */
export async function createMerchant(
  store: Store,
  name: string,
  now = Date.now(),
): Promise<{ merchant: Merchant; apiKey: string; liveApiKey: string }> {
  const merchant: Merchant = { id: newId('mer', now), name, createdAt: now };
  const apiKey = generateApiKey('sk', 'test');
  const liveApiKey = generateApiKey('sk', 'live');
  const first = (key: string) => ({ id: newId('key', now), hash: hashApiKey(key), prefix: keyPrefix(key) });
  await store.createMerchant(merchant, first(apiKey), first(liveApiKey));
  return { merchant, apiKey, liveApiKey };
}

/** A key's `last_used_at` is written at most this often: a write per request would cost more than the request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export interface AuthenticatorOptions {
  /**
   * How long a lookup is trusted (PAYHOOK_AUTH_CACHE_TTL, default 10 s; 0 looks every key up every
   * time). A key revoked through this process stops working at once (`evict`); through another API
   * process on the same PostgreSQL, within this long.
   */
  ttlMs?: number;
  /** A failed `last_used_at` write (it never fails the request). */
  onError?: (err: unknown) => void;
}

/**
 * Resolves a bearer key to its principal. Lookups are cached for a few seconds: on the ingest path a
 * key lookup per request is a round-trip to PostgreSQL that a cache makes free.
 */
export class Authenticator {
  private readonly cache = new Map<string, { principal: Principal | null; at: number }>();
  /** Per key id: when its `last_used_at` was last written (by this process) or seen written (by any). */
  private readonly lastUsed = new Map<string, number>();
  /** Bumped by every eviction: a lookup that was in flight across one may predate a revocation. */
  private evictions = 0;
  /**
   * Lookups in flight, by key hash: requests that miss the cache together share one. Without it, each
   * expiry of a busy key's entry sent one lookup per request in flight (measured on PostgreSQL at
   * 2,000 events/s: ~60 at once, queueing appends and claims behind them in the pool).
   */
  private readonly lookups = new Map<string, { generation: number; principal: Promise<Principal | null> }>();
  readonly ttlMs: number;
  private readonly onError: (err: unknown) => void;

  constructor(
    private readonly store: Store,
    private readonly adminHash: string,
    options: AuthenticatorOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 10_000;
    this.onError = options.onError ?? (() => {});
  }

  /** The principal of an `Authorization: Bearer <key>` header; `unauthorized` for none or a key that is not live. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    const m = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    if (!m) throw new PayhookError('unauthorized');
    const hash = hashApiKey(m[1]);
    const now = Date.now();
    const hit = this.cache.get(hash);
    let principal: Principal | null;
    if (hit && now - hit.at < this.ttlMs) principal = hit.principal;
    else {
      const generation = this.evictions;
      principal = await this.sharedLookUp(hash, generation);
      // Not cached if a revocation happened meanwhile: this answer may have been read before it.
      if (generation === this.evictions && this.ttlMs > 0) {
        if (this.cache.size > 10_000) this.cache.clear();
        this.cache.set(hash, { principal, at: now });
      }
    }
    if (!principal) throw new PayhookError('unauthorized');
    if (principal.kind === 'merchant') this.used(principal.keyId, now);
    return principal;
  }

  /** Forgets a key at once (it was revoked): the next request with it is looked up again. */
  evict(hash: string): void {
    this.cache.delete(hash);
    this.evictions++;
  }

  /** One lookup per key at a time; one started before an eviction is not shared by those after it. */
  private sharedLookUp(hash: string, generation: number): Promise<Principal | null> {
    const pending = this.lookups.get(hash);
    if (pending && pending.generation === generation) return pending.principal;
    const principal = this.lookUp(hash).finally(() => {
      if (this.lookups.get(hash)?.principal === principal) this.lookups.delete(hash);
    });
    this.lookups.set(hash, { generation, principal });
    return principal;
  }

  private async lookUp(hash: string): Promise<Principal | null> {
    if (sameHash(hash, this.adminHash)) return { kind: 'admin' };
    const rec = await this.store.findApiKey(hash);
    if (rec === null) return null;
    if (rec.merchantId === null) return { kind: 'admin' };
    if (rec.lastUsedAt !== null && rec.lastUsedAt > (this.lastUsed.get(rec.id) ?? -Infinity))
      this.lastUsed.set(rec.id, rec.lastUsedAt);
    return { kind: 'merchant', merchantId: rec.merchantId, keyId: rec.id, scopes: rec.scopes };
  }

  /** Writes `last_used_at` when the one known is a minute old or more; never awaited by the request. */
  private used(keyId: string, now: number): void {
    const last = this.lastUsed.get(keyId);
    if (last !== undefined && now - last < LAST_USED_RESOLUTION_MS) return;
    if (this.lastUsed.size > 100_000) this.lastUsed.clear();
    this.lastUsed.set(keyId, now);
    this.store.touchApiKey(keyId, now).catch(this.onError);
  }

  /**
   * The scope a request acts in (src/modes.ts): a merchant key acts in its own scope (and may not name
   * another merchant, nor the other mode); an admin key must name `merchant_id`, which must exist, and
   * acts in its test mode unless it asks for `livemode`.
   */
  async merchantFor(principal: Principal, requested: MerchantId | undefined, livemode?: boolean): Promise<MerchantId> {
    if (principal.kind === 'merchant') {
      // Naming another merchant, or the other mode, looks exactly like naming none that exists: no
      // probing for ids, and a test key never reaches live data.
      if (requested !== undefined && requested !== merchantOfScope(principal.merchantId))
        throw new PayhookError('merchant_not_found');
      if (livemode !== undefined && livemode !== isLiveScope(principal.merchantId))
        throw new PayhookError('merchant_not_found', 'this key works in one mode only; leave livemode out');
      return principal.merchantId;
    }
    if (!requested) throw new PayhookError('merchant_required');
    if (!(await this.store.getMerchant(requested))) throw new PayhookError('merchant_not_found');
    return livemode ? liveScopeOf(requested) : requested;
  }
}
