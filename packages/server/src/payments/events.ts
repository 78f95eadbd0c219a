/**
 * The payment events of a payment attempt (`transaction.*`, `order.*`): which events a state change
 * emits, and their `data`, from one definition. Refunds have their own (refund-events.ts), built with
 * the same parts (`field`, `toNewEvents`).
 *
 * A change emits, in this order and with consecutive per-order sequence numbers:
 *
 *   transaction → success          transaction.success, order.success   (the order became paid)
 *   transaction → delayed          transaction.delayed
 *   transaction → failed           transaction.failed,  order.cancel    (the order was cancelled)
 *     (→ payback_pending when the issuer debited: same events, `status` says "payback_pending")
 *   transaction → paid_back        transaction.paid_back
 *
 * `sequence` increases by one with every event of an order, across all its transactions, so a receiver
 * that gets an older state late (retries reorder deliveries) can tell and ignore it. `status` is the
 * transaction status after the whole atomic change, `order_status` the order's.
 *
 * One source of truth: `PAYMENT_EVENTS` (the types, with the statuses each can carry) and
 * `PAYMENT_EVENT_FIELDS` (every `data` field: its JSON Schema and where its value comes from) are the
 * only place the event shape is written. From them come the payload (`paymentEventData`, its key order
 * the table's), which types a status change emits (`eventTypesFor`), the TypeScript type
 * (`PaymentEventData`) and the published JSON Schemas (event-schemas.ts). The SDK
 * (`@payhook/sdk`, packages/sdk/src/events.ts) is published on its own and depends on nothing, so it
 * cannot import this table; its types are pinned to it at compile time (sdk-agreement.ts) and its guard
 * is checked against every schema and real events in test/payments/event-shape.test.ts.
 */
import { buildEnvelope, isLiveScope, newId, type NewEvent } from '../module-api.js';
import type { EventId, MerchantId } from '../module-api.js';
import { toDecimalString } from './currencies.js';
import type { Order, Transaction } from './model.js';
import type { OrderStatus, TransactionStatus } from './state.js';

/**
 * The six payment event types, in the order a change emits them, each with the transaction and order
 * statuses its data can carry. A transaction reaching a status emits every type listing that status.
 */
export const PAYMENT_EVENTS = [
  {
    type: 'transaction.success',
    status: ['success'],
    orderStatus: ['paid'],
    description: 'The bank approved the payment; `order.success` follows with the next sequence.',
  },
  {
    type: 'transaction.delayed',
    status: ['delayed'],
    orderStatus: ['open'],
    description: 'The bank has not decided yet; a success or failure follows when it does.',
  },
  {
    type: 'transaction.failed',
    status: ['failed', 'payback_pending'],
    orderStatus: ['cancelled'],
    description:
      'The bank declined the payment; `order.cancel` follows. `status` is `payback_pending` when the issuer debited the customer anyway: payhook pays it back and sends `transaction.paid_back`.',
  },
  {
    type: 'transaction.paid_back',
    status: ['paid_back'],
    orderStatus: ['cancelled'],
    description: 'The bank confirmed the pay-back of a debit taken for a failed payment.',
  },
  {
    type: 'order.success',
    status: ['success'],
    orderStatus: ['paid'],
    description: 'The order became paid (right after its `transaction.success`).',
  },
  {
    type: 'order.cancel',
    status: ['failed', 'payback_pending'],
    orderStatus: ['cancelled'],
    description: 'The order was cancelled because its payment failed (right after `transaction.failed`).',
  },
] as const satisfies readonly {
  type: string;
  status: readonly TransactionStatus[];
  orderStatus: readonly OrderStatus[];
  description: string;
}[];

export type PaymentEventType = (typeof PAYMENT_EVENTS)[number]['type'];
/** The transaction statuses an event can carry (every status but `pending`, which emits nothing). */
export type EventTransactionStatus = (typeof PAYMENT_EVENTS)[number]['status'][number];

export const PAYMENT_EVENT_TYPES: readonly PaymentEventType[] = PAYMENT_EVENTS.map((e) => e.type);

export type Schema = Record<string, unknown>;

/** The transaction and order as they are after the change, and the event's sequence. */
export interface Source {
  order: Order;
  txn: Transaction;
  sequence: number;
}

/**
 * The field maker for events whose values come from an `S`: each field of an event's `data` is its
 * name, its JSON Schema, and where its value comes from.
 */
export function fieldsOf<S>() {
  return <K extends string, V>(name: K, schema: Schema, of: (s: S) => V) => ({ name, schema, of });
}

const field = fieldsOf<Source>();

export const ID_BODY = '[0-9A-HJKMNP-TV-Z]{26}';
export const nullableString = (description: string): Schema => ({ type: ['string', 'null'], description });

/**
 * The fields that name an event's order and payment, the same in both shapes: a payment attempt's
 * events start with them, a refund's carry them after its `refund_id` (refund-events.ts).
 */
export const ORDER_PAYMENT_FIELDS = [
  field(
    'order_id',
    { type: 'string', pattern: `^ord_${ID_BODY}$`, description: 'The order (`ord_…`).' },
    (s) => s.order.id,
  ),
  field(
    'transaction_id',
    { type: 'string', pattern: `^txn_${ID_BODY}$`, description: 'The payment attempt (`txn_…`).' },
    (s) => s.txn.id,
  ),
  field('reference', { type: 'string', description: "The merchant's own order reference." }, (s) => s.order.reference),
  field(
    'transaction_no',
    { type: 'string', description: 'Human transaction number (`FLN…`).' },
    (s) => s.txn.transactionNo,
  ),
  field(
    'payment_reference',
    { type: 'string', format: 'uuid', description: 'UUID the customer and the bank can quote.' },
    (s) => s.txn.paymentReference,
  ),
] as const;

