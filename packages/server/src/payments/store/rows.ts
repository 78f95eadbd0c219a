/**
 * Row shapes of the payment tables and their mapping to the module's records, for both dialects: the
 * mappers take SQLite's integers-for-booleans and PostgreSQL's booleans alike (`Boolean`, `Number`).
 */
import type { RefundTotals } from '../decide-refund.js';
import type { Order, Payback, PaybackStatus, Refund, Transaction } from '../model.js';
import type { ModuleEventType } from '../refund-events.js';
import type { OrderStatus, RefundStatus, TransactionEvent, TransactionStatus } from '../state.js';
import type { PaymentEventLogEntry, Refusal } from './port.js';

export interface OrderRow {
  id: string;
  merchant_id: string;
  reference: string;
  amount: number;
  currency: string;
  customer_email: string | null;
  customer_mobile: string | null;
  optional1: string | null;
  optional2: string | null;
  optional3: string | null;
  status: string;
  sequence: number;
  amount_refunded: number;
  created_at: number;
  updated_at: number;
}
export interface TransactionRow {
  id: string;
  order_id: string;
  merchant_id: string;
  transaction_no: string;
  payment_reference: string;
  amount: number;
  currency: string;
  card_last_four: string;
  status: string;
  bank_message: string;
  bank_reference: string | null;
  debited: number | boolean;
  next_check_at: number | null;
  created_at: number;
  updated_at: number;
}
export interface PaybackRow {
  id: string;
  transaction_id: string;
  merchant_id: string;
  amount: number;
  currency: string;
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  lease_owner: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}
export interface EventLogRow {
  order_id: string;
  sequence: number;
  event_id: string;
  type: string;
  transaction_id: string;
  refund_id: string | null;
  status: string;
  order_status: string;
  created_at: number;
}
export interface RefundRow {
  id: string;
  transaction_id: string;
  order_id: string;
  merchant_id: string;
  amount: number;
  currency: string;
  reason: string | null;
  status: string;
  bank_message: string | null;
  idempotency_key: string | null;
  request_sha256: string;
  next_check_at: number | null;
  created_at: number;
  updated_at: number;
}
/** `pay_refund_totals`: a transaction's refunds summed by status (PostgreSQL sums come as text). */
export interface TotalsRow {
  succeeded: number | string;
  pending: number | string;
}
export interface RefusalRow {
  transaction_id: string;
  from_status: string;
  event: string;
  source: string;
  created_at: number;
}
export interface NotificationRow {
  id: string;
  bank_key: string;
  notification_id: string;
  body_sha256: string;
  transaction_id: string | null;
  event: string;
  outcome: string;
  from_status: string | null;
  to_status: string | null;
  received_at: number;
}

export const toOrder = (r: OrderRow): Order => ({
  id: r.id,
  merchantId: r.merchant_id,
  reference: r.reference,
  amount: Number(r.amount),
  currency: r.currency,
  customerEmail: r.customer_email,
  customerMobile: r.customer_mobile,
  optional1: r.optional1,
  optional2: r.optional2,
  optional3: r.optional3,
  status: r.status as OrderStatus,
  sequence: Number(r.sequence),
  amountRefunded: Number(r.amount_refunded),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export const toTransaction = (r: TransactionRow): Transaction => ({
  id: r.id,
  orderId: r.order_id,
  merchantId: r.merchant_id,
  transactionNo: r.transaction_no,
  paymentReference: r.payment_reference,
  amount: Number(r.amount),
  currency: r.currency,
  cardLastFour: r.card_last_four,
  status: r.status as TransactionStatus,
  bankMessage: r.bank_message,
  bankReference: r.bank_reference,
  debited: Boolean(r.debited),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export const toPayback = (r: PaybackRow): Payback => ({
  id: r.id,
  transactionId: r.transaction_id,
  merchantId: r.merchant_id,
  amount: Number(r.amount),
  currency: r.currency,
  status: r.status as PaybackStatus,
  attempts: Number(r.attempts),
  nextAttemptAt: r.next_attempt_at === null ? null : Number(r.next_attempt_at),
  lastError: r.last_error,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export const toLogEntry = (r: EventLogRow): PaymentEventLogEntry => ({
  orderId: r.order_id,
  sequence: Number(r.sequence),
  eventId: r.event_id,
  type: r.type as ModuleEventType,
  transactionId: r.transaction_id,
  refundId: r.refund_id,
  status: r.status as TransactionStatus | RefundStatus,
  orderStatus: r.order_status as OrderStatus,
  createdAt: Number(r.created_at),
});

export const toRefund = (r: RefundRow): Refund => ({
  id: r.id,
  transactionId: r.transaction_id,
  orderId: r.order_id,
  merchantId: r.merchant_id,
  amount: Number(r.amount),
  currency: r.currency,
  reason: r.reason,
  status: r.status as RefundStatus,
  bankMessage: r.bank_message,
  idempotencyKey: r.idempotency_key,
  requestSha256: r.request_sha256,
  nextCheckAt: r.next_check_at === null ? null : Number(r.next_check_at),
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

export const toTotals = (r: TotalsRow): RefundTotals => ({
  succeeded: Number(r.succeeded),
  pending: Number(r.pending),
});

export const toRefusal = (r: RefusalRow): Refusal => ({
  transactionId: r.transaction_id,
  fromStatus: r.from_status as TransactionStatus,
  event: r.event as TransactionEvent,
  source: r.source,
  createdAt: Number(r.created_at),
});
