/**
 * The payment events: which events a state change emits, and their `data`.
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
 */
import { buildEnvelope } from '../events/envelope.js';
import { newId, type MerchantId } from '../ids.js';
import type { NewEvent } from '../store/types.js';
import { toDecimalString } from './currencies.js';
import type { Order, Transaction } from './model.js';
import type { OrderStatus, TransactionStatus } from './state.js';

export const PAYMENT_EVENT_TYPES = [
  'transaction.success', 'transaction.delayed', 'transaction.failed', 'transaction.paid_back', 'order.success', 'order.cancel',
] as const;
export type PaymentEventType = (typeof PAYMENT_EVENT_TYPES)[number];

/** The `data` of every payment event; key order is the agreed one and stays stable. */
export interface PaymentEventData {
  order_id: string;
  transaction_id: string;
  reference: string;
  transaction_no: string;
  payment_reference: string;
  amount: number;
  amount_decimal: string;
  currency: string;
  status: TransactionStatus;
  order_status: OrderStatus;
  bank_message: string;
  customer_email: string | null;
  customer_mobile: string | null;
  card_last_four: string;
  optional1: string | null;
  optional2: string | null;
  optional3: string | null;
  sequence: number;
}

export function isPaymentEventType(type: string): type is PaymentEventType {
  return (PAYMENT_EVENT_TYPES as readonly string[]).includes(type);
}

/** The data of one event about `txn` on `order` (both as they are after the change). */
export function paymentEventData(order: Order, txn: Transaction, sequence: number): PaymentEventData {
  return {
    order_id: order.id,
    transaction_id: txn.id,
    reference: order.reference,
    transaction_no: txn.transactionNo,
    payment_reference: txn.paymentReference,
    amount: txn.amount,
    amount_decimal: toDecimalString(txn.amount, txn.currency),
    currency: txn.currency,
    status: txn.status,
    order_status: order.status,
    bank_message: txn.bankMessage,
    customer_email: order.customerEmail,
    customer_mobile: order.customerMobile,
    card_last_four: txn.cardLastFour,
    optional1: order.optional1,
    optional2: order.optional2,
    optional3: order.optional3,
    sequence,
  };
}

/**
 * The event types a transaction change emits, given the status it reached. `payback_pending` is reached
 * in the same change as `failed` (see state.ts), so it emits the failure's events.
 */
export function eventTypesFor(to: TransactionStatus): PaymentEventType[] {
  switch (to) {
    case 'success': return ['transaction.success', 'order.success'];
    case 'delayed': return ['transaction.delayed'];
    case 'failed':
    case 'payback_pending': return ['transaction.failed', 'order.cancel'];
    case 'paid_back': return ['transaction.paid_back'];
    case 'pending': return [];
  }
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

/** Planned events as the delivery engine's `NewEvent`s, with the standard envelope built once. */
export function toNewEvents(merchantId: string, planned: PlannedEvent[], now: number): NewEvent[] {
  // The payment model keeps its ids as plain strings; the merchant id came from the store as a `mer_` id.
  const merchant = merchantId as MerchantId;
  return planned.map((p) => {
    const id = newId('evt', now);
    const data = JSON.stringify(p.data);
    return { id, merchantId: merchant, type: p.type, data, body: buildEnvelope(id, p.type, now, data), idempotencyKey: null, createdAt: now };
  });
}
