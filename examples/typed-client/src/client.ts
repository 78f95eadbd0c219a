/**
 * A typed payhook client in a few lines: types generated from payhook's `/openapi.json` by
 * openapi-typescript (`npm run generate`, into ./payhook-api.ts), requests made by openapi-fetch. Paths,
 * query parameters, bodies, responses and error codes are all checked by the compiler; nothing here is
 * written by hand but the calls.
 *
 * @example
 * const admin = payhookClient('http://127.0.0.1:8080', process.env.ADMIN!);
 * const { api_key } = await createMerchant(admin, 'Corner Shop');
 * const shop = payhookClient('http://127.0.0.1:8080', api_key);
 * const endpoint = await createEndpoint(shop, { url: 'https://shop.example.com/webhooks', event_types: ['order.*'] });
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from './payhook-api.js';

export type PayhookClient = Client<paths>;
export type Delivery = components['schemas']['Delivery'];
/** The body of `endpoints.create`, named by its operationId. */
export type NewEndpoint = operations['endpoints.create']['requestBody']['content']['application/json'];
export type ErrorBody = components['schemas']['Error'];

/** An API error with its stable code (docs/errors.md). */
export class PayhookApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly details: unknown,
  ) {
    super(`${status} ${code}`);
  }
}

function check<T>(r: { data?: T; error?: ErrorBody; response: Response }): T {
  if (r.error !== undefined || r.data === undefined) {
    throw new PayhookApiError(r.response.status, r.error?.error.code ?? 'no_body', r.error?.error.details ?? null);
  }
  return r.data;
}

export function payhookClient(baseUrl: string, key: string): PayhookClient {
  return createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${key}` } });
}

/** `merchants.create` (admin key): the merchant and its API key, shown once. */
export async function createMerchant(admin: PayhookClient, name: string) {
  return check(await admin.POST('/v1/merchants', { body: { name } }));
}

/** `endpoints.create`: the endpoint and its signing secret. */
export async function createEndpoint(client: PayhookClient, endpoint: NewEndpoint) {
  return check(await client.POST('/v1/endpoints', { body: endpoint }));
}

/** `events.create`: 202 with the new event, or 200 with the first one for a known idempotency key. */
export async function sendEvent(
  client: PayhookClient,
  type: string,
  data: Record<string, unknown>,
  idempotencyKey?: string,
) {
  const r = await client.POST('/v1/events', { body: { type, data, idempotency_key: idempotencyKey } });
  return { event: check(r), created: r.response.status === 202 };
}

/** `deliveries.list`, filtered to one event. */
export async function deliveriesOf(client: PayhookClient, eventId: string): Promise<Delivery[]> {
  return check(await client.GET('/v1/deliveries', { params: { query: { event_id: eventId, limit: 10 } } })).data;
}

/** `endpoints.get`: throws PayhookApiError with `endpoint_not_found` for an id the merchant does not own. */
export async function getEndpoint(client: PayhookClient, id: string) {
  return check(await client.GET('/v1/endpoints/{id}', { params: { path: { id } } }));
}
