/**
 * The API's JSON shapes of the payment module: orders, transactions (payments) and refunds (conventions
 * in ./common.ts).
 */
import type { OrderStatus, RefundStatus, TransactionStatus } from '../../events.js';
import type { ListParams } from './common.js';

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
