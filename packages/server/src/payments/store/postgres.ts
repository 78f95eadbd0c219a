/**
 * `PaymentStore` on PostgreSQL, through the core store's outbox port (store/module-port.ts): the payment
 * tables live in the store's schema, so a payment state change and the events it emits (with their
 * deliveries) commit in one PostgreSQL transaction, `withOutbox`: the transactional outbox, as on
 * SQLite (sqlite.ts). Both take their decisions from decide.ts and decide-refund.ts and their writes
 * from plan.ts; this file only locks, reads and runs plans.
 *
 * What SQLite gets from its single writer is done with row locks here. A change locks its transaction
 * row, then its order row (FOR UPDATE, always in that order; a pay-back confirmation reads its pay-back
 * first, and a refund's answer its refund, without a lock), so two changes to one payment run one after
 * the other and the second sees the first's status: it is restated or refused, never applied on a stale
 * read. Every change to a payment's refunds holds that payment's lock too, so two refunds of one payment
 * are decided one after the other and cannot together take more than remains. The compare-and-set
 * updates stay as a second guard, and the unique indexes (one success, one live attempt, one pay-back per
 * transaction, one refund per idempotency key) as the last. A bank notification takes an advisory lock on
 * its own id first (`tx.lock`), and a refund request on its idempotency key, so the same one arriving
 * twice at once is answered once.
 */
import {
  decodeCursor,
  ID_MAX,
  toPage,
  type Page,
  type PostgresModuleStore,
  type PostgresOutboxTx,
} from '../../module-api.js';
import * as decide from '../decide.js';
import { decideRefund, decideRefundOutcome } from '../decide-refund.js';
import { paymentError } from '../errors.js';
import type { Order, Payback, Refund, Transaction } from '../model.js';
import * as plan from './plan.js';
import { ConcurrentChange } from './port.js';
import type * as port from './port.js';
import * as rows from './rows.js';

export class PostgresPaymentStore implements port.PaymentStore {
  constructor(
    private readonly db: PostgresModuleStore,
    private readonly faults: port.PaymentStoreFaults = {},
  ) {}

  private read<T>(name: string, args: Record<string, unknown>): Promise<T[]> {
    return this.db.all<T>(name, args, { idempotent: true });
  }

  // reads ------------------------------------------------------------------------------------------

  async getOrder(merchantId: string, id: string): Promise<Order | null> {
    const [row] = await this.read<rows.OrderRow>('pay_order_get', { merchant_id: merchantId, id });
    return row ? rows.toOrder(row) : null;
  }

  async getOrderByReference(merchantId: string, reference: string): Promise<Order | null> {
    const [row] = await this.read<rows.OrderRow>('pay_order_by_reference', { merchant_id: merchantId, reference });
    return row ? rows.toOrder(row) : null;
  }

  async listOrders(f: port.OrderFilter): Promise<Page<Order>> {
    const page = await this.read<rows.OrderRow>('pay_order_page', {
      merchant_id: f.merchantId,
      status: f.status ?? null,
      hi: decodeCursor(f.cursor) ?? ID_MAX,
      limit: f.limit + 1,
    });
    return toPage(page.map(rows.toOrder), f.limit);
  }

  async getTransaction(merchantId: string, id: string): Promise<Transaction | null> {
    const [row] = await this.read<rows.TransactionRow>('pay_txn_get', { merchant_id: merchantId, id });
    return row ? rows.toTransaction(row) : null;
  }

  async transactionByPaymentReference(paymentReference: string): Promise<Transaction | null> {
    const [row] = await this.read<rows.TransactionRow>('pay_txn_by_payment_reference', {
      payment_reference: paymentReference,
    });
    return row ? rows.toTransaction(row) : null;
  }

  async transactionsOfOrder(orderId: string): Promise<Transaction[]> {
    return (await this.read<rows.TransactionRow>('pay_txn_of_order', { order_id: orderId })).map(rows.toTransaction);
  }

  async eventsOfOrder(orderId: string): Promise<port.PaymentEventLogEntry[]> {
    return (await this.read<rows.EventLogRow>('pay_event_log_of_order', { order_id: orderId })).map(rows.toLogEntry);
  }

  async paybackOf(transactionId: string): Promise<Payback | null> {
    const [row] = await this.read<rows.PaybackRow>('pay_payback_of_txn', { transaction_id: transactionId });
    return row ? rows.toPayback(row) : null;
  }

  async refusalsOf(transactionId: string): Promise<port.Refusal[]> {
    return (await this.read<rows.RefusalRow>('pay_refusals_of_txn', { transaction_id: transactionId })).map(
      rows.toRefusal,
    );
  }

  async getRefund(merchantId: string, id: string): Promise<Refund | null> {
    const [row] = await this.read<rows.RefundRow>('pay_refund_get', { merchant_id: merchantId, id });
    return row ? rows.toRefund(row) : null;
  }

  async refundsOfTransaction(transactionId: string): Promise<Refund[]> {
    return (await this.read<rows.RefundRow>('pay_refunds_of_txn', { transaction_id: transactionId })).map(
      rows.toRefund,
    );
  }

