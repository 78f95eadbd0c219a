/**
 * The events payhook sends, as TypeScript types.
 *
 * Every webhook body is the envelope `{ id, type, timestamp, livemode, data }`. The payment module's six events
 * of a payment attempt (`transaction.*`, `order.*`) share one `data` shape (`PaymentEventData`), its
 * three refund events another (`RefundEventData`); any other type arrives as the generic
 * `WebhookEvent<string, Record<string, unknown>>`, so a new event type on the server never breaks a
 * receiver built against an older SDK. Both shapes carry `order_id`, `sequence`, `amount`, `currency`,
 * `status` and `order_status`, so the ordering helper handles an order's payment and refund events alike.
 *
 * TypeScript cannot narrow `event.type === 'order.success'` away from a member whose `type` is plain
 * `string`, so narrow with `isPaymentEvent` first (optionally naming the types you want), then switch.
 */

import { ApiVersionMismatchError, apiVersionOf, isThinEvent, SDK_API_VERSION } from './versions.js';

/**
 * The webhook envelope. `T` is the event type, `D` its `data`.
 *
 * @example
 * type Ping = WebhookEvent<'ping', { message: string }>;
 */
export interface WebhookEvent<T extends string = string, D = Record<string, unknown>> {
  /** The event id (`evt_…`); equal to the `webhook-id` header and stable across retries. */
  id: string;
  type: T;
  /** When the event was created, ISO 8601. */
  timestamp: string;
  /**
   * `true` for an event of live mode (made with an `sk_live_…` key or a live payment), `false` for test
   * mode. Absent on events payhook stored before it had modes (those are test mode).
   */
  livemode?: boolean;
  /** The event version it was rendered in; absent in `2026-11-27`, the first (see `apiVersionOf`). */
  api_version?: string;
  data: D;
}

/**
 * Status of the transaction after the change the event reports.
 *
 * @example
 * const done: TransactionStatus[] = ['success', 'failed', 'paid_back'];
 */
export type TransactionStatus = 'success' | 'delayed' | 'failed' | 'payback_pending' | 'paid_back';

/**
 * Status of the order after the change the event reports. `partially_refunded` and `refunded` come
 * after `paid`, when refunds succeed.
 *
 * @example
 * if (event.data.order_status === 'paid') ship(event.data.reference);
 */
export type OrderStatus = 'open' | 'paid' | 'cancelled' | 'partially_refunded' | 'refunded';

/**
 * Status of a refund after the change the event reports.
 *
 * @example
 * if (isPaymentEvent(event, 'refund.succeeded')) console.log(event.data.status); // 'succeeded'
 */
export type RefundStatus = 'pending' | 'succeeded' | 'failed';

/**
 * What names the order and the payment in every payment event's `data`, a refund's included.
 *
 * @example
 * const key = (d: OrderPaymentIds) => `${d.reference}/${d.transaction_no}`;
 */
export interface OrderPaymentIds {
  /** payhook's order id, `ord_…`. */
  order_id: string;
  /** payhook's transaction id, `txn_…`: the payment. */
  transaction_id: string;
  /** The merchant's own order reference. */
  reference: string;
  /** The human transaction number, e.g. `FLN…`. */
  transaction_no: string;
  /** The payment reference, a UUID. */
  payment_reference: string;
}

/**
 * The `data` of every event of a payment attempt (`transaction.*` and `order.*`).
 *
 * @example
 * function describe(d: PaymentEventData) {
 *   return `${d.reference}: ${d.amount_decimal} ${d.currency} (${d.status})`;
 * }
 */
export interface PaymentEventData extends OrderPaymentIds {
  /** Integer minor units (fils for AED): never a float. */
  amount: number;
  /** The same amount as an exact decimal string, e.g. `"100.00"`. */
  amount_decimal: string;
  /** ISO 4217 code, e.g. `"AED"`. */
  currency: string;
  status: TransactionStatus;
  order_status: OrderStatus;
  bank_message: string | null;
  customer_email: string | null;
  customer_mobile: string | null;
  card_last_four: string | null;
  optional1: string | null;
  optional2: string | null;
  optional3: string | null;
  /** Per order, strictly increasing with every event of that order: apply an event only if it is newer. */
  sequence: number;
}

