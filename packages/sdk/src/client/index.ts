/**
 * A typed client for payhook's management API, on the global `fetch` (or one you pass in). This file holds
 * the client and its options; each resource's methods are in their own file (events.ts, endpoints.ts, …),
 * the HTTP in transport.ts, and the API's JSON shapes in types/.
 *
 * The part a merchant needs most is catch-up: after downtime, `events.iterate({ after })` walks every
 * event since the last one handled, oldest first, through the same handler as webhooks (with the same
 * idempotency, so events that did arrive are skipped).
 */
import { isThinEvent } from '../versions.js';
import { type DeliveriesApi, deliveriesApi } from './deliveries.js';
import { type EndpointsApi, endpointsApi } from './endpoints.js';
import { type ErasuresApi, erasuresApi } from './erasures.js';
import { type EventsApi, eventsApi, normaliseEvent } from './events.js';
import { type ApiKeysApi, apiKeysApi, type MerchantsApi, merchantsApi } from './merchants.js';
import {
  type OrdersApi,
  ordersApi,
  type RefundsApi,
  refundsApi,
  type TransactionsApi,
  transactionsApi,
} from './payments.js';
import { type ReplaysApi, replaysApi } from './replays.js';
import { type ApiContext, type Query, Transport } from './transport.js';
import type { ApiEvent } from './types/events.js';

/**
 * Options of `PayhookClient`.
 *
 * @example
 * new PayhookClient({ baseUrl: 'http://localhost:8080', apiKey: process.env.PAYHOOK_API_KEY! });
 */
export interface PayhookClientOptions {
  /** The API's origin, e.g. `https://payhook.example.com` (a trailing `/` is fine). */
  baseUrl: string;
  /** A merchant key (`sk_…`), or the admin key together with `merchantId`. */
  apiKey: string;
  /** A `fetch` implementation; default the global one. */
  fetch?: typeof fetch;
  /** With the admin key: the merchant to act for (sent as `merchant_id`). */
  merchantId?: string;
  /**
   * With the admin key: act in the merchant's live mode (`true`) or test mode (sent as `livemode`). A
   * merchant key acts in its own mode (`sk_test_…` or `sk_live_…`); naming the other one is a 404.
   */
  livemode?: boolean;
  /** Per-request timeout in ms; default 30,000. */
  timeoutMs?: number;
}

/**
 * The payhook management API client.
 *
 * @example
 * import { PayhookClient } from '@payhook/sdk';
 * const payhook = new PayhookClient({ baseUrl: 'http://localhost:8080', apiKey: process.env.PAYHOOK_API_KEY! });
 * const endpoint = await payhook.endpoints.create({ url: 'https://shop.example/webhooks', event_types: ['order.*'] });
 * const { secret } = await payhook.endpoints.getSecret(endpoint.id);
 * for await (const event of payhook.events.iterate({ after: lastSeenEventId, types: ['order.*'] })) await handle(event);
 */
export class PayhookClient {
  readonly #transport: Transport;

  /**
   * Merchants (tenants): the admin key only. `merchantId` is not sent on these routes.
   *
   * @example
   * const admin = new PayhookClient({ baseUrl, apiKey: process.env.PAYHOOK_ADMIN_KEY! });
   * const { id, api_key } = await admin.merchants.create({ name: 'Corner Shop' });
   */
  readonly merchants: MerchantsApi;

  /**
   * Events: send, read, list, and iterate for catch-up.
   *
   * @example
   * const page = await client.events.list({ types: ['order.success'], limit: 100 });
   */
  readonly events: EventsApi;

  /**
   * Endpoints: where webhooks go, with their signing secrets.
   *
   * @example
   * const ep = await client.endpoints.create({ url: 'https://shop.example/webhooks' });
   */
  readonly endpoints: EndpointsApi;

  /**
   * Bulk replays (`endpoints.replay`) and their progress.
   *
   * @example
   * const { state, done, total } = await client.replays.get('rpl_01J…');
   */
  readonly replays: ReplaysApi;

