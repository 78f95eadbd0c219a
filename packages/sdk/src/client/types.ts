/**
 * The JSON shapes of payhook's management API (snake_case, as on the wire). Times are ISO 8601 strings,
 * amounts integer minor units, ids prefixed.
 */
import type { PayhookEvent, OrderStatus, RefundStatus, TransactionStatus } from '../events.js';

/**
 * One page of a list: `next_cursor` is `null` on the last page.
 *
 * @example
 * const page: Page<ApiEvent> = await client.events.list({ limit: 100 });
 * if (page.next_cursor) await client.events.list({ cursor: page.next_cursor });
 */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/**
 * Paging options of every list.
 *
 * @example
 * await client.endpoints.list({ limit: 250 });
 */
export interface ListParams {
  /** 1–250, default 50. */
  limit?: number;
  cursor?: string;
}

/**
 * An event as the API returns it: the webhook envelope (`id`, `type`, `timestamp`, `data`, typed like
 * `verify`'s result, so one handler serves webhooks and catch-up) plus API fields.
 *
 * @example
 * for await (const e of client.events.iterate({ after: lastSeenId })) if (isPaymentEvent(e)) apply(e);
 */
export type ApiEvent = PayhookEvent & {
  merchant_id: string;
  /** `true` in live mode (`sk_live_…` keys), `false` in test mode. */
  livemode: boolean;
  created_at: string;
  idempotency_key: string | null;
  /** Deliveries to an ordered endpoint that share it arrive one at a time, in event order. */
  ordering_key: string | null;
};

/**
 * Filters of `events.list` and `events.iterate`.
 *
 * @example
 * await client.events.list({ after: 'evt_01J…', types: ['order.success', 'order.cancel'], order: 'asc' });
 */
export interface EventListParams extends ListParams {
  /**
   * Only events created after this point: an event id (strictly after it: pass the last id you
   * processed), or a `Date` (events created at or after it).
   */
  after?: string | Date;
  /** Only events created before this point: an event id (exclusive) or a `Date`. */
  before?: string | Date;
  /** Event types to include (exact names, or `prefix.*`); sent as `type=a,b`. */
  types?: readonly string[];
  /** `asc` (oldest first, what catch-up wants) or `desc`. */
  order?: 'asc' | 'desc';
  /** Render each event's data in this event version: your endpoint's, so catch-up sees what webhooks do. */
  api_version?: string;
}

/**
 * The body of `events.send`.
 *
 * @example
 * await client.events.send({ type: 'invoice.created', data: { invoice_id: 'inv_1' }, idempotency_key: 'inv_1' });
 */
export interface SendEventInput {
  type: string;
  /** A JSON object. */
  data: object;
  /** The same key again returns the first event instead of creating another. */
  idempotency_key?: string;
  /** 1-255 characters: ordered endpoints get the events of one key one at a time, in order. */
  ordering_key?: string;
}

/**
 * The result of `events.create`: the event, and whether this call created it (`false` when its
 * `idempotency_key` was seen before: the first event comes back unchanged and nothing is sent again).
 *
 * @example
 * const { event, created }: SendEventResult = await client.events.create({ type: 'ping', data: {}, idempotency_key: 'k1' });
 */
export interface SendEventResult {
  event: ApiEvent;
  created: boolean;
}

/**
 * Options of `events.listen`.
 *
 * @example
 * const stop = new AbortController();
 * const stream = await client.events.listen({ types: ['order.*'], after: 'evt_01J…', signal: stop.signal });
 */
export interface ListenParams {
  /** Event types to stream (exact names, or `prefix.*`); all when absent. */
  types?: readonly string[];
  /** Resume: stream the events after this event id. Default: only events accepted from now on. */
  after?: string;
  /**
   * Resume resends too: stream the resends after this resend id (`rsd_…`, the id of a resend message).
   * Default: from the time of `after`, or from now.
   */
  resendsAfter?: string;
  /** Closes the stream (or stops connecting). */
  signal?: AbortSignal;
}

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
 * Why an endpoint is disabled: `merchant` (through the API) or `gone` (it answered 410 Gone).
 *
 * @example
 * if (ep.disabled && ep.disabled_reason === ('gone' as EndpointDisabledReason)) alertOps(ep);
 */
export type EndpointDisabledReason = 'merchant' | 'gone' | 'failing';

/**
 * A webhook endpoint of the merchant.
 *
 * @example
 * const ep: Endpoint = await client.endpoints.get('ep_01J…');
 */