/**
 * The `data` of every refund event (`refund.*`).
 *
 * @example
 * function describe(d: RefundEventData) {
 *   return `${d.reference}: refund of ${d.amount_decimal} ${d.currency} ${d.status}, ${d.amount_refunded_decimal} refunded in all`;
 * }
 */
export interface RefundEventData extends OrderPaymentIds {
  /** payhook's refund id, `re_…`. */
  refund_id: string;
  /** What this refund returns, in integer minor units. */
  amount: number;
  /** The same amount as an exact decimal string, e.g. `"25.00"`. */
  amount_decimal: string;
  /** ISO 4217 code, e.g. `"AED"`. */
  currency: string;
  status: RefundStatus;
  /** Why the merchant refunded, as it gave it. */
  reason: string | null;
  /** The bank's last word about the refund; null before it answered. */
  bank_message: string | null;
  /** What the order's refunds that succeeded add up to after this change, in minor units. */
  amount_refunded: number;
  /** The same as an exact decimal string. */
  amount_refunded_decimal: string;
  order_status: OrderStatus;
  /** Per order, with the order's payment events: apply an event only if it is newer. */
  sequence: number;
}

/**
 * The payment event types, in a runtime list: a payment attempt's six, then a refund's three.
 *
 * @example
 * new PayhookClient(opts).endpoints.create({ url, event_types: [...PAYMENT_EVENT_TYPES] });
 */
export const PAYMENT_EVENT_TYPES = [
  'transaction.success',
  'transaction.delayed',
  'transaction.failed',
  'transaction.paid_back',
  'order.success',
  'order.cancel',
  'refund.created',
  'refund.succeeded',
  'refund.failed',
] as const;

/**
 * One of the nine payment event types.
 *
 * @example
 * const t: PaymentEventType = 'order.success';
 */
export type PaymentEventType = (typeof PAYMENT_EVENT_TYPES)[number];

/** A transaction succeeded. @example if (isPaymentEvent(e, 'transaction.success')) log(e.data.transaction_no); */
export type TransactionSuccessEvent = WebhookEvent<'transaction.success', PaymentEventData>;
/** The bank has not decided yet; a later event settles it. @example if (isPaymentEvent(e, 'transaction.delayed')) showPending(e.data.order_id); */
export type TransactionDelayedEvent = WebhookEvent<'transaction.delayed', PaymentEventData>;
/** A transaction failed. @example if (isPaymentEvent(e, 'transaction.failed')) log(e.data.bank_message); */
export type TransactionFailedEvent = WebhookEvent<'transaction.failed', PaymentEventData>;
/** Money the issuer debited for a failed transaction was paid back. @example if (isPaymentEvent(e, 'transaction.paid_back')) refundNotice(e.data.customer_email); */
export type TransactionPaidBackEvent = WebhookEvent<'transaction.paid_back', PaymentEventData>;
/** The order became paid. @example if (isPaymentEvent(e, 'order.success')) markPaid(e.data.reference); */
export type OrderSuccessEvent = WebhookEvent<'order.success', PaymentEventData>;
/** The order was cancelled because its payment failed. @example if (isPaymentEvent(e, 'order.cancel')) markCancelled(e.data.reference); */
export type OrderCancelEvent = WebhookEvent<'order.cancel', PaymentEventData>;
/** A refund was accepted; its outcome follows. @example if (isPaymentEvent(e, 'refund.created')) log(e.data.refund_id, e.data.amount_decimal); */
export type RefundCreatedEvent = WebhookEvent<'refund.created', RefundEventData>;
/** The bank returned the money. @example if (isPaymentEvent(e, 'refund.succeeded')) markRefunded(e.data.reference, e.data.amount_refunded); */
export type RefundSucceededEvent = WebhookEvent<'refund.succeeded', RefundEventData>;
/** The bank refused the refund; nothing was returned. @example if (isPaymentEvent(e, 'refund.failed')) alertSupport(e.data.refund_id, e.data.bank_message); */
export type RefundFailedEvent = WebhookEvent<'refund.failed', RefundEventData>;

