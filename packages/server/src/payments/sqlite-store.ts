/**
 * `PaymentStore` on the SQLite delivery store: the payment tables live in the same database file, so a
 * payment state change and the events it emits (with their deliveries) commit in one SQLite
 * transaction through `SqliteStore.transaction` and `appendEventsInTransaction`. That single commit is
 * the transactional outbox: there is no moment at which the state changed but the event is not yet
 * stored, or the reverse.
 *
 * Writes run under BEGIN IMMEDIATE, so two payhook processes on one file are serialised; every status
 * update still compares-and-sets on the status it read, and a mismatch aborts the transaction, so a
 * status is never written from a stale read.
 */
import { newId } from '../ids.js';
import { PayhookError } from '../errors.js';
import { decodeCursor, ID_MAX, toPage } from '../store/cursor.js';
import type { SqliteStore } from '../store/sqlite/store.js';
import type { Page } from '../store/types.js';
import { planEvents, toNewEvents } from './events.js';
import type { Order, Payback, Transaction } from './model.js';
import {
  toLogEntry, toOrder, toPayback, toRefusal, toTransaction,
  type EventLogRow, type NotificationRow, type OrderRow, type PaybackRow, type RefusalRow, type TransactionRow,
} from './sqlite-rows.js';
import { orderEventFor, restates, transition, transitionOrder, type TransactionStatus } from './state.js';
import type {
  BankNotificationInput, ChangeResult, ClaimedPayback, NewOrder, NewTransaction, NotificationResult, OrderFilter,
  PaymentEventLogEntry, PaymentStore, Refusal, TransactionChange,
} from './store-types.js';

export interface SqlitePaymentStoreOptions {
  /**
   * Test hooks called inside the database transaction of a state change, after the state was written
   * and after its events were appended. The outbox tests throw from them to show that nothing of the
   * change survives.
   */
  faults?: { afterState?(): void; afterEvents?(): void };
}

/** Thrown inside a transaction when a compare-and-set finds another status: the transaction rolls back. */
class ConcurrentChange extends Error {}

export class SqlitePaymentStore implements PaymentStore {
  constructor(private readonly store: SqliteStore, private readonly options: SqlitePaymentStoreOptions = {}) {}

  // reads ------------------------------------------------------------------------------------------

  async getOrder(merchantId: string, id: string): Promise<Order | null> {
    const row = this.store.stmt('pay_order_get').get({ merchant_id: merchantId, id }) as OrderRow | undefined;
    return row ? toOrder(row) : null;
  }

  async listOrders(f: OrderFilter): Promise<Page<Order>> {
    const hi = decodeCursor(f.cursor) ?? ID_MAX;
    const rows = this.store.stmt('pay_order_page').all({ merchant_id: f.merchantId, status: f.status ?? null, hi, limit: f.limit + 1 }) as OrderRow[];
    return toPage(rows.map(toOrder), f.limit);
  }

  async getTransaction(merchantId: string, id: string): Promise<Transaction | null> {
    const row = this.store.stmt('pay_txn_get').get({ merchant_id: merchantId, id }) as TransactionRow | undefined;
    return row ? toTransaction(row) : null;
  }

  async transactionsOfOrder(orderId: string): Promise<Transaction[]> {
    return (this.store.stmt('pay_txn_of_order').all({ order_id: orderId }) as TransactionRow[]).map(toTransaction);
  }

  async eventsOfOrder(orderId: string): Promise<PaymentEventLogEntry[]> {
    return (this.store.stmt('pay_event_log_of_order').all({ order_id: orderId }) as EventLogRow[]).map(toLogEntry);
  }

  async paybackOf(transactionId: string): Promise<Payback | null> {
    const row = this.store.stmt('pay_payback_of_txn').get({ transaction_id: transactionId }) as PaybackRow | undefined;
    return row ? toPayback(row) : null;
  }

  async refusalsOf(transactionId: string): Promise<Refusal[]> {
    return (this.store.stmt('pay_refusals_of_txn').all({ transaction_id: transactionId }) as RefusalRow[]).map(toRefusal);
  }

  async nextWorkAt(): Promise<number | null> {
    const row = this.store.stmt('pay_next_work_at').get() as { at: number | null } | undefined;
    return row?.at ?? null;
  }

  // orders and transactions ------------------------------------------------------------------------

  async createOrder(o: NewOrder): Promise<Order> {
    return this.store.transaction(() => {
      if (this.store.stmt('pay_order_by_reference').get({ merchant_id: o.merchantId, reference: o.reference })) {
        throw new PayhookError('duplicate_reference', undefined, { reference: o.reference });
      }
      this.store.stmt('pay_order_insert').run({
        id: o.id, merchant_id: o.merchantId, reference: o.reference, amount: o.amount, currency: o.currency,
        customer_email: o.customerEmail, customer_mobile: o.customerMobile,
        optional1: o.optional1, optional2: o.optional2, optional3: o.optional3, now: o.now,
      });
      return toOrder(this.store.stmt('pay_order_by_id').get({ id: o.id }) as OrderRow);
    });
  }

