/** `client.erasures`: a customer's personal data redacted from stored events and attempt answers. */
import { type ApiContext, seg } from './transport.js';
import type { CreateErasureInput, Erasure } from './types/erasures.js';

export type ErasuresApi = ReturnType<typeof erasuresApi>;

export function erasuresApi(api: ApiContext) {
  return {
    /** @example await client.erasures.create({ order_id: 'ord_01J…' }); */
    create: (input: CreateErasureInput): Promise<Erasure> => api.request('POST', '/v1/erasures', { body: input }),
    /** @example const e = await client.erasures.get('era_01J…'); */
    get: (id: string): Promise<Erasure> => api.request('GET', `/v1/erasures/${seg(id)}`),
  };
}