  async refundsOfOrder(orderId: string): Promise<Refund[]> {
    return (await this.read<rows.RefundRow>('pay_refunds_of_order', { order_id: orderId })).map(rows.toRefund);
  }

  async nextWorkAt(): Promise<number | null> {
    const [row] = await this.read<{ at: number | null }>('pay_next_work_at', {});
    return row?.at === null || row?.at === undefined ? null : Number(row.at);
  }

  // orders and transactions ------------------------------------------------------------------------

  async createOrder(o: port.NewOrder): Promise<Order> {
    const [row] = await this.db.all<rows.OrderRow>('pay_order_insert', plan.orderInsertParams(o), {
      idempotent: false,
    });
    if (!row) throw paymentError('duplicate_reference', undefined, { reference: o.reference });
    return rows.toOrder(row);
  }

  async startTransaction(t: port.NewTransaction): Promise<Transaction> {
    return this.db.withOutbox(
      async (tx) => {
        // The order's row lock serialises payment attempts on it; the one-live index is the backstop.
        const [order] = await tx.all<rows.OrderRow>('pay_order_get_for_update', {
          merchant_id: t.merchantId,
          id: t.orderId,
        });
        if (!order) throw paymentError('order_not_found', undefined, { id: t.orderId });
        if (order.status !== 'open')
          throw paymentError('order_not_payable', undefined, { id: order.id, status: order.status });
        const [live] = await tx.all<{ id: string }>('pay_txn_live_of_order', { order_id: order.id });
        if (live) throw paymentError('payment_in_progress', undefined, { id: order.id, transaction_id: live.id });
        const [row] = await tx.all<rows.TransactionRow>('pay_txn_insert', plan.txnInsertParams(t, order));
        return rows.toTransaction(row);
      },
      { idempotent: false },
    );
  }

  // state changes ----------------------------------------------------------------------------------

  async applyChange(change: port.TransactionChange): Promise<port.ChangeResult> {
    return this.db.withOutbox((tx) => this.applyIn(tx, change), { idempotent: false });
  }

  async applyBankNotification(n: port.BankNotificationInput): Promise<port.NotificationResult> {
    return this.db.withOutbox(
      async (tx): Promise<port.NotificationResult> => {
        await tx.lock('notification', `${n.bankKey}:${n.notificationId}`);
        const [seen] = await tx.all<rows.NotificationRow>('pay_notification_get', {
          bank_key: n.bankKey,
          notification_id: n.notificationId,
        });
        if (seen) return decide.answerSeen(seen, n);
        const [txn] = await tx.all<rows.TransactionRow>('pay_txn_by_payment_reference_for_update', {
          payment_reference: n.paymentReference,
        });
        if (!txn) return { result: 'unknown_transaction', duplicate: false };
        const result = await this.applyIn(tx, decide.changeOfNotification(n, txn.id));
        await tx.all('pay_notification_insert', decide.notificationRecord(n, txn.status, result));
        return { ...result, duplicate: false };
      },
      { idempotent: false },
    );
  }

  /** One event on one transaction, inside the caller's transaction: lock and read, decide (decide.ts), write. */
  private async applyIn(tx: PostgresOutboxTx, change: port.TransactionChange): Promise<port.ChangeResult> {
    const [txnRow] = await tx.all<rows.TransactionRow>('pay_txn_by_id_for_update', { id: change.transactionId });
    if (!txnRow) throw paymentError('transaction_not_found', undefined, { id: change.transactionId });
    const txn = rows.toTransaction(txnRow);
    const [orderRow] = await tx.all<rows.OrderRow>('pay_order_by_id_for_update', { id: txn.orderId });
    const d = decide.decideChange(txn, rows.toOrder(orderRow), change);
    await this.runPlan(tx, plan.changePlan(d));
    const payback = d.result === 'applied' && d.payback ? await this.paybackIn(tx, txn.id) : null;
    return decide.changeResult(d, payback);
  }

  private async paybackIn(tx: PostgresOutboxTx, transactionId: string): Promise<Payback> {
    const [row] = await tx.all<rows.PaybackRow>('pay_payback_of_txn', { transaction_id: transactionId });
    return rows.toPayback(row);
  }

  /** Runs a plan (plan.ts) in the caller's transaction, with the test hooks around its events. */
  private async runPlan(tx: PostgresOutboxTx, writes: plan.Plan): Promise<void> {
    for (const w of writes.state) {
      const changed = await tx.all(w.name, w.params);
      if (w.cas !== undefined && changed.length !== 1) throw new ConcurrentChange(w.cas);
    }
    if (writes.events.length === 0) return;
    this.faults.afterState?.();
    await tx.appendEvents(writes.events);
    // One statement for the whole log (arrays), rather than a round trip per event.
    await tx.all('pay_event_log_insert', plan.logArrayParams(writes.log));
    this.faults.afterEvents?.();
  }

  // refunds ----------------------------------------------------------------------------------------