  async startTransaction(t: NewTransaction): Promise<Transaction> {
    return this.store.transaction(() => {
      const order = this.store.stmt('pay_order_get').get({ merchant_id: t.merchantId, id: t.orderId }) as OrderRow | undefined;
      if (!order) throw new PayhookError('order_not_found', undefined, { id: t.orderId });
      if (order.status !== 'open') throw new PayhookError('order_not_payable', undefined, { id: order.id, status: order.status });
      const live = this.store.stmt('pay_txn_live_of_order').get({ order_id: order.id }) as { id: string } | undefined;
      if (live) throw new PayhookError('payment_in_progress', undefined, { id: order.id, transaction_id: live.id });
      this.store.stmt('pay_txn_insert').run({
        id: t.id, order_id: order.id, merchant_id: order.merchant_id, transaction_no: t.transactionNo,
        payment_reference: t.paymentReference, amount: order.amount, currency: order.currency,
        card_last_four: t.cardLastFour, next_check_at: t.checkAt, now: t.now,
      });
      return toTransaction(this.store.stmt('pay_txn_by_id').get({ id: t.id }) as TransactionRow);
    });
  }

  // state changes ----------------------------------------------------------------------------------

  async applyChange(change: TransactionChange): Promise<ChangeResult> {
    const result = this.store.transaction(() => this.applyInTransaction(change));
    this.afterCommit(result);
    return result;
  }

  async applyBankNotification(n: BankNotificationInput): Promise<NotificationResult> {
    const out = this.store.transaction((): NotificationResult => {
      const seen = this.store.stmt('pay_notification_get').get({ bank_key: n.bankKey, notification_id: n.notificationId }) as NotificationRow | undefined;
      if (seen) {
        if (seen.body_sha256 !== n.bodySha256) return { result: 'conflict', duplicate: true };
        return {
          result: seen.outcome as 'applied' | 'restated' | 'refused', duplicate: true, transactionId: seen.transaction_id,
          from: seen.from_status as TransactionStatus | null, to: seen.to_status as TransactionStatus | null, event: n.event,
        };
      }
      const txn = this.store.stmt('pay_txn_by_payment_reference').get({ payment_reference: n.paymentReference }) as TransactionRow | undefined;
      if (!txn) return { result: 'unknown_transaction', duplicate: false };
      const result = this.applyInTransaction({
        transactionId: txn.id, event: n.event, bankMessage: n.bankMessage, nextCheckAt: n.nextCheckAt, paybackDueAt: n.paybackDueAt,
        source: `notification:${n.bankKey}:${n.notificationId}`, now: n.now,
      });
      this.store.stmt('pay_notification_insert').run({
        id: newId('bnk', n.now), bank_key: n.bankKey, notification_id: n.notificationId, body_sha256: n.bodySha256,
        transaction_id: txn.id, event: n.event, outcome: result.result, from_status: txn.status,
        to_status: result.transaction.status, now: n.now,
      });
      return { ...result, duplicate: false };
    });
    if (!out.duplicate && out.result === 'applied') this.afterCommit(out);
    return out;
  }

