/**
 * `PaymentStore` on SQLite, through the core store's outbox port (store/module-port.ts): the payment
 * tables live in the same database file as the events, so a payment state change and the events it
 * emits (with their deliveries) commit in one SQLite transaction, `withOutbox`. That single commit is the
 * transactional outbox: there is no moment at which the state changed but the event is not yet stored,
 * or the reverse.
 *
 * Every transaction body here is synchronous, from BEGIN to COMMIT: better-sqlite3 serves all of this
 * process's requests on one connection, so an `await` inside would let another request's statements
 * run inside this transaction. Writes run under BEGIN IMMEDIATE, so two payhook processes on one file
 * are serialised; every status update still compares-and-sets on the status it read, and a mismatch
 * aborts the transaction, so a status is never written from a stale read.
 */
import {
  decodeCursor,
  ID_MAX,
  toPage,
  type Page,
  type SqliteModuleStore,
  type SqliteOutboxTx,
} from '../../module-api.js';
import {
  answerSeen,
  changeOfNotification,
  changeResult,
  decideChange,
  notificationRecord,
  type ChangeDecision,
} from '../decide.js';
import { paymentError } from '../errors.js';
import type { Order, Payback, Transaction } from '../model.js';
import type {
  BankNotificationInput,
  ChangeResult,
  ClaimedPayback,
  NewOrder,
  NewTransaction,
  NotificationResult,
  OrderFilter,
  PaymentEventLogEntry,
  PaymentStore,
  Refusal,
  TransactionChange,
} from './port.js';
import { ConcurrentChange, type PaymentStoreFaults } from './port.js';
import {
  toLogEntry,
  toOrder,
  toPayback,
  toRefusal,
  toTransaction,
  type EventLogRow,
  type NotificationRow,
  type OrderRow,
  type PaybackRow,
  type RefusalRow,
  type TransactionRow,
} from './rows.js';

export class SqlitePaymentStore implements PaymentStore {
  constructor(
    private readonly db: SqliteModuleStore,
    private readonly faults: PaymentStoreFaults = {},
  ) {}

  // reads ------------------------------------------------------------------------------------------

  async getOrder(merchantId: string, id: string): Promise<Order | null> {
    const row = this.db.get<OrderRow>('pay_order_get', { merchant_id: merchantId, id });
    return row ? toOrder(row) : null;
  }

  async listOrders(f: OrderFilter): Promise<Page<Order>> {
    const hi = decodeCursor(f.cursor) ?? ID_MAX;
    const rows = this.db.all<OrderRow>('pay_order_page', {
      merchant_id: f.merchantId,
      status: f.status ?? null,
      hi,
      limit: f.limit + 1,
    });
    return toPage(rows.map(toOrder), f.limit);
  }

  async getTransaction(merchantId: string, id: string): Promise<Transaction | null> {
    const row = this.db.get<TransactionRow>('pay_txn_get', { merchant_id: merchantId, id });
    return row ? toTransaction(row) : null;
  }

  async transactionsOfOrder(orderId: string): Promise<Transaction[]> {
    return this.db.all<TransactionRow>('pay_txn_of_order', { order_id: orderId }).map(toTransaction);
  }

  async eventsOfOrder(orderId: string): Promise<PaymentEventLogEntry[]> {
    return this.db.all<EventLogRow>('pay_event_log_of_order', { order_id: orderId }).map(toLogEntry);
  }

  async paybackOf(transactionId: string): Promise<Payback | null> {
    const row = this.db.get<PaybackRow>('pay_payback_of_txn', { transaction_id: transactionId });
    return row ? toPayback(row) : null;
  }

  async refusalsOf(transactionId: string): Promise<Refusal[]> {
    return this.db.all<RefusalRow>('pay_refusals_of_txn', { transaction_id: transactionId }).map(toRefusal);
  }

  async nextWorkAt(): Promise<number | null> {
    return this.db.get<{ at: number | null }>('pay_next_work_at')?.at ?? null;
  }

  // orders and transactions ------------------------------------------------------------------------