  async createRefund(request: port.RefundRequest): Promise<port.RefundCreated> {
    return this.db.withOutbox(
      async (tx): Promise<port.RefundCreated> => {
        const key = request.idempotencyKey;
        if (key !== null) await tx.lock('refund-key', `${request.merchantId}:${key}`);
        const [txnRow] = await tx.all<rows.TransactionRow>('pay_txn_get_for_update', {
          merchant_id: request.merchantId,
          id: request.transactionId,
        });
        if (!txnRow) throw paymentError('transaction_not_found', undefined, { id: request.transactionId });
        const txn = rows.toTransaction(txnRow);
        const [orderRow] = await tx.all<rows.OrderRow>('pay_order_by_id_for_update', { id: txn.orderId });
        const [totals] = await tx.all<rows.TotalsRow>('pay_refund_totals', { transaction_id: txn.id });
        const [sameKey] =
          key === null
            ? []
            : await tx.all<rows.RefundRow>('pay_refund_by_key', {
                merchant_id: request.merchantId,
                idempotency_key: key,
              });
        const d = decideRefund(
          txn,
          rows.toOrder(orderRow),
          rows.toTotals(totals),
          sameKey ? rows.toRefund(sameKey) : null,
          request,
        );
        if (d.result === 'refused') throw d.error;
        if (d.result === 'replayed') return d;
        await this.runPlan(tx, plan.refundPlan(d));
        return {
          result: 'created',
          refund: d.refund,
          order: d.order,
          transaction: txn,
          events: decide.emittedOf(d.log),
        };
      },
      { idempotent: false },
    );
  }

  async settleRefund(refundId: string, answer: port.RefundAnswer): Promise<port.RefundSettled> {
    return this.db.withOutbox(
      async (tx): Promise<port.RefundSettled> => {
        const [first] = await tx.all<rows.RefundRow>('pay_refund_by_id', { id: refundId });
        if (!first) throw paymentError('refund_not_found', undefined, { id: refundId });
        const [txnRow] = await tx.all<rows.TransactionRow>('pay_txn_by_id_for_update', { id: first.transaction_id });
        const [orderRow] = await tx.all<rows.OrderRow>('pay_order_by_id_for_update', { id: first.order_id });
        // Read again under the payment's lock: another answer may have settled it meanwhile.
        const [refundRow] = await tx.all<rows.RefundRow>('pay_refund_by_id', { id: refundId });
        const d = decideRefundOutcome(
          rows.toRefund(refundRow),
          rows.toTransaction(txnRow),
          rows.toOrder(orderRow),
          answer,
        );
        if (d.result === 'restated') return d;
        await this.runPlan(tx, plan.refundPlan(d));
        if (d.result === 'rescheduled') return { result: 'rescheduled', refund: d.refund, order: d.order };
        return { result: 'applied', refund: d.refund, order: d.order, events: decide.emittedOf(d.log) };
      },
      { idempotent: false },
    );
  }

  async claimDueRefunds(o: { now: number; limit: number; leaseMs: number }): Promise<port.ClaimedRefund[]> {
    const claimed = await this.db.all<rows.RefundRow & { txn_bank_reference: string | null }>(
      'pay_refund_claim',
      { now: o.now, limit: o.limit, lease_until: o.now + o.leaseMs },
      { idempotent: false },
    );
    return claimed.map((r) => ({ refund: rows.toRefund(r), bankReference: r.txn_bank_reference }));
  }

  // workers ----------------------------------------------------------------------------------------

  async claimChecks(o: { now: number; limit: number; leaseMs: number }): Promise<Transaction[]> {
    const claimed = await this.db.all<rows.TransactionRow & { due_at: number }>(
      'pay_txn_claim_checks',
      { now: o.now, limit: o.limit, lease_until: o.now + o.leaseMs },
      { idempotent: true },
    );
    return claimed.sort((a, b) => a.due_at - b.due_at || (a.id < b.id ? -1 : 1)).map(rows.toTransaction);
  }

  async claimDuePaybacks(o: {
    now: number;
    limit: number;
    leaseMs: number;
    owner: string;
  }): Promise<port.ClaimedPayback[]> {
    const claimed = await this.db.all<
      rows.PaybackRow & { txn_bank_reference: string | null; txn_payment_reference: string }
    >(
      'pay_payback_claim',
      {
        now: o.now,
        limit: o.limit,
        lease_until: o.now + o.leaseMs,
        owner: o.owner,
      },
      { idempotent: false },
    );
    return claimed.map((r) => ({
      payback: rows.toPayback(r),
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
    await this.db.all('pay_payback_failed', plan.paybackFailureParams(i), { idempotent: true });
  }

  async confirmPayback(i: {
    paybackId: string;
    bankMessage: string;
    source: port.TransactionChange['source'];
    now: number;
  }): Promise<port.ChangeResult> {
    return this.db.withOutbox(
      async (tx) => {
        const [row] = await tx.all<rows.PaybackRow>('pay_payback_by_id', { id: i.paybackId });
        if (!row) throw paymentError('transaction_not_found', 'No such pay-back.', { id: i.paybackId });
        return this.applyIn(tx, decide.changeOfPaybackConfirmation(row.transaction_id, i));
      },
      { idempotent: false },
    );
  }
}