/** A number written with the currency's decimal places. */
export const DECIMAL_PATTERN = '^[0-9]+(\\.[0-9]+)?$';

/**
 * Every field of a payment event's `data`, in the agreed key order (stable: receivers may hash bodies).
 * `status` and `order_status` get their `enum` per event type (event-schemas.ts).
 */
export const PAYMENT_EVENT_FIELDS = [
  ...ORDER_PAYMENT_FIELDS,
  field(
    'amount',
    { type: 'integer', minimum: 1, description: 'Integer minor units of `currency` (fils, cents, yen).' },
    (s) => s.txn.amount,
  ),
  field(
    'amount_decimal',
    {
      type: 'string',
      pattern: DECIMAL_PATTERN,
      description: 'The exact decimal amount, with the currency\'s decimal places ("100.00").',
    },
    (s) => toDecimalString(s.txn.amount, s.txn.currency),
  ),
  field('currency', { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217 code.' }, (s) => s.txn.currency),
  // Events are planned only for the statuses PAYMENT_EVENTS lists (eventTypesFor), never `pending`.
  field(
    'status',
    { type: 'string', description: 'The transaction status after this change.' },
    (s) => s.txn.status as EventTransactionStatus,
  ),
  field('order_status', { type: 'string', description: 'The order status after this change.' }, (s) => s.order.status),
  field(
    'bank_message',
    { type: 'string', description: "The bank's last word about the transaction." },
    (s) => s.txn.bankMessage,
  ),
  field('customer_email', nullableString('Customer e-mail, as the order gave it.'), (s) => s.order.customerEmail),
  field('customer_mobile', nullableString('Customer mobile, as the order gave it.'), (s) => s.order.customerMobile),
  field(
    'card_last_four',
    {
      type: 'string',
      pattern: '^[0-9]{4}$',
      description: 'The last four digits of the card; payhook keeps no more of it.',
    },
    (s) => s.txn.cardLastFour,
  ),
  field('optional1', nullableString('Free field of the order, returned as given.'), (s) => s.order.optional1),
  field('optional2', nullableString('Free field of the order, returned as given.'), (s) => s.order.optional2),
  field('optional3', nullableString('Free field of the order, returned as given.'), (s) => s.order.optional3),
  field(
    'sequence',
    {
      type: 'integer',
      minimum: 1,
      description:
        'Per order, increases by one with every event: ignore an event whose sequence is lower than one already handled.',
    },
    (s) => s.sequence,
  ),
] as const;

type Field = (typeof PAYMENT_EVENT_FIELDS)[number];

/** The `data` of every payment event, as the table makes it. */
export type PaymentEventData = { [F in Field as F['name']]: ReturnType<F['of']> };

export function isPaymentEventType(type: string): type is PaymentEventType {
  return (PAYMENT_EVENT_TYPES as readonly string[]).includes(type);
}

/** An event's `data` from its fields, in their order (the key order receivers see). */
export function dataFrom<S>(
  fields: readonly { name: string; of: (s: S) => unknown }[],
  source: S,
): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const f of fields) data[f.name] = f.of(source);
  return data;
}

/** The data of one event about `txn` on `order` (both as they are after the change). */
export function paymentEventData(order: Order, txn: Transaction, sequence: number): PaymentEventData {
  return dataFrom(PAYMENT_EVENT_FIELDS, { order, txn, sequence }) as PaymentEventData;
}

/**
 * The event types a transaction change emits, given the status it reached. `payback_pending` is reached
 * in the same change as `failed` (see state.ts), so it emits the failure's events.
 */
export function eventTypesFor(to: TransactionStatus): PaymentEventType[] {
  return PAYMENT_EVENTS.filter((e) => (e.status as readonly TransactionStatus[]).includes(to)).map((e) => e.type);
}

export interface PlannedEvent {
  type: PaymentEventType;
  sequence: number;
  data: PaymentEventData;
}

/**
 * The events of one change, numbered after `order.sequence` (the order's last sequence before it).
 * The caller stores the order with `sequence` = the last planned sequence, in the same transaction.
 */
export function planEvents(order: Order, txn: Transaction): PlannedEvent[] {
  return eventTypesFor(txn.status).map((type, i) => {
    const sequence = order.sequence + 1 + i;
    return { type, sequence, data: paymentEventData(order, txn, sequence) };
  });
}

/**
 * Planned events as the delivery engine's `NewEvent`s, with the standard envelope built once. Every
 * payment event carries its order id as its ordering key, so an ordered endpoint gets a payment's
 * events in the order they were made (`transaction.success` before `order.success`).
 */
export function toNewEvents(
  merchantId: string,
  planned: readonly { type: string; data: unknown }[],
  now: number,
  makeId: (prefix: 'evt', at: number) => EventId = newId,
  orderingKey: string | null = null,
): NewEvent[] {
  // The payment model keeps its ids as plain strings; the merchant id came from the store as a `mer_` id.
  const merchant = merchantId as MerchantId;
  return planned.map((p) => {
    const id = makeId('evt', now);
    const data = JSON.stringify(p.data);
    return {
      id,
      merchantId: merchant,
      type: p.type,
      data,
      body: buildEnvelope(id, p.type, now, data, isLiveScope(merchant)),
      idempotencyKey: null,
      createdAt: now,
      orderingKey,
    };
  });
}