  async createOrder(o: NewOrder): Promise<Order> {
    return this.db.withOutbox((tx) => {
      if (tx.get('pay_order_by_reference', { merchant_id: o.merchantId, reference: o.reference })) {
        throw paymentError('duplicate_reference', undefined, { reference: o.reference });
      }
      tx.run('pay_order_insert', {
        id: o.id,
        merchant_id: o.merchantId,
        reference: o.reference,
        amount: o.amount,
        currency: o.currency,
        customer_email: o.customerEmail,
        customer_mobile: o.customerMobile,
        optional1: o.optional1,
        optional2: o.optional2,
        optional3: o.optional3,
        now: o.now,
      });
      return toOrder(tx.get<OrderRow>('pay_order_by_id', { id: o.id })!);
    });
  }

  async startTransaction(t: NewTransaction): Promise<Transaction> {
    return this.db.withOutbox((tx) => {
      const order = tx.get<OrderRow>('pay_order_get', { merchant_id: t.merchantId, id: t.orderId });
      if (!order) throw paymentError('order_not_found', undefined, { id: t.orderId });
      if (order.status !== 'open')
        throw paymentError('order_not_payable', undefined, { id: order.id, status: order.status });
      const live = tx.get<{ id: string }>('pay_txn_live_of_order', { order_id: order.id });
      if (live) throw paymentError('payment_in_progress', undefined, { id: order.id, transaction_id: live.id });
      tx.run('pay_txn_insert', {
        id: t.id,
        order_id: order.id,
        merchant_id: order.merchant_id,
        transaction_no: t.transactionNo,
        payment_reference: t.paymentReference,
        amount: order.amount,
        currency: order.currency,
        card_last_four: t.cardLastFour,
        next_check_at: t.checkAt,
        now: t.now,
      });
      return toTransaction(tx.get<TransactionRow>('pay_txn_by_id', { id: t.id })!);
    });
  }

  // state changes ----------------------------------------------------------------------------------

  async applyChange(change: TransactionChange): Promise<ChangeResult> {
    return this.db.withOutbox((tx) => this.applyIn(tx, change));
  }

  async applyBankNotification(n: BankNotificationInput): Promise<NotificationResult> {
    return this.db.withOutbox((tx): NotificationResult => {
      const seen = tx.get<NotificationRow>('pay_notification_get', {
        bank_key: n.bankKey,
        notification_id: n.notificationId,
      });
      if (seen) return answerSeen(seen, n);
      const txn = tx.get<TransactionRow>('pay_txn_by_payment_reference', { payment_reference: n.paymentReference });
      if (!txn) return { result: 'unknown_transaction', duplicate: false };
      const result = this.applyIn(tx, changeOfNotification(n, txn.id));
      tx.run('pay_notification_insert', notificationRecord(n, txn.status, result));
      return { ...result, duplicate: false };
    });
  }

  /** One event on one transaction, inside the caller's transaction: read, decide (decide.ts), write. */
  private applyIn(tx: SqliteOutboxTx, change: TransactionChange): ChangeResult {
    const txnRow = tx.get<TransactionRow>('pay_txn_by_id', { id: change.transactionId });
    if (!txnRow) throw paymentError('transaction_not_found', undefined, { id: change.transactionId });
    const txn = toTransaction(txnRow);
    const order = toOrder(tx.get<OrderRow>('pay_order_by_id', { id: txn.orderId })!);
    const d = decideChange(txn, order, change);
    return changeResult(d, this.write(tx, d));
  }

