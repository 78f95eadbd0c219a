/**
 * API keys. A merchant key is `sk_test_` or `sk_live_` (its mode, src/modes.ts), an admin key `ak_`,
 * then 32 random bytes in base64url. Keys made before modes are `sk_` and the random part: they belong
 * to the merchant's test scope and keep working as test keys. The prefix only tells a person the mode;
 * what decides it is the scope the key's row belongs to. Only its
 * SHA-256 is stored, so a database leak does not leak usable keys. A key is shown once, when made.
 * A fast hash is right here (unlike passwords): the key has 256 bits of entropy, nothing to brute-force.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Mode } from '../modes.js';
import type { Store } from '../store/types.js';

export function generateApiKey(kind: 'sk' | 'ak', mode?: Mode): string {
  const head = kind === 'sk' && mode ? `sk_${mode}` : kind;
  return `${head}_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * The part of a key that may be shown again (lists, logs): never enough to use it. Its mode and four
 * random characters (`sk_live_AbCd`); `sk_AbCd` for a key made before modes.
 */
export function keyPrefix(key: string): string {
  return /^sk_(test|live)_/.test(key) ? key.slice(0, 12) : key.slice(0, 7);
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

const ADMIN_KEY_SETTING = 'admin_key_hash';

/**
 * The admin key's hash. With `PAYHOOK_ADMIN_KEY` set, that key; otherwise the one stored on first
 * start. `created` carries the new key when this call made it: the only time it is ever available.
 */
export async function ensureAdminKey(
  store: Store,
  configured: string | null,
): Promise<{ hash: string; created: string | null }> {
  if (configured) return { hash: hashApiKey(configured), created: null };
  const existing = await store.getSetting(ADMIN_KEY_SETTING);
  if (existing) return { hash: existing, created: null };
  const key = generateApiKey('ak');
  const hash = hashApiKey(key);
  const stored = await store.putSettingIfAbsent(ADMIN_KEY_SETTING, hash);
  // Another process starting at the same moment may have won; then its key is the admin key.
  return stored === hash ? { hash, created: key } : { hash: stored, created: null };
}
