/** Merchants (tenants) and who is calling: the admin, or one merchant through its key. */
import { PayhookError } from '../errors.js';
import { newId, type MerchantId } from '../ids.js';
import type { Merchant, Store } from '../store/types.js';
import { generateApiKey, hashApiKey, keyPrefix, sameHash } from './keys.js';

export type Principal = { kind: 'admin' } | { kind: 'merchant'; merchantId: MerchantId };

export async function createMerchant(store: Store, name: string, now = Date.now()): Promise<{ merchant: Merchant; apiKey: string }> {
  const merchant: Merchant = { id: newId('mer', now), name, createdAt: now };
  const apiKey = generateApiKey('sk');
  await store.createMerchant(merchant, { id: newId('key', now), hash: hashApiKey(apiKey), prefix: keyPrefix(apiKey) });
  return { merchant, apiKey };
}

/**
 * Resolves a bearer key to its principal. Lookups are cached for a few seconds: on the ingest path a
 * key lookup per request is a round-trip to PostgreSQL that a cache makes free.
 */
export class Authenticator {
  private readonly cache = new Map<string, { principal: Principal | null; at: number }>();

  constructor(private readonly store: Store, private readonly adminHash: string, private readonly ttlMs = 10_000) {}

  async authenticate(authorization: string | undefined): Promise<Principal> {
    const m = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    if (!m) throw new PayhookError('unauthorized');
    const hash = hashApiKey(m[1]);
    const now = Date.now();
    const hit = this.cache.get(hash);
    let principal: Principal | null;
    if (hit && now - hit.at < this.ttlMs) principal = hit.principal;
    else {
      if (sameHash(hash, this.adminHash)) principal = { kind: 'admin' };
      else {
        const rec = await this.store.findApiKey(hash);
        principal = rec === null ? null : rec.merchantId === null ? { kind: 'admin' } : { kind: 'merchant', merchantId: rec.merchantId };
      }
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(hash, { principal, at: now });
    }
    if (!principal) throw new PayhookError('unauthorized');
    return principal;
  }

  /**
   * The merchant a request acts for: a merchant key acts for itself (and may not name another); an
   * admin key must name `merchant_id`, which must exist.
   */
  async merchantFor(principal: Principal, requested: MerchantId | undefined): Promise<MerchantId> {
    if (principal.kind === 'merchant') {
      // Naming another merchant looks exactly like naming none that exists: no probing for ids.
      if (requested !== undefined && requested !== principal.merchantId) throw new PayhookError('merchant_not_found');
      return principal.merchantId;
    }
    if (!requested) throw new PayhookError('merchant_required');
    if (!(await this.store.getMerchant(requested))) throw new PayhookError('merchant_not_found');
    return requested;
  }
}