/**
 * Any payment event: a union discriminated on `type`.
 *
 * @example
 * function apply(e: PaymentEvent) {
 *   switch (e.type) {
 *     case 'order.success': return markPaid(e.data.order_id);
 *     case 'order.cancel': return markCancelled(e.data.order_id);
 *   }
 * }
 */
export type PaymentEvent =
  | TransactionSuccessEvent
  | TransactionDelayedEvent
  | TransactionFailedEvent
  | TransactionPaidBackEvent
  | OrderSuccessEvent
  | OrderCancelEvent
  | RefundCreatedEvent
  | RefundSucceededEvent
  | RefundFailedEvent;

/**
 * What `verify` returns: a payment event, or any other event in the generic shape.
 *
 * @example
 * const event: PayhookEvent = verify(rawBody, req.headers, secret);
 * if (isPaymentEvent(event)) console.log(event.data.sequence);
 */
export type PayhookEvent = PaymentEvent | WebhookEvent<string, Record<string, unknown>>;

const paymentTypes: ReadonlySet<string> = new Set(PAYMENT_EVENT_TYPES);

/**
 * Checks the fields the SDK's helpers rely on (`order_id`, `sequence`, `amount`, `currency`, `status`,
 * `order_status`); returns what is wrong, or `null`. Not a full schema check on purpose: a field the
 * server adds later must not make a correctly signed event unverifiable.
 */
export function paymentDataProblem(data: unknown): string | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'data is not an object';
  const d = data as Record<string, unknown>;
  if (typeof d.order_id !== 'string' || d.order_id === '') return 'data.order_id is not a non-empty string';
  if (!Number.isSafeInteger(d.sequence) || (d.sequence as number) < 0)
    return 'data.sequence is not a whole number >= 0';
  if (!Number.isSafeInteger(d.amount)) return 'data.amount is not a whole number of minor units';
  if (typeof d.currency !== 'string') return 'data.currency is not a string';
  if (typeof d.status !== 'string') return 'data.status is not a string';
  if (typeof d.order_status !== 'string') return 'data.order_status is not a string';
  return null;
}

/**
 * True when the event is one of the payment events (optionally: one of the named types) with a
 * well-formed `data`. Narrows the type, so `event.data.order_id` is typed afterwards. The types describe
 * api version `SDK_API_VERSION` (2026-11-27): a payment event of another version throws
 * `ApiVersionMismatchError`, and a thin event (`isThinEvent`) is not a payment event's snapshot (false).
 *
 * @example
 * const event = verify(rawBody, req.headers, secret);
 * if (isPaymentEvent(event, 'order.success', 'order.cancel')) {
 *   await saveOrderStatus(event.data.order_id, event.data.order_status); // typed
 * }
 */
export function isPaymentEvent<T extends PaymentEventType = PaymentEventType>(
  event: { type: string; data?: unknown } | null | undefined,
  ...types: T[]
): event is Extract<PaymentEvent, { type: T }> {
  if (!event || typeof event.type !== 'string' || !paymentTypes.has(event.type)) return false;
  if (types.length > 0 && !(types as string[]).includes(event.type)) return false;
  const version = apiVersionOf(event as { api_version?: unknown });
  if (version !== SDK_API_VERSION) throw new ApiVersionMismatchError(version, 'isPaymentEvent');
  if (isThinEvent(event)) return false;
  return paymentDataProblem(event.data) === null;
}
