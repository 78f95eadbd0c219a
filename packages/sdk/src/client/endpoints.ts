/** `client.endpoints`: where webhooks go, with their signing secrets, recovery, test webhooks and replays. */
import { type ApiContext, seg } from './transport.js';
import type { ListParams, Page } from './types/common.js';
import type {
  CreateEndpointInput,
  Endpoint,
  EndpointSecrets,
  TestWebhook,
  UpdateEndpointInput,
} from './types/endpoints.js';
import type { Replay, ReplayInput } from './types/replays.js';

export type EndpointsApi = ReturnType<typeof endpointsApi>;

export function endpointsApi(api: ApiContext) {
  return {
    /** @example const { data } = await client.endpoints.list(); */
    list: (params: ListParams = {}): Promise<Page<Endpoint>> =>
      api.request('GET', '/v1/endpoints', { query: { ...params } }),
    /** Answers with the new endpoint's `secret` too. @example const { id, secret } = await client.endpoints.create({ url, event_types: ['order.*'] }); */
    create: (input: CreateEndpointInput): Promise<Endpoint & { secret: string }> =>
      api.request('POST', '/v1/endpoints', { body: input }),
    /** @example await client.endpoints.get('ep_01J…'); */
    get: (id: string): Promise<Endpoint> => api.request('GET', `/v1/endpoints/${seg(id)}`),
    /** @example await client.endpoints.update('ep_01J…', { event_types: ['order.*'] }); */
    update: (id: string, patch: UpdateEndpointInput): Promise<Endpoint> =>
      api.request('PATCH', `/v1/endpoints/${seg(id)}`, { body: patch }),
    /** Deletes the endpoint; its pending deliveries are cancelled. @example await client.endpoints.delete('ep_01J…'); */
    delete: async (id: string): Promise<void> => {
      await api.request('DELETE', `/v1/endpoints/${seg(id)}`);
    },
    /** A new secret; the old one keeps signing for a grace period. @example const { secret } = await client.endpoints.rotateSecret(id); */
    rotateSecret: (id: string): Promise<EndpointSecrets> =>
      api.request('POST', `/v1/endpoints/${seg(id)}/rotate-secret`),
    /** @example const { secret } = await client.endpoints.getSecret('ep_01J…'); */
    getSecret: (id: string): Promise<EndpointSecrets> => api.request('GET', `/v1/endpoints/${seg(id)}/secret`),
    /**
     * Makes every failed delivery of the endpoint since `since` due again (after fixing a broken receiver).
     * @example const { recovered } = await client.endpoints.recover('ep_01J…', new Date(Date.now() - 86_400_000));
     */
    recover: (id: string, since: Date | string): Promise<{ recovered: number }> =>
      api.request('POST', `/v1/endpoints/${seg(id)}/recover`, {
        body: { since: since instanceof Date ? since.toISOString() : since },
      }),
    /**
     * Sends one signed `payhook.test` webhook to the endpoint now and answers with what it said (nothing
     * is stored or retried; a non-2xx answer is `succeeded: false`, not an error).
     * @example const { succeeded, status_code } = await client.endpoints.test('ep_01J…');
     */
    test: (id: string, options: { api_version?: string } = {}): Promise<TestWebhook> =>
      api.request('POST', `/v1/endpoints/${seg(id)}/test`, {
        body: options.api_version === undefined ? undefined : { api_version: options.api_version },
      }),
    /**
     * Sends the events of a window to the endpoint again, as a background job (answered 202; poll
     * `replays.get`).
     * @example const r = await client.endpoints.replay('ep_01J…', { since: '2026-12-01T00:00:00Z' });
     */
    replay: (id: string, input: ReplayInput): Promise<Replay> =>
      api.request('POST', `/v1/endpoints/${seg(id)}/replay`, { body: input }),
  };
}
