/**
 * The payment module's resources as the API shows them (snake_case, ISO times, amounts as integer minor
 * units and as an exact decimal string) and their response schemas, kept together so a field cannot be
 * added to one and forgotten in the other.
 */
import { idSchema, LIVEMODE_SCHEMA, ownerFields } from '../../module-api.js';
import { toDecimalString } from '../currencies.js';
import type { Order, Payback, Refund, Transaction } from '../model.js';
import { ORDER_STATUSES, REFUND_STATUSES, TRANSACTION_STATUSES } from '../state.js';
import type { PaymentEventLogEntry } from '../store/port.js';

const iso = (ms: number): string => new Date(ms).toISOString();
type Schema = Record<string, unknown>;
const nullable = (type: string, description: string): Schema => ({ type: [type, 'null'], description });
const time = (description: string): Schema => ({ type: 'string', format: 'date-time', description });

export function orderView(o: Order) {
  return {
    id: o.id,
    ...ownerFields(o.merchantId),
    reference: o.reference,
    amount: o.amount,
    amount_decimal: toDecimalString(o.amount, o.currency),
    currency: o.currency,
    customer_email: o.customerEmail,
    customer_mobile: o.customerMobile,
    optional1: o.optional1,
    optional2: o.optional2,
    optional3: o.optional3,
    status: o.status,
    sequence: o.sequence,
    amount_refunded: o.amountRefunded,
    amount_refunded_decimal: toDecimalString(o.amountRefunded, o.currency),
    created_at: iso(o.createdAt),
    updated_at: iso(o.updatedAt),
  };
}

export function paybackView(p: Payback) {
  return {
    id: p.id,
    status: p.status,
    attempts: p.attempts,
    next_attempt_at: p.status === 'pending' && p.nextAttemptAt !== null ? iso(p.nextAttemptAt) : null,
    last_error: p.lastError,
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
  };
}

/** What the refunds of a transaction that succeeded returned, in minor units. */
export function refundedOf(refunds: readonly Refund[], transactionId: string): number {
  return refunds.reduce(
    (sum, r) => (r.transactionId === transactionId && r.status === 'succeeded' ? sum + r.amount : sum),
    0,
  );
}

/** A transaction with its pay-back, if any, and what its refunds returned (`refunded`, minor units). */
export function transactionView(t: Transaction, payback: Payback | null, refunded = 0) {
  return {
    id: t.id,
    order_id: t.orderId,
    ...ownerFields(t.merchantId),
    transaction_no: t.transactionNo,
    payment_reference: t.paymentReference,
    amount: t.amount,
    amount_decimal: toDecimalString(t.amount, t.currency),
    currency: t.currency,
    card_last_four: t.cardLastFour,
    status: t.status,
    bank_message: t.bankMessage,
    debited: t.debited,
    payback: payback ? paybackView(payback) : null,
    amount_refunded: refunded,
    amount_refunded_decimal: toDecimalString(refunded, t.currency),
    created_at: iso(t.createdAt),
    updated_at: iso(t.updatedAt),
  };
}

