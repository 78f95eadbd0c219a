/**
 * A merchant's API keys beyond its first: each with a name and scopes, listed without its secret part,
 * revoked at once. A key is shown once, when issued; payhook keeps its SHA-256 (keys.ts).
 */
import { PayhookError } from '../errors.js';
import { newId, type MerchantId } from '../ids.js';
import { modeOfScope } from '../modes.js';
import type { ApiKeyRecord, ApiKeyScope, Store } from '../store/types.js';
import { generateApiKey, hashApiKey, keyPrefix } from './keys.js';
import type { Authenticator } from './service.js';

/**
 * `["read"]` or `["read", "write"]` in any order. Write without read is refused rather than widened:
 * a caller asking for `["write"]` has a mistaken idea of what it gets.
 */
export function parseScopes(scopes: readonly string[]): ApiKeyScope[] {
  const set = new Set(scopes);
  if (set.has('write') && !set.has('read')) {
    throw new PayhookError('validation_failed', 'scopes: a write key reads too; ask for ["read","write"]', {
      field: 'scopes',
      reason: 'write without read',
    });
  }
  return set.has('write') ? ['read', 'write'] : ['read'];
}

/**
 * Makes a key in a merchant scope (src/modes.ts), so in that scope's mode; `key` is the only time the
 * key itself is available.
 */
export async function issueKey(
  store: Store,
  merchantId: MerchantId,
  name: string,
  scopes: readonly string[],
  now = Date.now(),
): Promise<{ record: ApiKeyRecord; key: string }> {
  const parsed = parseScopes(scopes);
  const key = generateApiKey('sk', modeOfScope(merchantId));
  const record: ApiKeyRecord = {
    id: newId('key', now),
    merchantId,
    prefix: keyPrefix(key),
    name,
    scopes: parsed,
    createdAt: now,
    lastUsedAt: null,
  };
  await store.createApiKey({
    id: record.id,
    merchantId,
    hash: hashApiKey(key),
    prefix: record.prefix,
    name,
    scopes: parsed,
    createdAt: now,
  });
  return { record, key };
}

/**
 * Revokes one of the merchant's keys and drops it from this process's cache, so the next request with
 * it is 401 here at once (other API processes: within their cache TTL). Another merchant's key id
 * answers like one that does not exist.
 */
export async function revokeKey(
  store: Store,
  auth: Authenticator,
  merchantId: string,
  id: string,
  now = Date.now(),
): Promise<void> {
  const hash = await store.revokeApiKey(merchantId, id, now);
  if (hash === null) throw new PayhookError('api_key_not_found');
  auth.evict(hash);
}
