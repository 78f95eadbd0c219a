/**
 * The payment records as the module sees them (camelCase, times in unix ms). The store maps its rows
 * to these; the API maps these to snake_case JSON.
 */
import type { OrderStatus, RefundStatus, TransactionStatus } from './state.js';

export interface Order {
  id: string;
  merchantId: string;
  /** The merchant's own reference for the order, unique per merchant. */
  reference: string;
  /** Integer minor units of `currency`. */
  amount: number;
  currency: string;
  customerEmail: string | null;
  customerMobile: string | null;
  optional1: string | null;
  optional2: string | null;
  optional3: string | null;
  status: OrderStatus;
  /** The sequence number of the order's latest event (0 before its first). */
  sequence: number;
  /** Minor units returned to the customer by refunds that succeeded (0 until one does). */
  amountRefunded: number;
  createdAt: number;
  updatedAt: number;
}

export interface Transaction {
  id: string;
  orderId: string;
  merchantId: string;
  /** Human transaction number, `FLN…` like the provider in the seed prints. */
  transactionNo: string;
  /** UUID the customer and the bank can quote. */
  paymentReference: string;
  amount: number;
  currency: string;
  cardLastFour: string;
  status: TransactionStatus;
  /** The bank's last word about it ("approved", "declined by issuer", ...). */
  bankMessage: string;
  /** The bank's handle for the authorisation; `null` until the bank answered. */
  bankReference: string | null;
  /** True when the issuer debited the customer although the payment failed: a pay-back is owed. */
  debited: boolean;
  createdAt: number;
  updatedAt: number;
}

export type PaybackStatus = 'pending' | 'confirmed';

export interface Payback {
  id: string;
  transactionId: string;
  merchantId: string;
  amount: number;
  currency: string;
  status: PaybackStatus;
  /** Tries sent to the bank so far. */
  attempts: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * Money returned on a successful transaction, in part or in full. Its id is the idempotency key of every
 * request about it sent to the bank, so a retry or a restart never returns the money twice.
 */
export interface Refund {
  id: string;
  transactionId: string;
  orderId: string;
  merchantId: string;
  /** Integer minor units of `currency`: what this refund returns. */
  amount: number;
  currency: string;
  reason: string | null;
  status: RefundStatus;
  /** The bank's last word about it; null until the bank answered. */
  bankMessage: string | null;
  /** The merchant's key that makes a repeated request return this refund; null when none was given. */
  idempotencyKey: string | null;
  /** SHA-256 of what was asked (transaction, amount as given, reason): the same key for another request is a conflict. */
  requestSha256: string;
  /** While pending: when to ask the bank again. */
  nextCheckAt: number | null;
  createdAt: number;
  updatedAt: number;
}
