/**
 * The API's JSON shapes of merchants (tenants) and their API keys (conventions in ./common.ts).
 */

/**
 * A merchant (tenant), as the admin routes show it.
 *
 * @example
 * const { data }: Page<Merchant> = await admin.merchants.list();
 */
export interface Merchant {
  id: string;
  name: string;
  created_at: string;
}

/**
 * The body of `merchants.create`.
 *
 * @example
 * await admin.merchants.create({ name: 'Corner Shop' });
 */
export interface CreateMerchantInput {
  name: string;
}

/**
 * A merchant just created, with its API key: shown this once, payhook keeps only its hash.
 *
 * @example
 * const { id, api_key }: CreatedMerchant = await admin.merchants.create({ name: 'Corner Shop' });
 */
export interface CreatedMerchant extends Merchant {
  /** The test-mode key (`sk_test_…`), shown once. */
  api_key: string;
  /** The live-mode key (`sk_live_…`), shown once. */
  live_api_key: string;
}

/**
 * What an API key may do: `read` (GET) or `write` (everything else); a write key reads too.
 *
 * @example
 * await client.apiKeys.create({ name: 'reporting', scopes: ['read'] as ApiKeyScope[] });
 */
export type ApiKeyScope = 'read' | 'write';

/**
 * An API key as listed: never the key itself.
 *
 * @example
 * const { data }: Page<ApiKey> = await client.apiKeys.list();
 */
export interface ApiKey {
  id: string;
  name: string;
  /** The first characters of the key (`sk_AbCd`), to tell keys apart. */
  prefix: string;
  /** The key's mode: `true` live (`sk_live_…`), `false` test (`sk_test_…`, and keys made before modes). */
  livemode: boolean;
  scopes: ApiKeyScope[];
  created_at: string;
  last_used_at: string | null;
}

/**
 * The body of `apiKeys.create`.
 *
 * @example
 * await client.apiKeys.create({ name: 'ci', scopes: ['read', 'write'] });
 */
export interface CreateApiKeyInput {
  name: string;
  /** `['read']` or `['read', 'write']`. */
  scopes: ApiKeyScope[];
}

/**
 * A key just issued, with the key itself: shown this once.
 *
 * @example
 * const { key }: IssuedApiKey = await client.apiKeys.create({ name: 'ci', scopes: ['read', 'write'] });
 */
export interface IssuedApiKey extends Omit<ApiKey, 'last_used_at'> {
  key: string;
}