  /**
   * The merchant's API keys: list, issue (the key is shown once), revoke.
   *
   * @example
   * const { key } = await client.apiKeys.create({ name: 'reporting', scopes: ['read'] });
   */
  readonly apiKeys: ApiKeysApi;

  /**
   * Deliveries: one per event and endpoint, with their attempts.
   *
   * @example
   * const failed = await client.deliveries.list({ status: 'failed' });
   */
  readonly deliveries: DeliveriesApi;

  /**
   * Erasures: a customer's personal data redacted from stored events and attempt answers.
   *
   * @example
   * const e = await client.erasures.create({ customer_email: 'customer@example.com' });
   */
  readonly erasures: ErasuresApi;

  /**
   * Orders of the payment module.
   *
   * @example
   * const order = await client.orders.create({ reference: 'A-1001', amount: 10000, currency: 'AED' });
   * const txn = await client.orders.pay(order.id, { number: '4111111111111111', expiry: '12/30', cvc: '123' });
   */
  readonly orders: OrdersApi;

  /**
   * Payments (transactions) and their refunds.
   *
   * @example
   * const txn = await client.transactions.get('txn_01J…');
   * const refund = await client.transactions.refund(txn.id, { amount: 2500, reason: 'one item returned' });
   */
  readonly transactions: TransactionsApi;

  /**
   * Refunds, one by one.
   *
   * @example
   * const refund = await client.refunds.get('re_01J…');
   */
  readonly refunds: RefundsApi;

  constructor(options: PayhookClientOptions) {
    if (!options || typeof options.baseUrl !== 'string' || !/^https?:\/\//.test(options.baseUrl)) {
      throw new TypeError('PayhookClient needs baseUrl, an http(s) URL');
    }
    if (typeof options.apiKey !== 'string' || options.apiKey === '') throw new TypeError('PayhookClient needs apiKey');
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TypeError('no fetch available: pass options.fetch');
    this.#transport = new Transport({
      baseUrl: options.baseUrl,
      apiKey: options.apiKey,
      fetch: f,
      merchantId: options.merchantId,
      livemode: options.livemode,
      timeoutMs: options.timeoutMs ?? 30_000,
    });
    const api: ApiContext = {
      request: (method, path, requestOptions) => this.request(method, path, requestOptions),
      transport: this.#transport,
    };
    this.merchants = merchantsApi(api);
    this.events = eventsApi(api);
    this.endpoints = endpointsApi(api);
    this.replays = replaysApi(api);
    this.apiKeys = apiKeysApi(api);
    this.deliveries = deliveriesApi(api);
    this.erasures = erasuresApi(api);
    this.orders = ordersApi(api);
    this.transactions = transactionsApi(api);
    this.refunds = refundsApi(api);
  }

  /**
   * Sends one request to the API and returns its parsed JSON; a non-2xx answer throws `PayhookApiError`.
   * The resource methods are built on it; use it for routes they do not cover.
   *
   * @example
   * const health = await client.request<{ ok: boolean }>('GET', '/healthz');
   */
  async request<T>(method: string, path: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
    return (await this.#transport.exchange<T>(method, path, options)).body;
  }

  /**
   * The object a thin event is about (`payload_style: "thin"`), read now through the API: an order,
   * a transaction, a refund, or the event itself (`object: "event"`). It follows the event's
   * `data.url`, which payhook sets to the route that reads the object, so it needs no table of routes.
   *
   * @example
   * const event = verify(rawBody, headers, secret);
   * if (isThinEvent(event)) {
   *   const order = await client.fetchRelated<Order>(event); // GET /v1/orders/ord_…
   * }
   */
  async fetchRelated<T = unknown>(event: { data?: unknown } | null | undefined): Promise<T> {
    if (!isThinEvent(event))
      throw new TypeError('fetchRelated takes a thin event: data {object, id, url} (payload_style "thin")');
    const path = event.data.url;
    if (!/^\/v1\/[a-z_-]+\/[A-Za-z0-9_%-]+$/.test(path)) throw new TypeError(`not an API path: ${path}`);
    const body = await this.request<T>('GET', path);
    return (event.data.object === 'event' ? normaliseEvent(body as ApiEvent) : body) as T;
  }
}
