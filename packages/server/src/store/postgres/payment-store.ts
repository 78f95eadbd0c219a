/**
 * `PaymentStore` on PostgreSQL: the payment tables live in the delivery store's schema, so a payment
 * state change and the events it emits (with their deliveries) commit in one PostgreSQL transaction:
 * the transactional outbox, as in payments/sqlite-store.ts, whose decisions this follows line for line.
 *
 * What SQLite gets from its single writer is done with row locks here. A change locks its transaction
 * row, then its order row (FOR UPDATE, always in that order; a pay-back confirmation reads its pay-back
 * first, without a lock), so two changes to one payment run one after the other and the second sees
 * the first's status: it is restated or refused, never applied on a stale read. The compare-and-set
 * updates stay as a second guard, and the unique indexes (one success, one live attempt, one pay-back
 * per transaction) as the last. A bank notification takes an advisory lock on its own id first, so the
 * same notification arriving twice at once is answered once and recorded once.
 */
import { PayhookError } from '../../errors.js';
import { newId } from '../../ids.js';
import { planEvents, toNewEvents } from '../../payments/events.js';
import type { Order, Payback, Transaction } from '../../payments/model.js';
import {
  toLogEntry, toOrder, toPayback, toRefusal, toTransaction,
  type EventLogRow, type NotificationRow, type OrderRow, type PaybackRow, type RefusalRow, type TransactionRow,
} from '../../payments/sqlite-rows.js';
import { orderEventFor, restates, transition, transitionOrder, type TransactionStatus } from '../../payments/state.js';
import type {
  BankNotificationInput, ChangeResult, ClaimedPayback, NewOrder, NewTransaction, NotificationResult, OrderFilter,
  PaymentEventLogEntry, PaymentStore, Refusal, TransactionChange,
} from '../../payments/store-types.js';
import { decodeCursor, ID_MAX, toPage } from '../cursor.js';
import type { Page } from '../types.js';
import { LOCK_SPACE, lockKey, type Tx } from './db.js';
import type { PostgresStore } from './store.js';

export interface PostgresPaymentStoreOptions {
  /** Test hooks called inside a state change's transaction (after the state, after the events). */
  faults?: { afterState?(): void; afterEvents?(): void };
}

/** Thrown inside a transaction when a compare-and-set finds another status: the transaction rolls back. */
class ConcurrentChange extends Error {}

// The mappers in payments/sqlite-rows.ts read PostgreSQL rows as well (numbers, booleans, nulls).
type Rows<T> = T & object;

export class PostgresPaymentStore implements PaymentStore {
  constructor(private readonly store: PostgresStore, private readonly options: PostgresPaymentStoreOptions = {}) {}

  private read<T>(name: string, args: Record<string, unknown>): Promise<Rows<T>[]> {
    return this.store.db.run<Rows<T>>(name, args, { idempotent: true });
  }

  // reads ------------------------------------------------------------------------------------------

  async getOrder(merchantId: string, id: string): Promise<Order | null> {
    const [row] = await this.read<OrderRow>('pay_order_get', { merchant_id: merchantId, id });
    return row ? toOrder(row) : null;
  }

  async listOrders(f: OrderFilter): Promise<Page<Order>> {
    const rows = await this.read<OrderRow>('pay_order_page', { merchant_id: f.merchantId, status: f.status ?? null, hi: decodeCursor(f.cursor) ?? ID_MAX, limit: f.limit + 1 });
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
    const [row] = await this.store.db.run<OrderRow>('pay_order_insert', {
      id: o.id, merchant_id: o.merchantId, reference: o.reference, amount: o.amount, currency: o.currency,
      customer_email: o.customerEmail, customer_mobile: o.customerMobile,
      optional1: o.optional1, optional2: o.optional2, optional3: o.optional3, now: o.now,
    }, { idempotent: false });
    if (!row) throw new PayhookError('duplicate_reference', undefined, { reference: o.reference });
    return toOrder(row);
  }

  async startTransaction(t: NewTransaction): Promise<Transaction> {
    return this.store.db.transaction(async (tx) => {
      // The order's row lock serialises payment attempts on it; the one-live index is the backstop.
      const [order] = await tx.run<OrderRow>('pay_order_get_for_update', { merchant_id: t.merchantId, id: t.orderId });
      if (!order) throw new PayhookError('order_not_found', undefined, { id: t.orderId });
      if (order.status !== 'open') throw new PayhookError('order_not_payable', undefined, { id: order.id, status: order.status });
      const [live] = await tx.run<{ id: string }>('pay_txn_live_of_order', { order_id: order.id });
      if (live) throw new PayhookError('payment_in_progress', undefined, { id: order.id, transaction_id: live.id });
      const [row] = await tx.run<TransactionRow>('pay_txn_insert', {
        id: t.id, order_id: order.id, merchant_id: order.merchant_id, transaction_no: t.transactionNo,
        payment_reference: t.paymentReference, amount: order.amount, currency: order.currency,
        card_last_four: t.cardLastFour, next_check_at: t.checkAt, now: t.now,
      });
      return toTransaction(row);
    }, { idempotent: false });
  }