export interface Endpoint {
  id: string;
  merchant_id: string;
  /** `true` in live mode (`sk_live_…` keys), `false` in test mode. */
  livemode: boolean;
  url: string;
  description: string;
  /** `null`: every event type. */
  event_types: string[] | null;
  disabled: boolean;
  disabled_reason: EndpointDisabledReason | null;
  headers: Record<string, string>;
  /** `standard` (the envelope) or another registered format such as `foloosi`. */
  format: string;
  /** The event version it receives (docs/versions.md), e.g. `2026-12-05`. */
  api_version: string;
  /** `snapshot`: events carry their data; `thin`: only the object they are about (`fetchRelated`). */
  payload_style: 'snapshot' | 'thin';
  timeout_ms: number | null;
  /** Deliveries that share an ordering key go out one at a time, in event order. */
  ordered: boolean;
  /** `skip`: a delivery that exhausts its retries lets the next of its key go; `hold`: the key waits. */
  ordering_on_failure: 'skip' | 'hold';
  /** Deliveries per second across every dispatcher; `null`: no limit. */
  rate_limit: number | null;
  /** Seconds before retry 1..n; `null`: the server's schedule. */
  retry_schedule: number[] | null;
  /** The circuit breaker: `open` while payhook holds deliveries back after repeated failures. */
  circuit: { state: 'closed' | 'open' | 'half_open'; failing_since: string | null; next_probe_at: string | null };
  created_at: string;
  updated_at: string;
}

/**
 * The body of `endpoints.create`.
 *
 * @example
 * await client.endpoints.create({ url: 'https://shop.example/webhooks', event_types: ['order.*'] });
 */
export interface CreateEndpointInput {
  url: string;
  description?: string;
  event_types?: string[] | null;
  disabled?: boolean;
  headers?: Record<string, string>;
  format?: string;
  /** Default: the latest version. */
  api_version?: string;
  payload_style?: 'snapshot' | 'thin';
  timeout_ms?: number | null;
  ordered?: boolean;
  ordering_on_failure?: 'skip' | 'hold';
  /** Deliveries per second, 1 to 10000; `null`: no limit. */
  rate_limit?: number | null;
  /** 1 to 20 delays, whole seconds or durations (`"30s"`, `"5m"`), each 1 s to 3 days; `null`: the server's. */
  retry_schedule?: (number | string)[] | null;
}

/**
 * The body of `endpoints.update`: any subset of the creatable fields.
 *
 * @example
 * await client.endpoints.update('ep_01J…', { disabled: true });
 */
export type UpdateEndpointInput = Partial<CreateEndpointInput>;

/**
 * An endpoint's signing secrets (what `getSecret` and `rotateSecret` return): the current one, and
 * rotated-out ones that keep signing until they expire. Verify with all of them during a rotation.
 *
 * @example
 * const { secret, previous_secrets } = await client.endpoints.getSecret('ep_01J…');
 * const secrets = [secret, ...previous_secrets.map((p) => p.secret)];
 */
export interface EndpointSecrets {
  secret: string;
  previous_secrets: { secret: string; expires_at: string }[];
}

/**
 * A test webhook sent to one endpoint (`endpoints.test`), and what the endpoint answered. It is not an
 * event: nothing is stored or retried.
 *
 * @example
 * const t: TestWebhook = await client.endpoints.test('ep_01J…');
 * if (!t.succeeded) console.log(t.status_code ?? t.error_class, t.response_body);
 */
export interface TestWebhook {
  /** The `webhook-id` it carried: a fresh id that no stored event has. */
  event_id: string;
  /** `payhook.test`. */
  type: string;
  url: string;
  sent_at: string;
  /** The endpoint answered 2xx. */
  succeeded: boolean;
  status_code: number | null;
  duration_ms: number;
  /** The first 4 KiB of the response body. */
  response_body: string | null;
  error_class: AttemptErrorClass | null;
  error_message: string | null;
}

/**
 * An erasure (`erasures.create`): one customer's personal data redacted from the merchant's stored
 * events and attempt answers. The subject itself is not kept, only its hash.
 *
 * @example
 * const e: Erasure = await client.erasures.create({ customer_email: 'customer@example.com' });
 * console.log(e.events_redacted, e.attempts_redacted);
 */
export interface Erasure {
  /** `era_…` */
  id: string;
  subject: 'customer_email' | 'order_id';
  /** Hex SHA-256 of `<subject>:<value>` (the e-mail trimmed and lower-cased). */
  subject_hash: string;
  events_redacted: number;
  attempts_redacted: number;
  created_at: string;
}

/**
 * What `erasures.create` erases: exactly one of a customer's e-mail or an order.
 *
 * @example
 * const input: CreateErasureInput = { order_id: 'ord_01J…' };
 */
