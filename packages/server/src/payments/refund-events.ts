/**
 * The refund events: which event a refund's change emits, and its `data`, from one definition, as
 * events.ts does for the events of a payment attempt.
 *
 *   refund created (pending)        refund.created
 *   refund → succeeded              refund.succeeded   (the order became partially_refunded or refunded)
 *   refund → failed                 refund.failed      (the order is as it was; the amount is refundable again)
 *
 * Each change emits exactly one event, numbered in the order's one `sequence` with its payment events,
 * so a receiver that orders an order's events by sequence sees the refunds after the payment. `status`
 * is the refund's status after the change, `order_status` the order's, `amount_refunded` what the
 * refunds of the order that succeeded add up to after it.
 *
 * `REFUND_EVENTS` and `REFUND_EVENT_FIELDS` are the only place the shape is written; the published
 * schemas (event-schemas.ts) and the SDK's types (sdk-agreement.ts) are checked against them.
 */
import { toDecimalString } from './currencies.js';
import {
  DECIMAL_PATTERN,
  dataFrom,
  fieldsOf,
  ID_BODY,
  nullableString,
  ORDER_PAYMENT_FIELDS,
  type PaymentEventType,
  type Source as PaymentSource,
} from './events.js';
import type { Order, Refund, Transaction } from './model.js';
import type { OrderStatus, RefundStatus } from './state.js';

/** The three refund event types, each with the refund and order statuses its data can carry. */
export const REFUND_EVENTS = [
  {
    type: 'refund.created',
    status: ['pending'],
    orderStatus: ['paid', 'partially_refunded'],
    description:
      'A refund was accepted and sent to the bank; `refund.succeeded` or `refund.failed` follows when the bank answers.',
  },
  {
    type: 'refund.succeeded',
    status: ['succeeded'],
    orderStatus: ['partially_refunded', 'refunded'],
    description:
      'The bank returned the money; the order is `refunded` when its refunds add up to what was paid, `partially_refunded` otherwise.',
  },
  {
    type: 'refund.failed',
    status: ['failed'],
    orderStatus: ['paid', 'partially_refunded'],
    description: 'The bank refused the refund; nothing was returned, and the amount can be refunded again.',
  },
] as const satisfies readonly {
  type: string;
  status: readonly RefundStatus[];
  orderStatus: readonly OrderStatus[];
  description: string;
}[];

export type RefundEventType = (typeof REFUND_EVENTS)[number]['type'];
export const REFUND_EVENT_TYPES: readonly RefundEventType[] = REFUND_EVENTS.map((e) => e.type);

/** Every event type the payment module emits: a payment attempt's and a refund's. */
export type ModuleEventType = PaymentEventType | RefundEventType;

/** The refund, its transaction and its order as they are after the change, and the event's sequence. */
interface Source extends PaymentSource {
  refund: Refund;
}

const field = fieldsOf<Source>();

/** Every field of a refund event's `data`, in the agreed key order. */
export const REFUND_EVENT_FIELDS = [
  field(
    'refund_id',
    { type: 'string', pattern: `^re_${ID_BODY}$`, description: 'The refund (`re_…`).' },
    (s) => s.refund.id,
  ),
  ...ORDER_PAYMENT_FIELDS,
  field(
    'amount',
    { type: 'integer', minimum: 1, description: 'What this refund returns, in integer minor units of `currency`.' },
    (s) => s.refund.amount,
  ),
  field(
    'amount_decimal',
    {
      type: 'string',
      pattern: DECIMAL_PATTERN,
      description: 'The same amount as an exact decimal, with the currency\'s decimal places ("25.00").',
    },
    (s) => toDecimalString(s.refund.amount, s.refund.currency),
  ),
  field('currency', { type: 'string', pattern: '^[A-Z]{3}$', description: 'ISO 4217 code.' }, (s) => s.refund.currency),
  field('status', { type: 'string', description: 'The refund status after this change.' }, (s) => s.refund.status),
  field('reason', nullableString('Why the merchant refunded, as it gave it.'), (s) => s.refund.reason),
  field(
    'bank_message',
    nullableString("The bank's last word about the refund; null before it answered."),
    (s) => s.refund.bankMessage,
  ),
  field(
    'amount_refunded',
    {
      type: 'integer',
      minimum: 0,
      description: "What the order's refunds that succeeded add up to after this change, in minor units.",
    },
    (s) => s.order.amountRefunded,
  ),
  field(
    'amount_refunded_decimal',
    { type: 'string', pattern: DECIMAL_PATTERN, description: 'The same as an exact decimal.' },
    (s) => toDecimalString(s.order.amountRefunded, s.order.currency),
  ),
  field('order_status', { type: 'string', description: 'The order status after this change.' }, (s) => s.order.status),
  field(
    'sequence',
    {
      type: 'integer',
      minimum: 1,
      description: "Per order, with the order's payment events: ignore an event older than one already handled.",
    },
    (s) => s.sequence,
  ),
] as const;

type Field = (typeof REFUND_EVENT_FIELDS)[number];

/** The `data` of every refund event, as the table makes it. */
export type RefundEventData = { [F in Field as F['name']]: ReturnType<F['of']> };

/** The event type a refund reaching `status` emits. */
export function refundEventTypeFor(status: RefundStatus): RefundEventType {
  const e = REFUND_EVENTS.find((x) => (x.status as readonly RefundStatus[]).includes(status));
  if (!e) throw new Error(`no refund event for ${status}`);
  return e.type;
}

export interface PlannedRefundEvent {
  type: RefundEventType;
  sequence: number;
  data: RefundEventData;
}

/**
 * The one event of a refund's change, numbered after `before.sequence` (the order's last sequence
 * before the change); `order` is the order after it, whose `sequence` the caller stores.
 */
export function planRefundEvent(
  before: Pick<Order, 'sequence'>,
  order: Order,
  txn: Transaction,
  refund: Refund,
): PlannedRefundEvent {
  const sequence = before.sequence + 1;
  const data = dataFrom<Source>(REFUND_EVENT_FIELDS, { refund, txn, order, sequence }) as RefundEventData;
  return { type: refundEventTypeFor(refund.status), sequence, data };
}
