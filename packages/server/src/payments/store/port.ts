/**
 * The payment module's storage contract. Like the core's `Store`, only high-level operations cross it,
 * and every operation that changes a status is one method that one database transaction carries out
 * whole: the status change (decided by `decideChange`, decide.ts, and compare-and-set on the status it
 * read), the order's change, the per-order sequence, the pay-back row a debit owes, and the events with
 * their deliveries (the transactional outbox). A failure anywhere inside leaves none of it.
 *
 * Two implementations, each on the core store's outbox port (store/module-port.ts): `sqlite.ts` and
 * `postgres.ts`. Each only locks, reads, calls the decision and writes what it decided.
 */
import type { ListOptions, Page } from '../../module-api.js';
import type { Order, Payback, Refund, Transaction } from '../model.js';
import type { ModuleEventType } from '../refund-events.js';
import type { OrderStatus, RefundStatus, TransactionEvent, TransactionStatus } from '../state.js';

export interface NewOrder {
  id: string;
  merchantId: string;
  reference: string;
  amount: number;
  currency: string;
  customerEmail: string | null;
  customerMobile: string | null;
  optional1: string | null;
  optional2: string | null;
  optional3: string | null;
  now: number;
}

export interface NewTransaction {
  id: string;
  orderId: string;
  merchantId: string;
  transactionNo: string;
  paymentReference: string;
  cardLastFour: string;
  now: number;
  /**
   * When to ask the bank about it if the checkout never records the bank's answer (payhook stopped
   * mid-payment): the transaction is then settled by an enquiry, never left pending.
   */
  checkAt: number;
}

/** Where a change came from; recorded with refusals. */
export type ChangeSource = 'checkout' | 'enquiry' | 'payback' | `notification:${string}`;

/** One state-machine event applied to one transaction. */
export interface TransactionChange {
  transactionId: string;
  /** `schedule_payback` is never passed: `decline_debited` implies it, in the same transaction. */
  event: Exclude<TransactionEvent, 'schedule_payback'>;
  bankMessage: string;
  /** The bank's handle, when this answer brought it. */
  bankReference?: string | null;
  /** For `delay`: when to ask the bank again. */
  nextCheckAt?: number | null;
  /** For `decline_debited`: when the first pay-back try is due. */
  paybackDueAt?: number;
  source: ChangeSource;
  now: number;
}

export interface EmittedEvent {
  id: string;
  type: ModuleEventType;
  sequence: number;
}

export type ChangeResult =
  | { result: 'applied'; transaction: Transaction; order: Order; events: EmittedEvent[]; payback: Payback | null }
  /** The event restated what the transaction already was: nothing changed, nothing emitted. */
  | { result: 'restated'; transaction: Transaction; order: Order }
  /** The state machine forbade it; the refusal was recorded, nothing else changed. */
  | {
      result: 'refused';
      code: 'transition_forbidden';
      from: TransactionStatus;
      event: TransactionEvent;
      transaction: Transaction;
      order: Order;
    };

export interface BankNotificationInput {
  /** Id of the bank key that signed it. */
  bankKey: string;
  /** The bank's id for the notification: the idempotency key. */
  notificationId: string;
  /** SHA-256 of the body: the same id with another body is a conflict, not a duplicate. */
  bodySha256: string;
  paymentReference: string;
  event: TransactionChange['event'];
  bankMessage: string;
  nextCheckAt?: number | null;
  paybackDueAt?: number;
  now: number;
}

export type NotificationResult =
  | (ChangeResult & { duplicate: false })
  /** Seen before: the stored outcome, nothing applied again. */
  | {
      result: 'applied' | 'restated' | 'refused';
      duplicate: true;
      transactionId: string | null;
      from: TransactionStatus | null;
      to: TransactionStatus | null;
      event: TransactionEvent;
    }
  | { result: 'unknown_transaction'; duplicate: false }
  | { result: 'conflict'; duplicate: true };

export interface ClaimedPayback {
  payback: Payback;
  transactionId: string;
  bankReference: string | null;
  paymentReference: string;
}

export interface PaymentEventLogEntry {
  orderId: string;
  sequence: number;
  eventId: string;
  type: ModuleEventType;
  transactionId: string;
  /** The refund a refund event is about; null for a payment attempt's events. */
  refundId: string | null;
  /** The transaction's status after the change, or the refund's for a refund event. */
  status: TransactionStatus | RefundStatus;
  orderStatus: OrderStatus;
  createdAt: number;
}

export interface Refusal {
  transactionId: string;
  fromStatus: TransactionStatus;
  event: TransactionEvent;
  source: string;
  createdAt: number;
}

export interface OrderFilter extends ListOptions {
  merchantId: string;
  status?: OrderStatus;
}

/** A refund as the merchant asked for it. */
export interface RefundRequest {
  id: string;
  merchantId: string;
  transactionId: string;
  /** Minor units; null for all that remains. */
  amount: number | null;
  reason: string | null;
  idempotencyKey: string | null;
  /** SHA-256 of the request (`refundRequestSha256`): the same key with another request is a conflict. */
  requestSha256: string;
  now: number;
  /** When the worker sends it to the bank if the request never records the bank's answer. */
  checkAt: number;
}

/** What the bank said about a refund. */
export type RefundAnswer =
  | { outcome: 'succeed' | 'fail'; bankMessage: string; now: number }
  | { outcome: 'delay'; bankMessage: string; nextCheckAt: number; now: number };