export function refundView(r: Refund) {
  return {
    id: r.id,
    transaction_id: r.transactionId,
    order_id: r.orderId,
    ...ownerFields(r.merchantId),
    amount: r.amount,
    amount_decimal: toDecimalString(r.amount, r.currency),
    currency: r.currency,
    reason: r.reason,
    status: r.status,
    bank_message: r.bankMessage,
    idempotency_key: r.idempotencyKey,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}

export function orderEventView(e: PaymentEventLogEntry) {
  return {
    event_id: e.eventId,
    type: e.type,
    sequence: e.sequence,
    transaction_id: e.transactionId,
    refund_id: e.refundId,
    status: e.status,
    order_status: e.orderStatus,
    created_at: iso(e.createdAt),
  };
}

/**
 * An amount in minor units. A number, not an integer, in the schema: a negative or fractional amount
 * gets its own code (invalid_amount) from the service rather than a generic validation_failed, and the
 * service reads the number as written (`writtenAmount`), so nothing is rounded before it is checked.
 */
export function minorAmountSchema(description: string, example: number) {
  return {
    type: 'number',
    description: `${description} Written as a whole number: no point, no exponent, nothing above 2^53 - 1.`,
    examples: [example],
  };
}

const orderProperties: Schema = {
  id: idSchema('ord', 'Order id.'),
  merchant_id: idSchema('mer', 'The merchant that owns it.'),
  livemode: LIVEMODE_SCHEMA,
  reference: { type: 'string', description: "The merchant's own reference, unique per merchant." },
  amount: { type: 'integer', description: 'Integer minor units of `currency`.' },
  amount_decimal: { type: 'string', description: 'The exact decimal amount ("100.00").' },
  currency: { type: 'string', description: 'ISO 4217 code.' },
  customer_email: nullable('string', 'Customer e-mail.'),
  customer_mobile: nullable('string', 'Customer mobile.'),
  optional1: nullable('string', 'Free field, returned in every event.'),
  optional2: nullable('string', 'Free field, returned in every event.'),
  optional3: nullable('string', 'Free field, returned in every event.'),
  status: { type: 'string', enum: [...ORDER_STATUSES] },
  sequence: { type: 'integer', description: "Sequence of the order's latest event (0 before the first)." },
  amount_refunded: { type: 'integer', description: 'What its refunds that succeeded returned, in minor units.' },
  amount_refunded_decimal: { type: 'string', description: 'The same as an exact decimal ("25.00").' },
  created_at: time('When it was created.'),
  updated_at: time('When it last changed.'),
};

/** A successful card payment, the example the OpenAPI document shows wherever a transaction appears. */
export const TRANSACTION_EXAMPLE = {
  id: 'txn_01JDQ9C4P5Q6R7S8T9V0W1X2Y3',
  order_id: 'ord_01JDQ9C1D2E3F4G5H6J7K8M9N0',
  merchant_id: 'mer_01JDQ8Z0RX4YV6K3M2N5P7Q9S1',
  livemode: false,
  transaction_no: 'FLNIAREC6747d2a03f1c2',
  payment_reference: '5f0c2b1e-8d4a-4c7e-9b3f-2a6d8e1c4f70',
  amount: 10000,
  amount_decimal: '100.00',
  currency: 'AED',
  card_last_four: '1111',
  status: 'success',
  bank_message: 'approved',
  debited: false,
  payback: null,
  amount_refunded: 0,
  amount_refunded_decimal: '0.00',
  created_at: '2026-12-01T10:04:59.870Z',
  updated_at: '2026-12-01T10:05:00.000Z',
};

/** The order that transaction paid, as every order example shows it (`status` and the rest per example). */
export const ORDER_EXAMPLE = {
  id: 'ord_01JDQ9C1D2E3F4G5H6J7K8M9N0',
  merchant_id: 'mer_01JDQ8Z0RX4YV6K3M2N5P7Q9S1',
  livemode: false,
  reference: 'INV-1001',
  amount: 10000,
  amount_decimal: '100.00',
  currency: 'AED',
  customer_email: 'customer@example.com',
  customer_mobile: null,
  optional1: null,
  optional2: null,
  optional3: null,
  status: 'paid',
  sequence: 2,
  amount_refunded: 0,
  amount_refunded_decimal: '0.00',
  created_at: '2026-12-01T10:02:00.000Z',
  updated_at: '2026-12-01T10:05:00.000Z',
};

/** A partial refund of that payment, which the bank made at once. */
export const REFUND_EXAMPLE = {
  id: 're_01JDQA2B3C4D5E6F7G8H9J0K1M',
  transaction_id: TRANSACTION_EXAMPLE.id,
  order_id: ORDER_EXAMPLE.id,
  merchant_id: ORDER_EXAMPLE.merchant_id,
  livemode: false,
  amount: 2500,
  amount_decimal: '25.00',
  currency: 'AED',
  reason: 'one item returned',
  status: 'succeeded',
  bank_message: 'refunded',
  idempotency_key: 'INV-1001-return-1',
  created_at: '2026-12-02T09:00:00.000Z',
  updated_at: '2026-12-02T09:00:00.120Z',
};

const paybackSchema: Schema = {
  type: ['object', 'null'],
  description: 'The pay-back of a debit taken for a failed payment; null when nothing was debited.',
  properties: {
    id: idSchema('pb', 'Pay-back id: also the idempotency key every try sends to the bank.'),
    status: { type: 'string', enum: ['pending', 'confirmed'] },
    attempts: { type: 'integer', description: 'Tries sent to the bank so far.' },
    next_attempt_at: {
      type: ['string', 'null'],
      format: 'date-time',
      description: 'When the next try is due, while pending.',
    },
    last_error: nullable('string', 'What the bank said to the last failed try.'),
    created_at: time('When the debit was found and the pay-back scheduled.'),
    updated_at: time('When it last changed.'),
  },
};

export const transactionSchema: Schema = {
  $id: 'Transaction',
  type: 'object',
  description: 'One payment attempt on an order.',
  properties: {
    id: idSchema('txn', 'Transaction id.'),
    order_id: idSchema('ord', 'The order it pays.'),
    merchant_id: idSchema('mer', 'The merchant that owns it.'),
    livemode: LIVEMODE_SCHEMA,
    transaction_no: { type: 'string', description: 'Human transaction number (`FLN…`).' },
    payment_reference: {
      type: 'string',
      description: 'UUID the customer and the bank can quote; bank notifications name it.',
    },
    amount: { type: 'integer' },
    amount_decimal: { type: 'string' },
    currency: { type: 'string' },
    card_last_four: { type: 'string', description: 'All payhook keeps of the card.' },
    status: { type: 'string', enum: [...TRANSACTION_STATUSES] },
    bank_message: { type: 'string' },
    debited: { type: 'boolean', description: 'The issuer debited the customer although the payment failed.' },
    payback: paybackSchema,
    amount_refunded: { type: 'integer', description: 'What its refunds that succeeded returned, in minor units.' },
    amount_refunded_decimal: { type: 'string', description: 'The same as an exact decimal.' },
    created_at: time('When the attempt started.'),
    updated_at: time('When it last changed.'),
  },
  examples: [TRANSACTION_EXAMPLE],
};

export const refundSchema: Schema = {
  $id: 'Refund',
  type: 'object',
  description: 'Money returned on a successful payment, in part or in full.',
  properties: {
    id: idSchema('re', 'Refund id: also the idempotency key every request about it sends to the bank.'),
    transaction_id: idSchema('txn', 'The payment it returns money of.'),
    order_id: idSchema('ord', "The payment's order."),
    merchant_id: idSchema('mer', 'The merchant that owns it.'),
    livemode: LIVEMODE_SCHEMA,
    amount: { type: 'integer', description: 'What it returns, in integer minor units of `currency`.' },
    amount_decimal: { type: 'string', description: 'The same as an exact decimal ("25.00").' },
    currency: { type: 'string', description: "The payment's ISO 4217 code." },
    reason: nullable('string', 'Why, as the merchant gave it.'),
    status: {
      type: 'string',
      enum: [...REFUND_STATUSES],
      description:
        '`pending` until the bank answers (payhook asks again by itself), then `succeeded` or `failed` (nothing returned).',
    },
    bank_message: nullable('string', "The bank's last word about it; null until it answered."),
    idempotency_key: nullable('string', 'The key it was requested with, if any.'),
    created_at: time('When it was requested.'),
    updated_at: time('When it last changed.'),
  },
  examples: [REFUND_EXAMPLE],
};

export const orderSchema: Schema = {
  $id: 'Order',
  type: 'object',
  description: 'An order a customer pays.',
  properties: orderProperties,
  examples: [
    {
      ...ORDER_EXAMPLE,
      status: 'open',
      sequence: 0,
      updated_at: ORDER_EXAMPLE.created_at,
    },
  ],
};

export const orderDetailSchema: Schema = {
  $id: 'OrderDetail',
  type: 'object',
  description: 'An order with its transactions, its refunds and the events it emitted, in sequence order.',
  properties: {
    ...orderProperties,
    transactions: { type: 'array', items: { $ref: 'Transaction#' } },
    refunds: { type: 'array', items: { $ref: 'Refund#' }, description: 'Oldest first.' },
    events: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          event_id: idSchema('evt', 'The event (GET /v1/events/{id}; kept for the retention period).'),
          type: { type: 'string' },
          sequence: { type: 'integer' },
          transaction_id: idSchema('txn', 'The transaction it is about.'),
          refund_id: {
            type: ['string', 'null'],
            description: 'The refund a `refund.*` event is about; null for the others.',
          },
          status: { type: 'string', description: "The transaction's status, or the refund's for `refund.*`." },
          order_status: { type: 'string' },
          created_at: time('When it was emitted.'),
        },
      },
    },
  },
  examples: [
    {
      ...ORDER_EXAMPLE,
      status: 'partially_refunded',
      sequence: 4,
      amount_refunded: 2500,
      amount_refunded_decimal: '25.00',
      updated_at: REFUND_EXAMPLE.updated_at,
      transactions: [{ ...TRANSACTION_EXAMPLE, amount_refunded: 2500, amount_refunded_decimal: '25.00' }],
      refunds: [REFUND_EXAMPLE],
      events: [
        ['evt_01JDQ9C5A1B2C3D4E5F6G7H8J9', 'transaction.success', 'success', 'paid', TRANSACTION_EXAMPLE.updated_at],
        ['evt_01JDQ9B7X2M4N6P8R0S2T4V6W8', 'order.success', 'success', 'paid', TRANSACTION_EXAMPLE.updated_at],
        ['evt_01JDQA2C4D5E6F7G8H9J0K1M2N', 'refund.created', 'pending', 'paid', REFUND_EXAMPLE.created_at],
        [
          'evt_01JDQA2C9E6F7G8H9J0K1M2N3P',
          'refund.succeeded',
          'succeeded',
          'partially_refunded',
          REFUND_EXAMPLE.updated_at,
        ],
      ].map(([event_id, type, status, order_status, created_at], i) => ({
        event_id,
        type,
        sequence: i + 1,
        transaction_id: TRANSACTION_EXAMPLE.id,
        refund_id: type.startsWith('refund.') ? REFUND_EXAMPLE.id : null,
        status,
        order_status,
        created_at,
      })),
    },
  ],
};

export const paymentSchemas = [transactionSchema, refundSchema, orderSchema, orderDetailSchema];