  /** Writes a decision; returns the pay-back row it created or confirmed. */
  private write(tx: SqliteOutboxTx, d: ChangeDecision): Payback | null {
    if (d.result === 'restated') return null;
    if (d.result === 'refused') {
      const r = d.refusal;
      tx.run('pay_refusal_insert', {
        merchant_id: r.merchantId,
        order_id: r.orderId,
        transaction_id: r.transactionId,
        from_status: r.fromStatus,
        event: r.event,
        source: r.source,
        now: r.now,
      });
      return null;
    }
    const t = d.transactionWrite;
    const updated = tx.run('pay_txn_update', {
      id: t.id,
      from_status: t.fromStatus,
      status: t.status,
      bank_message: t.bankMessage,
      bank_reference: t.bankReference,
      debited: t.debited ? 1 : 0,
      next_check_at: t.nextCheckAt,
      now: t.now,
    });
    if (updated !== 1) throw new ConcurrentChange(`transaction ${t.id} left ${t.fromStatus}`);
    const o = d.orderWrite;
    if (
      o &&
      tx.run('pay_order_update', {
        id: o.id,
        from_status: o.fromStatus,
        status: o.status,
        sequence: o.sequence,
        now: o.now,
      }) !== 1
    ) {
      throw new ConcurrentChange(`order ${o.id} left ${o.fromStatus}`);
    }

    let payback: Payback | null = null;
    const p = d.payback;
    if (p?.kind === 'create') {
      tx.run('pay_payback_insert', {
        id: p.id,
        transaction_id: p.transactionId,
        merchant_id: p.merchantId,
        amount: p.amount,
        currency: p.currency,
        next_attempt_at: p.nextAttemptAt,
        now: p.now,
      });
      payback = toPayback(tx.get<PaybackRow>('pay_payback_by_id', { id: p.id })!);
    } else if (p?.kind === 'confirm') {
      const row = tx.get<PaybackRow>('pay_payback_of_txn', { transaction_id: p.transactionId });
      if (!row || tx.run('pay_payback_confirm', { id: row.id, now: p.now }) !== 1)
        throw new ConcurrentChange(`pay-back of ${p.transactionId} is not pending`);
      payback = toPayback(tx.get<PaybackRow>('pay_payback_by_id', { id: row.id })!);
    }
    this.faults.afterState?.();

    tx.appendEvents(d.events);
    for (const l of d.log) {
      tx.run('pay_event_log_insert', {
        order_id: l.orderId,
        sequence: l.sequence,
        event_id: l.eventId,
        type: l.type,
        transaction_id: l.transactionId,
        status: l.status,
        order_status: l.orderStatus,
        created_at: l.createdAt,
      });
    }
    this.faults.afterEvents?.();
    return payback;
  }

  // workers ----------------------------------------------------------------------------------------

  async claimChecks(o: { now: number; limit: number; leaseMs: number }): Promise<Transaction[]> {
    const rows = this.db.withOutbox((tx) =>
      tx.all<TransactionRow>('pay_txn_claim_checks', { now: o.now, limit: o.limit, lease_until: o.now + o.leaseMs }),
    );
    return rows.map(toTransaction);
  }

  async claimDuePaybacks(o: { now: number; limit: number; leaseMs: number; owner: string }): Promise<ClaimedPayback[]> {
    return this.db.withOutbox((tx) => {
      const rows = tx.all<PaybackRow>('pay_payback_claim', {
        now: o.now,
        limit: o.limit,
        lease_until: o.now + o.leaseMs,
        owner: o.owner,
      });
      return rows.map((r) => {
        const t = tx.get<TransactionRow>('pay_txn_by_id', { id: r.transaction_id })!;
        return {
          payback: toPayback(r),
          transactionId: t.id,
          bankReference: t.bank_reference,
          paymentReference: t.payment_reference,
        };
      });
    });
  }

  async recordPaybackFailure(i: {
    paybackId: string;
    message: string;
    nextAttemptAt: number;
    now: number;
  }): Promise<void> {
    this.db.run('pay_payback_failed', {
      id: i.paybackId,
      message: i.message,
      next_attempt_at: i.nextAttemptAt,
      now: i.now,
    });
  }

  async confirmPayback(i: {
    paybackId: string;
    bankMessage: string;
    source: TransactionChange['source'];
    now: number;
  }): Promise<ChangeResult> {
    return this.db.withOutbox((tx) => {
      const row = tx.get<PaybackRow>('pay_payback_by_id', { id: i.paybackId });
      if (!row) throw paymentError('transaction_not_found', 'No such pay-back.', { id: i.paybackId });
      return this.applyIn(tx, {
        transactionId: row.transaction_id,
        event: 'confirm_payback',
        bankMessage: i.bankMessage,
        source: i.source,
        now: i.now,
      });
    });
  }
}