  /**
   * The heart of the module: one event on one transaction, inside the caller's database transaction.
   * Everything is decided before the first write, so a refusal writes only the refusal.
   */
  private applyInTransaction(change: TransactionChange): ChangeResult {
    const txnRow = this.store.stmt('pay_txn_by_id').get({ id: change.transactionId }) as TransactionRow | undefined;
    if (!txnRow) throw new PayhookError('transaction_not_found', undefined, { id: change.transactionId });
    const txn = toTransaction(txnRow);
    const order = toOrder(this.store.stmt('pay_order_by_id').get({ id: txn.orderId }) as OrderRow);

    if (restates(txn.status, change.event)) return { result: 'restated', transaction: txn, order };
    const step = transition(txn.status, change.event);
    // A debited decline owes a pay-back: failed → payback_pending in the same commit.
    const final = step.ok && change.event === 'decline_debited' ? transition(step.to, 'schedule_payback') : step;
    const orderEvent = step.ok ? orderEventFor(step.to) : null;
    const orderStep = orderEvent ? transitionOrder(order.status, orderEvent) : null;
    if (!final.ok || (orderStep && !orderStep.ok)) {
      this.store.stmt('pay_refusal_insert').run({
        merchant_id: txn.merchantId, order_id: order.id, transaction_id: txn.id, from_status: txn.status,
        event: change.event, source: change.source, now: change.now,
      });
      return { result: 'refused', code: 'transition_forbidden', from: txn.status, event: change.event, transaction: txn, order };
    }

    const to = final.to;
    const next: Transaction = {
      ...txn,
      status: to,
      bankMessage: change.bankMessage,
      bankReference: change.bankReference ?? txn.bankReference,
      debited: txn.debited || change.event === 'decline_debited',
      updatedAt: change.now,
    };
    const nextOrder: Order = { ...order, status: orderStep?.ok ? orderStep.to : order.status, updatedAt: change.now };
    const planned = planEvents(nextOrder, next);
    nextOrder.sequence = order.sequence + planned.length;

    const nextCheckAt = to === 'delayed' ? (change.nextCheckAt ?? change.now) : null;
    const updated = this.store.stmt('pay_txn_update').run({
      id: txn.id, from_status: txn.status, status: to, bank_message: next.bankMessage, bank_reference: change.bankReference ?? null,
      debited: next.debited ? 1 : 0, next_check_at: nextCheckAt, now: change.now,
    });
    if (updated.changes !== 1) throw new ConcurrentChange(`transaction ${txn.id} left ${txn.status}`);
    if (nextOrder.status !== order.status || planned.length > 0) {
      const o = this.store.stmt('pay_order_update').run({ id: order.id, from_status: order.status, status: nextOrder.status, sequence: nextOrder.sequence, now: change.now });
      if (o.changes !== 1) throw new ConcurrentChange(`order ${order.id} left ${order.status}`);
    }

    let payback: Payback | null = null;
    if (to === 'payback_pending') {
      const id = newId('pb', change.now);
      this.store.stmt('pay_payback_insert').run({
        id, transaction_id: txn.id, merchant_id: txn.merchantId, amount: txn.amount, currency: txn.currency,
        next_attempt_at: change.paybackDueAt ?? change.now, now: change.now,
      });
      payback = toPayback(this.store.stmt('pay_payback_by_id').get({ id }) as PaybackRow);
    } else if (to === 'paid_back') {
      const row = this.store.stmt('pay_payback_of_txn').get({ transaction_id: txn.id }) as PaybackRow | undefined;
      if (!row || this.store.stmt('pay_payback_confirm').run({ id: row.id, now: change.now }).changes !== 1) {
        throw new ConcurrentChange(`pay-back of ${txn.id} is not pending`);
      }
      payback = toPayback(this.store.stmt('pay_payback_by_id').get({ id: row.id }) as PaybackRow);
    }
    this.options.faults?.afterState?.();

    const events = toNewEvents(txn.merchantId, planned, change.now);
    this.store.appendEventsInTransaction(events);
    planned.forEach((p, i) => {
      this.store.stmt('pay_event_log_insert').run({
        order_id: order.id, sequence: p.sequence, event_id: events[i].id, type: p.type, transaction_id: txn.id,
        status: next.status, order_status: nextOrder.status, created_at: change.now,
      });
    });
    this.options.faults?.afterEvents?.();

    return {
      result: 'applied', transaction: next, order: nextOrder, payback,
      events: planned.map((p, i) => ({ id: events[i].id, type: p.type, sequence: p.sequence })),
    };
  }

  private afterCommit(result: ChangeResult | NotificationResult): void {
    if (result.result === 'applied' && 'events' in result && result.events.length > 0) this.store.notifyDue();
  }

  // workers ----------------------------------------------------------------------------------------

  async claimChecks(o: { now: number; limit: number; leaseMs: number }): Promise<Transaction[]> {
    const rows = this.store.transaction(() =>
      this.store.stmt('pay_txn_claim_checks').all({ now: o.now, limit: o.limit, lease_until: o.now + o.leaseMs }) as TransactionRow[]);
    return rows.map(toTransaction);
  }

  async claimDuePaybacks(o: { now: number; limit: number; leaseMs: number; owner: string }): Promise<ClaimedPayback[]> {
    return this.store.transaction(() => {
      const rows = this.store.stmt('pay_payback_claim').all({ now: o.now, limit: o.limit, lease_until: o.now + o.leaseMs, owner: o.owner }) as PaybackRow[];
      return rows.map((r) => {
        const t = this.store.stmt('pay_txn_by_id').get({ id: r.transaction_id }) as TransactionRow;
        return { payback: toPayback(r), transactionId: t.id, bankReference: t.bank_reference, paymentReference: t.payment_reference };
      });
    });
  }

  async recordPaybackFailure(i: { paybackId: string; message: string; nextAttemptAt: number; now: number }): Promise<void> {
    this.store.transaction(() => {
      this.store.stmt('pay_payback_failed').run({ id: i.paybackId, message: i.message, next_attempt_at: i.nextAttemptAt, now: i.now });
    });
  }

  async confirmPayback(i: { paybackId: string; bankMessage: string; source: TransactionChange['source']; now: number }): Promise<ChangeResult> {
    const result = this.store.transaction(() => {
      const row = this.store.stmt('pay_payback_by_id').get({ id: i.paybackId }) as PaybackRow | undefined;
      if (!row) throw new PayhookError('transaction_not_found', 'No such pay-back.', { id: i.paybackId });
      return this.applyInTransaction({ transactionId: row.transaction_id, event: 'confirm_payback', bankMessage: i.bankMessage, source: i.source, now: i.now });
    });
    this.afterCommit(result);
    return result;
  }
}
