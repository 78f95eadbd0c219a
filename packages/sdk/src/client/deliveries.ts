/** `client.deliveries`: one per event and endpoint, with their attempts; retry and skip. */
import { type ApiContext, seg } from './transport.js';
import type { Page } from './types/common.js';
import type { Delivery, DeliveryDetail, DeliveryListParams } from './types/deliveries.js';

export type DeliveriesApi = ReturnType<typeof deliveriesApi>;

export function deliveriesApi(api: ApiContext) {
  return {
    /** @example await client.deliveries.list({ endpoint_id: 'ep_01J…', status: 'failed' }); */
    list: (params: DeliveryListParams = {}): Promise<Page<Delivery>> =>
      api.request('GET', '/v1/deliveries', { query: { ...params } }),
    /** @example const d = await client.deliveries.get('del_01J…'); */
    get: (id: string): Promise<DeliveryDetail> => api.request('GET', `/v1/deliveries/${seg(id)}`),
    /** Makes the delivery due now, whatever its status (answered 202). @example await client.deliveries.retry('del_01J…'); */
    retry: (id: string): Promise<Delivery> => api.request('POST', `/v1/deliveries/${seg(id)}/retry`),
    /**
     * Gives up on a delivery, releasing its ordering key (a held key, or a pending delivery not in flight).
     * @example await client.deliveries.skip('del_01J…');
     */
    skip: (id: string): Promise<Delivery> => api.request('POST', `/v1/deliveries/${seg(id)}/skip`),
  };
}