  // state changes ----------------------------------------------------------------------------------

  async applyChange(change: TransactionChange): Promise<ChangeResult> {
    const wake = { channel: this.store.channelForTransaction(), made: false, notified: false };
    const result = await this.store.db.transaction((tx) => this.applyInTransaction(tx, change, wake), { idempotent: false });
    this.afterCommit(wake);
    return result;
  }

  async applyBankNotification(n: BankNotificationInput): Promise<NotificationResult> {
    const wake = { channel: this.store.channelForTransaction(), made: false, notified: false };
    const out = await this.store.db.transaction(async (tx): Promise<NotificationResult> => {
      await tx.run('lock_exclusive', { space: LOCK_SPACE, key: lockKey(`notification:${this.store.schema}:${n.bankKey}:${n.notificationId}`) });
      const [seen] = await tx.run<NotificationRow>('pay_notification_get', { bank_key: n.bankKey, notification_id: n.notificationId });
      if (seen) {
        if (seen.body_sha256 !== n.bodySha256) return { result: 'conflict', duplicate: true };
        return {
          result: seen.outcome as 'applied' | 'restated' | 'refused', duplicate: true, transactionId: seen.transaction_id,
          from: seen.from_status as TransactionStatus | null, to: seen.to_status as TransactionStatus | null, event: n.event,
        };
      }
      const [txn] = await tx.run<TransactionRow>('pay_txn_by_payment_reference_for_update', { payment_reference: n.paymentReference });
      if (!txn) return { result: 'unknown_transaction', duplicate: false };
      const result = await this.applyInTransaction(tx, {
        transactionId: txn.id, event: n.event, bankMessage: n.bankMessage, nextCheckAt: n.nextCheckAt, paybackDueAt: n.paybackDueAt,
        source: `notification:${n.bankKey}:${n.notificationId}`, now: n.now,
      }, wake);
      await tx.run('pay_notification_insert', {
        id: newId('bnk', n.now), bank_key: n.bankKey, notification_id: n.notificationId, body_sha256: n.bodySha256,
        transaction_id: txn.id, event: n.event, outcome: result.result, from_status: txn.status,
        to_status: result.transaction.status, now: n.now,
      });
      return { ...result, duplicate: false };
    }, { idempotent: false });
    this.afterCommit(wake);
    return out;
  }

