/**
 * A typed client for payhook's management API, on the global `fetch` (or one you pass in).
 *
 * The part a merchant needs most is catch-up: after downtime, `events.iterate({ after })` walks every
 * event since the last one handled, oldest first, through the same handler as webhooks (with the same
 * idempotency, so events that did arrive are skipped).
 */
import { PayhookApiError } from '../errors.js';
import { isThinEvent } from '../versions.js';
import type {
  ApiEvent,
  ApiKey,
  Card,
  CreateApiKeyInput,
  CreatedMerchant,
  CreateEndpointInput,
  CreateErasureInput,
  CreateMerchantInput,
  CreateOrderInput,
  CreateRefundInput,
  Delivery,
  DeliveryDetail,
  DeliveryListParams,
  Endpoint,
  EndpointSecrets,
  Erasure,
  EventListParams,
  IssuedApiKey,
  ListenParams,
  ListParams,
  Merchant,
  Order,
  OrderListParams,
  Page,
  PayResult,
  Refund,
  Resend,
  SendEventInput,
  SendEventResult,
  TestWebhook,
  Transaction,
  UpdateEndpointInput,
  Replay,
  ReplayInput,
} from './types.js';

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

type Query = Record<string, string | number | boolean | undefined | null>;

interface CallOptions {
  query?: Query;
  body?: unknown;
  /** Send the client's `merchantId` as `merchant_id` (every route but the admin's `/v1/merchants`). */
  scoped?: boolean;
}

/** API events carry `created_at`; give them the envelope's `timestamp` too, so webhook handlers take them. */
function normaliseEvent(e: ApiEvent): ApiEvent {
  const raw = e as ApiEvent & { timestamp?: string };
  return raw.timestamp ? e : ({ ...e, timestamp: e.created_at } as ApiEvent);
}