export type CreateErasureInput =
  | { customer_email: string; order_id?: never }
  | { order_id: string; customer_email?: never };

/**
 * A resend of an event (`events.resend`): its deliveries due again, and every `payhook listen` told.
 *
 * @example
 * const { id, deliveries }: Resend = await client.events.resend('evt_01J…');
 */
export interface Resend {
  /** `rsd_…`: the id listen streams carry for it. */
  id: string;
  event_id: string;
  /** Deliveries made due now, one per enabled endpoint the event went to. */
  deliveries: number;
  created_at: string;
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

/**
 * Status of a delivery of one event to one endpoint.
 *
 * @example
 * await client.deliveries.list({ status: 'failed' as DeliveryStatus });
 */
export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';

/**
 * One event's delivery to one endpoint.
 *
 * @example
 * const d: Delivery = (await client.deliveries.list({ event_id })).data[0];
 */
export interface Delivery {
  id: string;
  merchant_id: string;
  /** `true` in live mode (`sk_live_…` keys), `false` in test mode. */
  livemode: boolean;
  event_id: string;
  endpoint_id: string;
  event_type: string;
  status: DeliveryStatus;
  /** How many attempts were made. */
  attempt_count: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  ordering_key: string | null;
  /** A failed delivery that keeps its ordering key blocked until it is retried or skipped. */
  held: boolean;
  skipped_at: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * A bulk replay of an endpoint's events (`endpoints.replay`), run in the background.
 *
 * @example
 * const r: Replay = await client.replays.get('rpl_01J…');
 * console.log(`${r.done}/${r.total} ${r.state}`);
 */
export interface Replay {
  id: string;
  merchant_id: string;
  endpoint_id: string;
  since: string;
  until: string;
  types: string[] | null;
  status: 'failed' | 'all';
  recipients: 'original' | 'current';
  state: 'queued' | 'running' | 'completed' | 'failed';
  total: number;
  done: number;
  requeued: number;
  error: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

/**
 * The body of `endpoints.replay`.
 *
 * @example
 * await client.endpoints.replay('ep_01J…', { since: '2026-12-01T00:00:00Z', status: 'all' });
 */
export interface ReplayInput {
  since: string;
  until?: string;
  types?: string[];
  status?: 'failed' | 'all';
  recipients?: 'original' | 'current';
}

/**
 * Why an attempt failed (`null` on an attempt that succeeded): no answer in time, the name did not
 * resolve, the connection was refused or reset, TLS failed, a non-2xx status, a redirect (never
 * followed), an invalid URL, an address payhook may not call, or anything else.
 *
 * @example
 * const timedOut = detail.attempts.filter((a) => a.error_class === ('timeout' as AttemptErrorClass));
 */
export type AttemptErrorClass =
  | 'timeout'
  | 'dns'
  | 'refused'
  | 'reset'
  | 'tls'
  | 'http_status'
  | 'redirect'
  | 'invalid_url'
  | 'blocked'
  | 'unknown';

/**
 * One HTTP try of a delivery.
 *
 * @example
 * for (const a of (await client.deliveries.get(id)).attempts) console.log(a.status_code);
 */
export interface Attempt {
  id: string;
  /** 1 for the first try. */
  attempt: number;
  started_at: string;
  duration_ms: number;
  status_code: number | null;
  response_body: string | null;
  error_class: AttemptErrorClass | null;
  error_message: string | null;
  next_retry_at: string | null;
}

/**
 * A delivery with its attempts, as `deliveries.get` returns it.
 *
 * @example
 * const d: DeliveryDetail = await client.deliveries.get('del_01J…');
 */
export interface DeliveryDetail extends Delivery {
  attempts: Attempt[];
}

/**
 * Filters of `deliveries.list`.
 *
 * @example
 * await client.deliveries.list({ endpoint_id: 'ep_01J…', status: 'failed' });
 */
export interface DeliveryListParams extends ListParams {
  endpoint_id?: string;
  event_id?: string;
  status?: DeliveryStatus;
}

/**
 * A payment attempt on an order.
 *
 * @example
 * const txn: Transaction = await client.orders.pay('ord_01J…', { number: '4111111111111111', expiry: '12/30', cvc: '123' });
 */
export interface Transaction {
  id: string;
  order_id: string;
  merchant_id: string;
  /** `true` in live mode (`sk_live_…` keys), `false` in test mode. */
  livemode: boolean;
  transaction_no: string;
  payment_reference: string;
  status: 'pending' | TransactionStatus;
  amount: number;
  amount_decimal: string;
  currency: string;
  card_last_four: string | null;
  bank_message: string | null;
  /** Whether the issuer debited the card (a failed payment that debited is paid back automatically). */
  debited: boolean;
  payback: Payback | null;
  /** What its refunds that succeeded returned, in minor units. */
  amount_refunded: number;
  amount_refunded_decimal: string;
  created_at: string;
  updated_at: string;
}

/**
 * Money returned on a successful payment, in part or in full.
 *
 * @example
 * const refund: Refund = await client.transactions.refund('txn_01J…', { amount: 2500, reason: 'one item returned' });
 */
export interface Refund {
  id: string;
  transaction_id: string;
  order_id: string;
  merchant_id: string;
  /** `true` in live mode (`sk_live_…` keys), `false` in test mode. */
  livemode: boolean;
  amount: number;
  amount_decimal: string;
  currency: string;
  reason: string | null;
  /** `pending` until the bank answers (payhook asks again by itself), then `succeeded` or `failed`. */
  status: RefundStatus;
  bank_message: string | null;
  idempotency_key: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * The body of `transactions.refund`: no `amount` refunds all that remains.
 *
 * @example
 * await client.transactions.refund('txn_01J…', { amount: 2500, idempotency_key: 'INV-1001-return-1' });
 */
export interface CreateRefundInput {
  /** Integer minor units; leave it out for all that remains. */
  amount?: number;
  reason?: string | null;
  /** The same key and request again returns the first refund and refunds nothing more. */
  idempotency_key?: string;
}

/**
 * The pay-back of a debit taken for a failed payment.
 *
 * @example
 * if (txn.payback?.status === 'confirmed') notifyRefunded(order);
 */
export interface Payback {
  id: string;
  status: 'pending' | 'confirmed';
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * One entry of an order's event history, as `orders.get` lists it.
 *
 * @example
 * const types = (await client.orders.get(id)).events?.map((e: OrderEventEntry) => e.type);
 */
export interface OrderEventEntry {
  event_id: string;
  type: string;
  sequence: number;
  transaction_id: string | null;
  /** The refund a `refund.*` event is about; null for the others. */
  refund_id: string | null;
  status: string | null;
  order_status: OrderStatus;
  created_at: string;
}

/**
 * An order (with its transactions and events when fetched one by one).
 *
 * @example
 * const order: Order = await client.orders.get('ord_01J…');
 */
export interface Order {
  id: string;
  merchant_id: string;
  /** `true` in live mode (`sk_live_…` keys), `false` in test mode. */
  livemode: boolean;
  reference: string;
  amount: number;
  amount_decimal: string;
  currency: string;
  status: OrderStatus;
  customer_email: string | null;
  customer_mobile: string | null;
  optional1: string | null;
  optional2: string | null;
  optional3: string | null;
  /** Sequence of the order's latest event (0 before the first). */
  sequence: number;
  /** What its refunds that succeeded returned, in minor units. */
  amount_refunded: number;
  amount_refunded_decimal: string;
  created_at: string;
  updated_at: string;
  /** Present on `orders.get`. */
  transactions?: Transaction[];
  /** Present on `orders.get`, oldest first. */
  refunds?: Refund[];
  /** Present on `orders.get`. */
  events?: OrderEventEntry[];
}

/**
 * The body of `orders.create`.
 *
 * @example
 * await client.orders.create({ reference: 'A-1001', amount: 10000, currency: 'AED' });
 */
export interface CreateOrderInput {
  reference: string;
  /** Integer minor units. */
  amount: number;
  currency: string;
  customer_email?: string | null;
  customer_mobile?: string | null;
  optional1?: string | null;
  optional2?: string | null;
  optional3?: string | null;
}

/**
 * The card `orders.pay` pays with (sent as `{ card }`). payhook keeps only its last four digits.
 *
 * @example
 * await client.orders.pay(order.id, { number: '4111111111111111', expiry: '12/30', cvc: '123' });
 */
export interface Card {
  /** 12–19 digits, spaces and dashes allowed. */
  number: string;
  /** `MM/YY` or `MM/YYYY`. */
  expiry: string;
  cvc: string;
}

/**
 * What paying answers at once: `success`, `delayed` (settles later, by event) or `failed`.
 *
 * @example
 * const { outcome, transaction, order } = await client.orders.pay(id, card);
 */
export interface PayResult {
  outcome: 'success' | 'delayed' | 'failed';
  transaction: Transaction;
  order: Order;
}

/**
 * Filters of `orders.list`.
 *
 * @example
 * await client.orders.list({ status: 'paid' });
 */
export interface OrderListParams extends ListParams {
  status?: OrderStatus;
  /** Your own order reference: the page holds the order that has it, if any. */
  reference?: string;
}