/** A refund request's answer: the new refund with its event, or the one made before under the same key. */
export type RefundCreated =
  | { result: 'created'; refund: Refund; order: Order; transaction: Transaction; events: EmittedEvent[] }
  | { result: 'replayed'; refund: Refund };

/** A bank answer's effect on a refund: settled (with its event), asked again later, or settled before. */
export type RefundSettled =
  | { result: 'applied'; refund: Refund; order: Order; events: EmittedEvent[] }
  | { result: 'rescheduled' | 'restated'; refund: Refund; order: Order };

export interface ClaimedRefund {
  refund: Refund;
  /** The bank's handle for the payment the refund returns money of. */
  bankReference: string | null;
}

export interface PaymentStore {
  /** Errors: `duplicate_reference`. */
  createOrder(order: NewOrder): Promise<Order>;
  getOrder(merchantId: string, id: string): Promise<Order | null>;
  /** The merchant's order with this reference (unique per merchant). */
  getOrderByReference(merchantId: string, reference: string): Promise<Order | null>;
  listOrders(filter: OrderFilter): Promise<Page<Order>>;
  getTransaction(merchantId: string, id: string): Promise<Transaction | null>;
  /** The transaction with this payment reference, in any merchant scope (a bank knows only the reference). */
  transactionByPaymentReference(paymentReference: string): Promise<Transaction | null>;
  transactionsOfOrder(orderId: string): Promise<Transaction[]>;
  /** The order's events in sequence order (the log outlives event retention). */
  eventsOfOrder(orderId: string): Promise<PaymentEventLogEntry[]>;
  paybackOf(transactionId: string): Promise<Payback | null>;
  refusalsOf(transactionId: string): Promise<Refusal[]>;
  getRefund(merchantId: string, id: string): Promise<Refund | null>;
  /** Oldest first. */
  refundsOfTransaction(transactionId: string): Promise<Refund[]>;
  /** Oldest first. */
  refundsOfOrder(orderId: string): Promise<Refund[]>;

  /**
   * Starts a payment attempt: a `pending` transaction for the order's full amount. Errors:
   * `order_not_found`, `order_not_payable` (paid or cancelled), `payment_in_progress` (another attempt
   * is pending or delayed).
   */
  startTransaction(txn: NewTransaction): Promise<Transaction>;
  /** Applies one event to a transaction, atomically with its order change, events and pay-back. */
  applyChange(change: TransactionChange): Promise<ChangeResult>;
  /** Records a bank notification and applies it, in one transaction; the same notification again changes nothing. */
  applyBankNotification(notification: BankNotificationInput): Promise<NotificationResult>;

  /**
   * Pending and delayed transactions whose enquiry is due, each moved `leaseMs` ahead so that another
   * worker does not ask at the same time. An enquiry changes nothing at the bank, so a double is harmless.
   */
  claimChecks(options: { now: number; limit: number; leaseMs: number }): Promise<Transaction[]>;
  /** Pay-backs due now, leased to `owner` until `now + leaseMs`; each claim counts as a try. */
  claimDuePaybacks(options: { now: number; limit: number; leaseMs: number; owner: string }): Promise<ClaimedPayback[]>;
  /** The bank refused or could not be reached: try again at `nextAttemptAt`. Ignored if no longer pending. */
  recordPaybackFailure(input: {
    paybackId: string;
    message: string;
    nextAttemptAt: number;
    now: number;
  }): Promise<void>;
  /** The bank confirmed: pay-back confirmed, transaction `paid_back`, `transaction.paid_back` emitted, together. */
  confirmPayback(input: {
    paybackId: string;
    bankMessage: string;
    source: ChangeSource;
    now: number;
  }): Promise<ChangeResult>;
  /**
   * Makes a pending refund (decided by `decideRefund`, decide-refund.ts) with `refund.created`, in one
   * transaction; the same idempotency key and request again returns the first refund. Errors:
   * `transaction_not_found` (not the merchant's), `transaction_not_refundable`, `refund_exceeds_remaining`,
   * `refund_idempotency_conflict`.
   */
  createRefund(request: RefundRequest): Promise<RefundCreated>;
  /** Applies the bank's answer about a refund (`decideRefundOutcome`), with its event and the order's change. */
  settleRefund(refundId: string, answer: RefundAnswer): Promise<RefundSettled>;
  /**
   * Pending refunds due to be sent (again) to the bank, each moved `leaseMs` ahead so that another worker
   * does not send it at the same time. A refund's id is its idempotency key at the bank, so a double is
   * harmless.
   */
  claimDueRefunds(options: { now: number; limit: number; leaseMs: number }): Promise<ClaimedRefund[]>;
  /** The earliest due enquiry, pay-back try or refund, or null: how long the payment workers may sleep. */
  nextWorkAt(): Promise<number | null>;
}

/**
 * Test hooks called inside the database transaction of a state change, after the state was written and
 * after its events were appended. The outbox tests throw from them to show that nothing of the change
 * survives. Both stores (sqlite.ts, postgres.ts) take the same hooks and call them at the same two points.
 */
export interface PaymentStoreFaults {
  afterState?(): void;
  afterEvents?(): void;
}

/** Thrown inside a transaction when a compare-and-set finds another status: the transaction rolls back. */
export class ConcurrentChange extends Error {}