const seg = (id: string): string => {
  if (typeof id !== 'string' || id === '') throw new TypeError('an id is required');
  return encodeURIComponent(id);
};

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
  readonly #baseUrl: string;
  readonly #apiKey: string;
  readonly #fetch: typeof fetch;
  readonly #merchantId: string | undefined;
  readonly #livemode: boolean | undefined;
  readonly #timeoutMs: number;

  constructor(options: PayhookClientOptions) {
    if (!options || typeof options.baseUrl !== 'string' || !/^https?:\/\//.test(options.baseUrl)) {
      throw new TypeError('PayhookClient needs baseUrl, an http(s) URL');
    }
    if (typeof options.apiKey !== 'string' || options.apiKey === '') throw new TypeError('PayhookClient needs apiKey');
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TypeError('no fetch available: pass options.fetch');
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#fetch = f;
    this.#merchantId = options.merchantId;
    this.#livemode = options.livemode;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /**
   * Sends one request to the API and returns its parsed JSON; a non-2xx answer throws `PayhookApiError`.
   * The resource methods are built on it; use it for routes they do not cover.
   *
   * @example
   * const health = await client.request<{ ok: boolean }>('GET', '/healthz');
   */
  async request<T>(method: string, path: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
    return (await this.#exchange<T>(method, path, options)).body;
  }

  /** One JSON request, with the answer's status (some routes say something with it, such as 200 vs 202). */
  async #exchange<T>(method: string, path: string, options: CallOptions): Promise<{ status: number; body: T }> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    const res = await this.#fetch2xx(method, path, options, 'application/json', signal);
    const text = await res.text().catch((err: unknown) => {
      throw this.#networkError(method, path, err);
    });
    if (text === '') return { status: res.status, body: undefined as T };
    try {
      return { status: res.status, body: JSON.parse(text) as T };
    } catch {
      throw new PayhookApiError(
        'invalid_response',
        res.status,
        `${method} ${path} answered ${res.status} with a body that is not JSON`,
      );
    }
  }

  /** Sends one request; a network failure or a non-2xx answer throws `PayhookApiError`. */
  async #fetch2xx(
    method: string,
    path: string,
    options: CallOptions,
    accept: string,
    signal: AbortSignal,
  ): Promise<Response> {
    const url = new URL(this.#baseUrl + path);
    const query =
      options.scoped === false
        ? { ...options.query }
        : { ...options.query, merchant_id: this.#merchantId, livemode: this.#livemode };
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { authorization: `Bearer ${this.#apiKey}`, accept };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    let res: Response;
    try {
      res = await this.#fetch(url, { method, headers, body, signal });
    } catch (err) {
      throw this.#networkError(method, path, err);
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const e = (json as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
    if (e && typeof e.code === 'string') {
      throw new PayhookApiError(
        e.code,
        res.status,
        typeof e.message === 'string' ? e.message : e.code,
        e.details ?? null,
      );
    }
    throw new PayhookApiError(
      `http_${res.status}`,
      res.status,
      `${method} ${path} answered ${res.status} without a payhook error body`,
      text.slice(0, 500),
    );
  }

  #networkError(method: string, path: string, err: unknown): PayhookApiError {
    const timedOut = (err as { name?: string })?.name === 'TimeoutError';
    return new PayhookApiError(
      timedOut ? 'timeout' : 'network_error',
      0,
      timedOut
        ? `${method} ${path} timed out after ${this.#timeoutMs} ms`
        : `${method} ${path} failed: ${(err as Error)?.message ?? err}`,
      null,
      { cause: err },
    );
  }

  /**
   * Merchants (tenants): the admin key only. `merchantId` is not sent on these routes.
   *
   * @example
   * const admin = new PayhookClient({ baseUrl, apiKey: process.env.PAYHOOK_ADMIN_KEY! });
   * const { id, api_key } = await admin.merchants.create({ name: 'Corner Shop' });
   */
  readonly merchants = {
    /** Answers with the merchant's API key, the only time it is shown. @example const { api_key } = await admin.merchants.create({ name: 'Corner Shop' }); */
    create: (input: CreateMerchantInput): Promise<CreatedMerchant> =>
      this.#send('POST', '/v1/merchants', { body: input, scoped: false }),
    /** Newest first. @example const { data } = await admin.merchants.list({ limit: 100 }); */
    list: (params: ListParams = {}): Promise<Page<Merchant>> =>
      this.#send('GET', '/v1/merchants', { query: { ...params }, scoped: false }),
  };

  async #send<T>(method: string, path: string, options: CallOptions): Promise<T> {
    return (await this.#exchange<T>(method, path, options)).body;
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

  /**
   * Events: send, read, list, and iterate for catch-up.
   *
   * @example
   * const page = await client.events.list({ types: ['order.success'], limit: 100 });
   */
  readonly events = {
    /** Lists events, newest first unless `order: 'asc'`. @example await client.events.list({ after: lastId, order: 'asc' }); */
    list: async (params: EventListParams = {}): Promise<Page<ApiEvent>> => {
      const page = await this.request<Page<ApiEvent>>('GET', '/v1/events', { query: this.#eventQuery(params) });
      return { ...page, data: page.data.map(normaliseEvent) };
    },
    /**
     * Every event matching the filters, page after page, oldest first unless `order` says otherwise.
     * Stop whenever you like (`break`); resume later with `after` set to the last id you handled.
     *
     * @example
     * let last = await loadCheckpoint();
     * for await (const event of client.events.iterate({ after: last, types: ['order.*'] })) {
     *   await idempotency.run(event.id, () => handle(event));
     *   await saveCheckpoint((last = event.id));
     * }
     */
    iterate: (params: Omit<EventListParams, 'cursor'> = {}): AsyncIterableIterator<ApiEvent> => {
      return this.#paginate((cursor) => this.events.list({ order: 'asc', ...params, cursor }));
    },
    /**
     * One event; with `api_version`, its data as an endpoint of that version receives it.
     * @example const e = await client.events.get('evt_01J…', { api_version: '2026-12-05' });
     */
    get: async (id: string, options: { api_version?: string } = {}): Promise<ApiEvent> =>
      normaliseEvent(
        await this.request<ApiEvent>('GET', `/v1/events/${seg(id)}`, { query: { api_version: options.api_version } }),
      ),
    /** Creates an event; payhook delivers it to every matching endpoint. @example await client.events.send({ type: 'ping', data: {} }); */
    send: async (input: SendEventInput): Promise<ApiEvent> =>
      normaliseEvent(await this.request<ApiEvent>('POST', '/v1/events', { body: input })),
    /**
     * `send`, telling whether the event was created (`false`: its `idempotency_key` was seen before,
     * and the first event is returned unchanged).
     * @example const { event, created } = await client.events.create({ type: 'invoice.paid', data: { id: 'inv_1' }, idempotency_key: 'inv_1' });
     */
    create: async (input: SendEventInput): Promise<SendEventResult> => {
      const { status, body } = await this.#exchange<ApiEvent>('POST', '/v1/events', { body: input });
      return { event: normaliseEvent(body), created: status !== 200 };
    },
    /**
     * Opens `GET /v1/listen`: the merchant's events as Server-Sent Events, as they are accepted (what
     * `payhook listen` forwards). Resolves once payhook has answered, with the `text/event-stream` body;
     * it stays open until `signal` aborts or the connection ends. The client's timeout covers the
     * connection only, never the open stream. Refused (a bad key, a bad filter) → `PayhookApiError`.
     *
     * @example
     * const stream = await client.events.listen({ types: ['order.*'], after: lastSeenId, signal });
     * for await (const chunk of stream) process.stdout.write(new TextDecoder().decode(chunk));
     */
    listen: (params: ListenParams = {}): Promise<ReadableStream<Uint8Array>> => this.#listen(params),
    /**
     * Sends the event again, with its own id: its deliveries to enabled endpoints are due now, whatever
     * their status, and every `payhook listen` gets it again (answered 202).
     * @example const { deliveries } = await client.events.resend('evt_01J…');
     */
    resend: (id: string): Promise<Resend> => this.request('POST', `/v1/events/${seg(id)}/resend`),
  };

  async #listen(params: ListenParams): Promise<ReadableStream<Uint8Array>> {
    const path = '/v1/listen';
    const connecting = new AbortController();
    const timer = setTimeout(
      () => connecting.abort(new DOMException('connecting timed out', 'TimeoutError')),
      this.#timeoutMs,
    );
    const signal = params.signal ? AbortSignal.any([params.signal, connecting.signal]) : connecting.signal;
    const query: Query = {
      types: params.types && params.types.length > 0 ? params.types.join(',') : undefined,
      after: params.after,
      resends_after: params.resendsAfter,
    };
    try {
      const res = await this.#fetch2xx('GET', path, { query }, 'text/event-stream', signal);
      if (!res.body)
        throw new PayhookApiError(
          'invalid_response',
          res.status,
          `GET ${path} answered ${res.status} without a stream`,
        );
      return res.body as ReadableStream<Uint8Array>;
    } catch (err) {
      // Stopped by the caller: the caller's own abort reason, as fetch gives it.
      if (params.signal?.aborted) throw params.signal.reason ?? err;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Endpoints: where webhooks go, with their signing secrets.
   *
   * @example
   * const ep = await client.endpoints.create({ url: 'https://shop.example/webhooks' });
   */
  readonly endpoints = {
    /** @example const { data } = await client.endpoints.list(); */
    list: (params: ListParams = {}): Promise<Page<Endpoint>> =>
      this.request('GET', '/v1/endpoints', { query: { ...params } }),
    /** Answers with the new endpoint's `secret` too. @example const { id, secret } = await client.endpoints.create({ url, event_types: ['order.*'] }); */
    create: (input: CreateEndpointInput): Promise<Endpoint & { secret: string }> =>
      this.request('POST', '/v1/endpoints', { body: input }),
    /** @example await client.endpoints.get('ep_01J…'); */
    get: (id: string): Promise<Endpoint> => this.request('GET', `/v1/endpoints/${seg(id)}`),
    /** @example await client.endpoints.update('ep_01J…', { event_types: ['order.*'] }); */
    update: (id: string, patch: UpdateEndpointInput): Promise<Endpoint> =>
      this.request('PATCH', `/v1/endpoints/${seg(id)}`, { body: patch }),
    /** Deletes the endpoint; its pending deliveries are cancelled. @example await client.endpoints.delete('ep_01J…'); */
    delete: async (id: string): Promise<void> => {
      await this.request('DELETE', `/v1/endpoints/${seg(id)}`);
    },
    /** A new secret; the old one keeps signing for a grace period. @example const { secret } = await client.endpoints.rotateSecret(id); */
    rotateSecret: (id: string): Promise<EndpointSecrets> =>
      this.request('POST', `/v1/endpoints/${seg(id)}/rotate-secret`),
    /** @example const { secret } = await client.endpoints.getSecret('ep_01J…'); */
    getSecret: (id: string): Promise<EndpointSecrets> => this.request('GET', `/v1/endpoints/${seg(id)}/secret`),
    /**
     * Makes every failed delivery of the endpoint since `since` due again (after fixing a broken receiver).
     * @example const { recovered } = await client.endpoints.recover('ep_01J…', new Date(Date.now() - 86_400_000));
     */
    recover: (id: string, since: Date | string): Promise<{ recovered: number }> =>
      this.request('POST', `/v1/endpoints/${seg(id)}/recover`, {
        body: { since: since instanceof Date ? since.toISOString() : since },
      }),
    /**
     * Sends one signed `payhook.test` webhook to the endpoint now and answers with what it said (nothing
     * is stored or retried; a non-2xx answer is `succeeded: false`, not an error).
     * @example const { succeeded, status_code } = await client.endpoints.test('ep_01J…');
     */
    test: (id: string, options: { api_version?: string } = {}): Promise<TestWebhook> =>
      this.request('POST', `/v1/endpoints/${seg(id)}/test`, {
        body: options.api_version === undefined ? undefined : { api_version: options.api_version },
      }),
    /**
     * Sends the events of a window to the endpoint again, as a background job (answered 202; poll
     * `replays.get`).
     * @example const r = await client.endpoints.replay('ep_01J…', { since: '2026-12-01T00:00:00Z' });
     */
    replay: (id: string, input: ReplayInput): Promise<Replay> =>
      this.request('POST', `/v1/endpoints/${seg(id)}/replay`, { body: input }),
  };

  /**
   * Bulk replays (`endpoints.replay`) and their progress.
   *
   * @example
   * const { state, done, total } = await client.replays.get('rpl_01J…');
   */
  readonly replays = {
    /** @example const r = await client.replays.get('rpl_01J…'); */
    get: (id: string): Promise<Replay> => this.request('GET', `/v1/replays/${seg(id)}`),
  };

  /**
   * The merchant's API keys: list, issue (the key is shown once), revoke.
   *
   * @example
   * const { key } = await client.apiKeys.create({ name: 'reporting', scopes: ['read'] });
   */
  readonly apiKeys = {
    /** Live keys, newest first; never the keys themselves. @example const { data } = await client.apiKeys.list(); */
    list: (params: ListParams = {}): Promise<Page<ApiKey>> =>
      this.request('GET', '/v1/api-keys', { query: { ...params } }),
    /** Issues a key; `key` is in this answer only. @example const { key } = await client.apiKeys.create({ name: 'ci', scopes: ['read', 'write'] }); */
    create: (input: CreateApiKeyInput): Promise<IssuedApiKey> => this.request('POST', '/v1/api-keys', { body: input }),
    /** Revokes a key (it may be the one in use). @example await client.apiKeys.revoke('key_01J…'); */
    revoke: async (id: string): Promise<void> => {
      await this.request('DELETE', `/v1/api-keys/${seg(id)}`);
    },
  };

  /**
   * Deliveries: one per event and endpoint, with their attempts.
   *
   * @example
   * const failed = await client.deliveries.list({ status: 'failed' });
   */
  readonly deliveries = {
    /** @example await client.deliveries.list({ endpoint_id: 'ep_01J…', status: 'failed' }); */
    list: (params: DeliveryListParams = {}): Promise<Page<Delivery>> =>
      this.request('GET', '/v1/deliveries', { query: { ...params } }),
    /** @example const d = await client.deliveries.get('del_01J…'); */
    get: (id: string): Promise<DeliveryDetail> => this.request('GET', `/v1/deliveries/${seg(id)}`),
    /** Makes the delivery due now, whatever its status (answered 202). @example await client.deliveries.retry('del_01J…'); */
    retry: (id: string): Promise<Delivery> => this.request('POST', `/v1/deliveries/${seg(id)}/retry`),
    /**
     * Gives up on a delivery, releasing its ordering key (a held key, or a pending delivery not in flight).
     * @example await client.deliveries.skip('del_01J…');
     */
    skip: (id: string): Promise<Delivery> => this.request('POST', `/v1/deliveries/${seg(id)}/skip`),
  };

  /**
   * Erasures: a customer's personal data redacted from stored events and attempt answers.
   *
   * @example
   * const e = await client.erasures.create({ customer_email: 'customer@example.com' });
   */
  readonly erasures = {
    /** @example await client.erasures.create({ order_id: 'ord_01J…' }); */
    create: (input: CreateErasureInput): Promise<Erasure> => this.request('POST', '/v1/erasures', { body: input }),
    /** @example const e = await client.erasures.get('era_01J…'); */
    get: (id: string): Promise<Erasure> => this.request('GET', `/v1/erasures/${seg(id)}`),
  };

  /**
   * Orders of the payment module.
   *
   * @example
   * const order = await client.orders.create({ reference: 'A-1001', amount: 10000, currency: 'AED' });
   * const txn = await client.orders.pay(order.id, { number: '4111111111111111', expiry: '12/30', cvc: '123' });
   */
  readonly orders = {
    /** @example await client.orders.create({ reference: 'A-1001', amount: 10000, currency: 'AED' }); */
    create: (input: CreateOrderInput): Promise<Order> => this.request('POST', '/v1/orders', { body: input }),
    /** With its transactions and events. @example await client.orders.get('ord_01J…'); */
    get: (id: string): Promise<Order> => this.request('GET', `/v1/orders/${seg(id)}`),
    /** @example await client.orders.list({ status: 'open' }); */
    list: (params: OrderListParams = {}): Promise<Page<Order>> =>
      this.request('GET', '/v1/orders', { query: { ...params } }),
    /** Pays with a card; the transaction says `success`, `delayed` or `failed` at once. @example await client.orders.pay(id, card); */
    pay: (id: string, card: Card): Promise<PayResult> =>
      this.request('POST', `/v1/orders/${seg(id)}/transactions`, { body: { card } }),
  };

  /**
   * Payments (transactions) and their refunds.
   *
   * @example
   * const txn = await client.transactions.get('txn_01J…');
   * const refund = await client.transactions.refund(txn.id, { amount: 2500, reason: 'one item returned' });
   */
  readonly transactions = {
    /** With its pay-back and what its refunds returned. @example await client.transactions.get('txn_01J…'); */
    get: (id: string): Promise<Transaction> => this.request('GET', `/v1/transactions/${seg(id)}`),
    /** Refunds a successful payment; no `amount`: all that remains. @example await client.transactions.refund('txn_01J…', { amount: 2500 }); */
    refund: (id: string, input: CreateRefundInput = {}): Promise<Refund> =>
      this.request('POST', `/v1/transactions/${seg(id)}/refunds`, { body: input }),
    /** Its refunds, oldest first. @example const { data } = await client.transactions.refunds('txn_01J…'); */
    refunds: (id: string): Promise<{ data: Refund[] }> => this.request('GET', `/v1/transactions/${seg(id)}/refunds`),
  };

  /**
   * Refunds, one by one.
   *
   * @example
   * const refund = await client.refunds.get('re_01J…');
   */
  readonly refunds = {
    /** @example const { status } = await client.refunds.get('re_01J…'); */
    get: (id: string): Promise<Refund> => this.request('GET', `/v1/refunds/${seg(id)}`),
  };

  #eventQuery(params: EventListParams): Query {
    const bound = (v: string | Date | undefined) => (v instanceof Date ? v.toISOString() : v);
    return {
      after: bound(params.after),
      before: bound(params.before),
      type: params.types && params.types.length > 0 ? params.types.join(',') : undefined,
      limit: params.limit,
      cursor: params.cursor,
      order: params.order,
      api_version: params.api_version,
    };
  }

  async *#paginate<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): AsyncIterableIterator<T> {
    let cursor: string | undefined;
    for (;;) {
      const page = await fetchPage(cursor);
      yield* page.data;
      if (!page.next_cursor || page.data.length === 0) return;
      cursor = page.next_cursor;
    }
  }
}