  /**
   * One event on one transaction, inside the caller's database transaction. Everything is decided
   * before the first write, so a refusal writes only the refusal.
   */
  private async applyInTransaction(tx: Tx, change: TransactionChange, wake: Wake): Promise<ChangeResult> {
    const [txnRow] = await tx.run<TransactionRow>('pay_txn_by_id_for_update', { id: change.transactionId });
    if (!txnRow) throw new PayhookError('transaction_not_found', undefined, { id: change.transactionId });
    const txn = toTransaction(txnRow);
    const [orderRow] = await tx.run<OrderRow>('pay_order_by_id_for_update', { id: txn.orderId });
    const order = toOrder(orderRow);

    if (restates(txn.status, change.event)) return { result: 'restated', transaction: txn, order };
    const step = transition(txn.status, change.event);
    // A debited decline owes a pay-back: failed → payback_pending in the same commit.
    const final = step.ok && change.event === 'decline_debited' ? transition(step.to, 'schedule_payback') : step;
    const orderEvent = step.ok ? orderEventFor(step.to) : null;
    const orderStep = orderEvent ? transitionOrder(order.status, orderEvent) : null;
    if (!final.ok || (orderStep && !orderStep.ok)) {
      await tx.run('pay_refusal_insert', {
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
    const updated = await tx.run('pay_txn_update', {
      id: txn.id, from_status: txn.status, status: to, bank_message: next.bankMessage, bank_reference: change.bankReference ?? null,
      debited: next.debited, next_check_at: nextCheckAt, now: change.now,
    });
    if (updated.length !== 1) throw new ConcurrentChange(`transaction ${txn.id} left ${txn.status}`);
    if (nextOrder.status !== order.status || planned.length > 0) {
      const o = await tx.run('pay_order_update', { id: order.id, from_status: order.status, status: nextOrder.status, sequence: nextOrder.sequence, now: change.now });
      if (o.length !== 1) throw new ConcurrentChange(`order ${order.id} left ${order.status}`);
    }

    let payback: Payback | null = null;
    if (to === 'payback_pending') {
      const [row] = await tx.run<PaybackRow>('pay_payback_insert', {
        id: newId('pb', change.now), transaction_id: txn.id, merchant_id: txn.merchantId, amount: txn.amount, currency: txn.currency,
        next_attempt_at: change.paybackDueAt ?? change.now, now: change.now,
      });
      payback = toPayback(row);
    } else if (to === 'paid_back') {
      const [row] = await tx.run<PaybackRow>('pay_payback_of_txn', { transaction_id: txn.id });
      const [confirmed] = row ? await tx.run<PaybackRow>('pay_payback_confirm', { id: row.id, now: change.now }) : [];
      if (!confirmed) throw new ConcurrentChange(`pay-back of ${txn.id} is not pending`);
      payback = toPayback(confirmed);
    }
    this.options.faults?.afterState?.();

    const events = toNewEvents(txn.merchantId, planned, change.now);
    if (events.length > 0) {
      // The outbox write, under the merchant's shared endpoint lock like any append (see store.ts).
      await tx.run('lock_shared', { space: LOCK_SPACE, key: this.store.endpointLock(txn.merchantId) });
      const appended = await this.store.appendEventsIn(tx, events, wake.channel);
      wake.made ||= appended.out.some((a) => a.deliveries > 0);
      wake.notified ||= appended.notified;
      await tx.run('pay_event_log_insert', {
        order_id: order.id, sequences: planned.map((p) => p.sequence), event_ids: events.map((e) => e.id),
        types: planned.map((p) => p.type), transaction_id: txn.id, status: next.status, order_status: nextOrder.status,
        created_at: change.now,
      });
    }
    this.options.faults?.afterEvents?.();

    return {
      result: 'applied', transaction: next, order: nextOrder, payback,
      events: planned.map((p, i) => ({ id: events[i].id, type: p.type, sequence: p.sequence })),
    };
  }

  private afterCommit(wake: Wake): void {
    if (wake.made) this.store.madeDue(wake.notified);
  }

  // workers ----------------------------------------------------------------------------------------

  async claimChecks(o: { now: number; limit: number; leaseMs: number }): Promise<Transaction[]> {
    const rows = await this.store.db.run<TransactionRow & { due_at: number }>('pay_txn_claim_checks', { now: o.now, limit: o.limit, lease_until: o.now + o.leaseMs }, { idempotent: true });
    return rows.sort((a, b) => a.due_at - b.due_at || (a.id < b.id ? -1 : 1)).map(toTransaction);
  }

  async claimDuePaybacks(o: { now: number; limit: number; leaseMs: number; owner: string }): Promise<ClaimedPayback[]> {
    const rows = await this.store.db.run<PaybackRow & { txn_bank_reference: string | null; txn_payment_reference: string }>('pay_payback_claim', {
      now: o.now, limit: o.limit, lease_until: o.now + o.leaseMs, owner: o.owner,
    }, { idempotent: false });
    return rows.map((r) => ({ payback: toPayback(r), transactionId: r.transaction_id, bankReference: r.txn_bank_reference, paymentReference: r.txn_payment_reference }));
  }

  async recordPaybackFailure(i: { paybackId: string; message: string; nextAttemptAt: number; now: number }): Promise<void> {
    await this.store.db.run('pay_payback_failed', { id: i.paybackId, message: i.message, next_attempt_at: i.nextAttemptAt, now: i.now }, { idempotent: true });
  }

  async confirmPayback(i: { paybackId: string; bankMessage: string; source: TransactionChange['source']; now: number }): Promise<ChangeResult> {
    const wake = { channel: this.store.channelForTransaction(), made: false, notified: false };
    const result = await this.store.db.transaction(async (tx) => {
      const [row] = await tx.run<PaybackRow>('pay_payback_by_id', { id: i.paybackId });
      if (!row) throw new PayhookError('transaction_not_found', 'No such pay-back.', { id: i.paybackId });
      return this.applyInTransaction(tx, { transactionId: row.transaction_id, event: 'confirm_payback', bankMessage: i.bankMessage, source: i.source, now: i.now }, wake);
    }, { idempotent: false });
    this.afterCommit(wake);
    return result;
  }
}

interface Wake {
  channel: string | null;
  made: boolean;
  notified: boolean;
}
