/**
 * `PaymentStore` on PostgreSQL, through the core store's outbox port (store/module-port.ts): the payment
 * tables live in the store's schema, so a payment state change and the events it emits (with their
 * deliveries) commit in one PostgreSQL transaction, `withOutbox`: the transactional outbox, as on
 * SQLite (sqlite.ts). Both take their decisions from decide.ts; this file only locks, reads and writes.
 *
 * What SQLite gets from its single writer is done with row locks here. A change locks its transaction
 * row, then its order row (FOR UPDATE, always in that order; a pay-back confirmation reads its pay-back
 * first, without a lock), so two changes to one payment run one after the other and the second sees
 * the first's status: it is restated or refused, never applied on a stale read. The compare-and-set
 * updates stay as a second guard, and the unique indexes (one success, one live attempt, one pay-back
 * per transaction) as the last. A bank notification takes an advisory lock on its own id first
 * (`tx.lock`), so the same notification arriving twice at once is answered once and recorded once.
 */
import {
  decodeCursor,
  ID_MAX,
  toPage,
  type Page,
  type PostgresModuleStore,
  type PostgresOutboxTx,
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

export class PostgresPaymentStore implements PaymentStore {
  constructor(
    private readonly db: PostgresModuleStore,
    private readonly faults: PaymentStoreFaults = {},
  ) {}

  private read<T>(name: string, args: Record<string, unknown>): Promise<T[]> {
    return this.db.all<T>(name, args, { idempotent: true });
  }

  // reads ------------------------------------------------------------------------------------------

  async getOrder(merchantId: string, id: string): Promise<Order | null> {
    const [row] = await this.read<OrderRow>('pay_order_get', { merchant_id: merchantId, id });
    return row ? toOrder(row) : null;
  }

  async listOrders(f: OrderFilter): Promise<Page<Order>> {
    const rows = await this.read<OrderRow>('pay_order_page', {
      merchant_id: f.merchantId,
      status: f.status ?? null,
      hi: decodeCursor(f.cursor) ?? ID_MAX,
      limit: f.limit + 1,
    });
    return toPage(rows.map(toOrder), f.limit);
  }

  async getTransaction(merchantId: string, id: string): Promise<Transaction | null> {
    const [row] = await this.read<TransactionRow>('pay_txn_get', { merchant_id: merchantId, id });
    return row ? toTransaction(row) : null;
  }

  async transactionsOfOrder(orderId: string): Promise<Transaction[]> {
    return (await this.read<TransactionRow>('pay_txn_of_order', { order_id: orderId })).map(toTransaction);
  }

  async eventsOfOrder(orderId: string): Promise<PaymentEventLogEntry[]> {
    return (await this.read<EventLogRow>('pay_event_log_of_order', { order_id: orderId })).map(toLogEntry);
  }

  async paybackOf(transactionId: string): Promise<Payback | null> {
    const [row] = await this.read<PaybackRow>('pay_payback_of_txn', { transaction_id: transactionId });
    return row ? toPayback(row) : null;
  }

  async refusalsOf(transactionId: string): Promise<Refusal[]> {
    return (await this.read<RefusalRow>('pay_refusals_of_txn', { transaction_id: transactionId })).map(toRefusal);
  }

  async nextWorkAt(): Promise<number | null> {
    const [row] = await this.read<{ at: number | null }>('pay_next_work_at', {});
    return row?.at ?? null;
  }

  // orders and transactions ------------------------------------------------------------------------

  async createOrder(o: NewOrder): Promise<Order> {
    const [row] = await this.db.all<OrderRow>(
      'pay_order_insert',
      {
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
      },
      { idempotent: false },
    );
    if (!row) throw paymentError('duplicate_reference', undefined, { reference: o.reference });
    return toOrder(row);
  }

  async startTransaction(t: NewTransaction): Promise<Transaction> {
    return this.db.withOutbox(
      async (tx) => {
        // The order's row lock serialises payment attempts on it; the one-live index is the backstop.
        const [order] = await tx.all<OrderRow>('pay_order_get_for_update', {
          merchant_id: t.merchantId,
          id: t.orderId,
        });
        if (!order) throw paymentError('order_not_found', undefined, { id: t.orderId });
        if (order.status !== 'open')
          throw paymentError('order_not_payable', undefined, { id: order.id, status: order.status });
        const [live] = await tx.all<{ id: string }>('pay_txn_live_of_order', { order_id: order.id });
        if (live) throw paymentError('payment_in_progress', undefined, { id: order.id, transaction_id: live.id });
        const [row] = await tx.all<TransactionRow>('pay_txn_insert', {
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
        return toTransaction(row);
      },
      { idempotent: false },
    );
  }

  // state changes ----------------------------------------------------------------------------------

  async applyChange(change: TransactionChange): Promise<ChangeResult> {
    return this.db.withOutbox((tx) => this.applyIn(tx, change), { idempotent: false });
  }

  async applyBankNotification(n: BankNotificationInput): Promise<NotificationResult> {
    return this.db.withOutbox(
      async (tx): Promise<NotificationResult> => {
        await tx.lock('notification', `${n.bankKey}:${n.notificationId}`);
        const [seen] = await tx.all<NotificationRow>('pay_notification_get', {
          bank_key: n.bankKey,
          notification_id: n.notificationId,
        });
        if (seen) return answerSeen(seen, n);
        const [txn] = await tx.all<TransactionRow>('pay_txn_by_payment_reference_for_update', {
          payment_reference: n.paymentReference,
        });
        if (!txn) return { result: 'unknown_transaction', duplicate: false };
        const result = await this.applyIn(tx, changeOfNotification(n, txn.id));
        await tx.all('pay_notification_insert', notificationRecord(n, txn.status, result));
        return { ...result, duplicate: false };
      },
      { idempotent: false },
    );
  }

  /** One event on one transaction, inside the caller's transaction: lock and read, decide (decide.ts), write. */
  private async applyIn(tx: PostgresOutboxTx, change: TransactionChange): Promise<ChangeResult> {
    const [txnRow] = await tx.all<TransactionRow>('pay_txn_by_id_for_update', { id: change.transactionId });
    if (!txnRow) throw paymentError('transaction_not_found', undefined, { id: change.transactionId });
    const txn = toTransaction(txnRow);
    const [orderRow] = await tx.all<OrderRow>('pay_order_by_id_for_update', { id: txn.orderId });
    const d = decideChange(txn, toOrder(orderRow), change);
    return changeResult(d, await this.write(tx, d));
  }

  /** Writes a decision; returns the pay-back row it created or confirmed. */
  private async write(tx: PostgresOutboxTx, d: ChangeDecision): Promise<Payback | null> {
    if (d.result === 'restated') return null;
    if (d.result === 'refused') {
      const r = d.refusal;
      await tx.all('pay_refusal_insert', {
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
    const updated = await tx.all('pay_txn_update', {
      id: t.id,
      from_status: t.fromStatus,
      status: t.status,
      bank_message: t.bankMessage,
      bank_reference: t.bankReference,
      debited: t.debited,
      next_check_at: t.nextCheckAt,
      now: t.now,
    });
    if (updated.length !== 1) throw new ConcurrentChange(`transaction ${t.id} left ${t.fromStatus}`);
    const o = d.orderWrite;
    if (
      o &&
      (
        await tx.all('pay_order_update', {
          id: o.id,
          from_status: o.fromStatus,
          status: o.status,
          sequence: o.sequence,
          now: o.now,
        })
      ).length !== 1
    ) {
      throw new ConcurrentChange(`order ${o.id} left ${o.fromStatus}`);
    }

    let payback: Payback | null = null;
    const p = d.payback;
    if (p?.kind === 'create') {
      const [row] = await tx.all<PaybackRow>('pay_payback_insert', {
        id: p.id,
        transaction_id: p.transactionId,
        merchant_id: p.merchantId,
        amount: p.amount,
        currency: p.currency,
        next_attempt_at: p.nextAttemptAt,
        now: p.now,
      });
      payback = toPayback(row);
    } else if (p?.kind === 'confirm') {
      const [row] = await tx.all<PaybackRow>('pay_payback_of_txn', { transaction_id: p.transactionId });
      const [confirmed] = row ? await tx.all<PaybackRow>('pay_payback_confirm', { id: row.id, now: p.now }) : [];
      if (!confirmed) throw new ConcurrentChange(`pay-back of ${p.transactionId} is not pending`);
      payback = toPayback(confirmed);
    }
    this.faults.afterState?.();

    if (d.events.length > 0) {
      await tx.appendEvents(d.events);
      // One statement for the whole log (arrays), rather than a round trip per event.
      await tx.all('pay_event_log_insert', {
        order_id: d.order.id,
        sequences: d.log.map((l) => l.sequence),
        event_ids: d.log.map((l) => l.eventId),
        types: d.log.map((l) => l.type),
        transaction_id: d.transaction.id,
        status: d.transaction.status,
        order_status: d.order.status,
        created_at: d.log[0].createdAt,
      });
    }
    this.faults.afterEvents?.();
    return payback;
  }

  // workers ----------------------------------------------------------------------------------------

  async claimChecks(o: { now: number; limit: number; leaseMs: number }): Promise<Transaction[]> {
    const rows = await this.db.all<TransactionRow & { due_at: number }>(
      'pay_txn_claim_checks',
      { now: o.now, limit: o.limit, lease_until: o.now + o.leaseMs },
      { idempotent: true },
    );
    return rows.sort((a, b) => a.due_at - b.due_at || (a.id < b.id ? -1 : 1)).map(toTransaction);
  }

  async claimDuePaybacks(o: { now: number; limit: number; leaseMs: number; owner: string }): Promise<ClaimedPayback[]> {
    const rows = await this.db.all<PaybackRow & { txn_bank_reference: string | null; txn_payment_reference: string }>(
      'pay_payback_claim',
      {
        now: o.now,
        limit: o.limit,
        lease_until: o.now + o.leaseMs,
        owner: o.owner,
      },
      { idempotent: false },
    );
    return rows.map((r) => ({
      payback: toPayback(r),
      transactionId: r.transaction_id,
      bankReference: r.txn_bank_reference,
      paymentReference: r.txn_payment_reference,
    }));
  }

  async recordPaybackFailure(i: {
    paybackId: string;
    message: string;
    nextAttemptAt: number;
    now: number;
  }): Promise<void> {
    await this.db.all(
      'pay_payback_failed',
      { id: i.paybackId, message: i.message, next_attempt_at: i.nextAttemptAt, now: i.now },
      { idempotent: true },
    );
  }

  async confirmPayback(i: {
    paybackId: string;
    bankMessage: string;
    source: TransactionChange['source'];
    now: number;
  }): Promise<ChangeResult> {
    return this.db.withOutbox(
      async (tx) => {
        const [row] = await tx.all<PaybackRow>('pay_payback_by_id', { id: i.paybackId });
        if (!row) throw paymentError('transaction_not_found', 'No such pay-back.', { id: i.paybackId });
        return this.applyIn(tx, {
          transactionId: row.transaction_id,
          event: 'confirm_payback',
          bankMessage: i.bankMessage,
          source: i.source,
          now: i.now,
        });
      },
      { idempotent: false },
    );
  }
}
