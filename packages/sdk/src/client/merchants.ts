/**
 * `client.merchants` (tenants, the admin key only) and `client.apiKeys` (a merchant's own keys): who may
 * call the API.
 */
import { type ApiContext, seg } from './transport.js';
import type { ListParams, Page } from './types/common.js';
import type {
  ApiKey,
  CreateApiKeyInput,
  CreatedMerchant,
  CreateMerchantInput,
  IssuedApiKey,
  Merchant,
} from './types/merchants.js';

export type MerchantsApi = ReturnType<typeof merchantsApi>;

/** `merchantId` is not sent on these routes (`scoped: false`). */
export function merchantsApi(api: ApiContext) {
  return {
    /** Answers with the merchant's API key, the only time it is shown. @example const { api_key } = await admin.merchants.create({ name: 'Corner Shop' }); */
    create: async (input: CreateMerchantInput): Promise<CreatedMerchant> =>
      (await api.transport.exchange<CreatedMerchant>('POST', '/v1/merchants', { body: input, scoped: false })).body,
    /** Newest first. @example const { data } = await admin.merchants.list({ limit: 100 }); */
    list: async (params: ListParams = {}): Promise<Page<Merchant>> =>
      (await api.transport.exchange<Page<Merchant>>('GET', '/v1/merchants', { query: { ...params }, scoped: false }))
        .body,
  };
}

export type ApiKeysApi = ReturnType<typeof apiKeysApi>;

export function apiKeysApi(api: ApiContext) {
  return {
    /** Live keys, newest first; never the keys themselves. @example const { data } = await client.apiKeys.list(); */
    list: (params: ListParams = {}): Promise<Page<ApiKey>> =>
      api.request('GET', '/v1/api-keys', { query: { ...params } }),
    /** Issues a key; `key` is in this answer only. @example const { key } = await client.apiKeys.create({ name: 'ci', scopes: ['read', 'write'] }); */
    create: (input: CreateApiKeyInput): Promise<IssuedApiKey> => api.request('POST', '/v1/api-keys', { body: input }),
    /** Revokes a key (it may be the one in use). @example await client.apiKeys.revoke('key_01J…'); */
    revoke: async (id: string): Promise<void> => {
      await api.request('DELETE', `/v1/api-keys/${seg(id)}`);
    },
  };
}
