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
 * aborts the transaction, so a status is never written from a stale read. What to write is decided
 * (decide.ts, decide-refund.ts) and planned (plan.ts) for both stores; this file reads and runs plans.
 */
import {
  decodeCursor,
  ID_MAX,
  toPage,
  type Page,
  type Params,
  type SqliteModuleStore,
  type SqliteOutboxTx,
} from '../../module-api.js';
import * as decide from '../decide.js';
import { decideRefund, decideRefundOutcome } from '../decide-refund.js';
import { paymentError } from '../errors.js';
import type { Order, Payback, Refund, Transaction } from '../model.js';
import * as plan from './plan.js';
import { ConcurrentChange } from './port.js';
import type * as port from './port.js';
import * as rows from './rows.js';

/** better-sqlite3 binds no booleans: SQLite keeps them as 1 and 0. */
function bindable(params: Params): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(params)) out[k] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  return out;
}

export class SqlitePaymentStore implements port.PaymentStore {
  constructor(
    private readonly db: SqliteModuleStore,
    private readonly faults: port.PaymentStoreFaults = {},
  ) {}

  // reads ------------------------------------------------------------------------------------------

  async getOrder(merchantId: string, id: string): Promise<Order | null> {
    const row = this.db.get<rows.OrderRow>('pay_order_get', { merchant_id: merchantId, id });
    return row ? rows.toOrder(row) : null;
  }

  async getOrderByReference(merchantId: string, reference: string): Promise<Order | null> {
    const row = this.db.get<rows.OrderRow>('pay_order_by_reference', { merchant_id: merchantId, reference });
    return row ? rows.toOrder(row) : null;
  }

  async listOrders(f: port.OrderFilter): Promise<Page<Order>> {
    const hi = decodeCursor(f.cursor) ?? ID_MAX;
    const page = this.db.all<rows.OrderRow>('pay_order_page', {
      merchant_id: f.merchantId,
      status: f.status ?? null,
      hi,
      limit: f.limit + 1,
    });
    return toPage(page.map(rows.toOrder), f.limit);
  }

  async getTransaction(merchantId: string, id: string): Promise<Transaction | null> {
    const row = this.db.get<rows.TransactionRow>('pay_txn_get', { merchant_id: merchantId, id });
    return row ? rows.toTransaction(row) : null;
  }

  async transactionByPaymentReference(paymentReference: string): Promise<Transaction | null> {
    const row = this.db.get<rows.TransactionRow>('pay_txn_by_payment_reference', {
      payment_reference: paymentReference,
    });
    return row ? rows.toTransaction(row) : null;
  }

  async transactionsOfOrder(orderId: string): Promise<Transaction[]> {
    return this.db.all<rows.TransactionRow>('pay_txn_of_order', { order_id: orderId }).map(rows.toTransaction);
  }

  async eventsOfOrder(orderId: string): Promise<port.PaymentEventLogEntry[]> {
    return this.db.all<rows.EventLogRow>('pay_event_log_of_order', { order_id: orderId }).map(rows.toLogEntry);
  }

  async paybackOf(transactionId: string): Promise<Payback | null> {
    const row = this.db.get<rows.PaybackRow>('pay_payback_of_txn', { transaction_id: transactionId });
    return row ? rows.toPayback(row) : null;
  }

  async refusalsOf(transactionId: string): Promise<port.Refusal[]> {
    return this.db.all<rows.RefusalRow>('pay_refusals_of_txn', { transaction_id: transactionId }).map(rows.toRefusal);
  }

  async getRefund(merchantId: string, id: string): Promise<Refund | null> {
    const row = this.db.get<rows.RefundRow>('pay_refund_get', { merchant_id: merchantId, id });
    return row ? rows.toRefund(row) : null;
  }

  async refundsOfTransaction(transactionId: string): Promise<Refund[]> {
    return this.db.all<rows.RefundRow>('pay_refunds_of_txn', { transaction_id: transactionId }).map(rows.toRefund);
  }

  async refundsOfOrder(orderId: string): Promise<Refund[]> {
    return this.db.all<rows.RefundRow>('pay_refunds_of_order', { order_id: orderId }).map(rows.toRefund);
  }

  async nextWorkAt(): Promise<number | null> {
    return this.db.get<{ at: number | null }>('pay_next_work_at')?.at ?? null;
  }

  // orders and transactions ------------------------------------------------------------------------

  async createOrder(o: port.NewOrder): Promise<Order> {
    return this.db.withOutbox((tx) => {
      if (tx.get('pay_order_by_reference', { merchant_id: o.merchantId, reference: o.reference })) {
        throw paymentError('duplicate_reference', undefined, { reference: o.reference });
      }
      tx.run('pay_order_insert', plan.orderInsertParams(o));
      return rows.toOrder(tx.get<rows.OrderRow>('pay_order_by_id', { id: o.id })!);
    });
  }

  async startTransaction(t: port.NewTransaction): Promise<Transaction> {
    return this.db.withOutbox((tx) => {
      const order = tx.get<rows.OrderRow>('pay_order_get', { merchant_id: t.merchantId, id: t.orderId });
      if (!order) throw paymentError('order_not_found', undefined, { id: t.orderId });
      if (order.status !== 'open')
        throw paymentError('order_not_payable', undefined, { id: order.id, status: order.status });
      const live = tx.get<{ id: string }>('pay_txn_live_of_order', { order_id: order.id });
      if (live) throw paymentError('payment_in_progress', undefined, { id: order.id, transaction_id: live.id });
      tx.run('pay_txn_insert', plan.txnInsertParams(t, order));
      return rows.toTransaction(tx.get<rows.TransactionRow>('pay_txn_by_id', { id: t.id })!);
    });
  }

  // state changes ----------------------------------------------------------------------------------

  async applyChange(change: port.TransactionChange): Promise<port.ChangeResult> {
    return this.db.withOutbox((tx) => this.applyIn(tx, change));
  }

  async applyBankNotification(n: port.BankNotificationInput): Promise<port.NotificationResult> {
    return this.db.withOutbox((tx): port.NotificationResult => {
      const seen = tx.get<rows.NotificationRow>('pay_notification_get', {
        bank_key: n.bankKey,
        notification_id: n.notificationId,
      });
      if (seen) return decide.answerSeen(seen, n);
      const txn = tx.get<rows.TransactionRow>('pay_txn_by_payment_reference', {
        payment_reference: n.paymentReference,
      });
      if (!txn) return { result: 'unknown_transaction', duplicate: false };
      const result = this.applyIn(tx, decide.changeOfNotification(n, txn.id));
      tx.run('pay_notification_insert', decide.notificationRecord(n, txn.status, result));
      return { ...result, duplicate: false };
    });
  }

  /** One event on one transaction, inside the caller's transaction: read, decide (decide.ts), write. */
  private applyIn(tx: SqliteOutboxTx, change: port.TransactionChange): port.ChangeResult {
    const txnRow = tx.get<rows.TransactionRow>('pay_txn_by_id', { id: change.transactionId });
    if (!txnRow) throw paymentError('transaction_not_found', undefined, { id: change.transactionId });
    const txn = rows.toTransaction(txnRow);
    const order = rows.toOrder(tx.get<rows.OrderRow>('pay_order_by_id', { id: txn.orderId })!);
    const d = decide.decideChange(txn, order, change);
    this.runPlan(tx, plan.changePlan(d));
    const payback = d.result === 'applied' && d.payback ? this.paybackIn(tx, txn.id) : null;
    return decide.changeResult(d, payback);
  }

  private paybackIn(tx: SqliteOutboxTx, transactionId: string): Payback {
    return rows.toPayback(tx.get<rows.PaybackRow>('pay_payback_of_txn', { transaction_id: transactionId })!);
  }

  /** Runs a plan (plan.ts) in the caller's transaction, with the test hooks around its events. */
  private runPlan(tx: SqliteOutboxTx, writes: plan.Plan): void {
    for (const w of writes.state) {
      const changed = tx.run(w.name, bindable(w.params));
      if (w.cas !== undefined && changed !== 1) throw new ConcurrentChange(w.cas);
    }
    if (writes.events.length === 0) return;
    this.faults.afterState?.();
    tx.appendEvents(writes.events);
    for (const l of writes.log) tx.run('pay_event_log_insert', plan.logParams(l));
    this.faults.afterEvents?.();
  }

  // refunds ----------------------------------------------------------------------------------------

  async createRefund(request: port.RefundRequest): Promise<port.RefundCreated> {
    return this.db.withOutbox((tx): port.RefundCreated => {
      const txnRow = tx.get<rows.TransactionRow>('pay_txn_get', {
        merchant_id: request.merchantId,
        id: request.transactionId,
      });
      if (!txnRow) throw paymentError('transaction_not_found', undefined, { id: request.transactionId });
      const txn = rows.toTransaction(txnRow);
      const order = rows.toOrder(tx.get<rows.OrderRow>('pay_order_by_id', { id: txn.orderId })!);
      const totals = rows.toTotals(tx.get<rows.TotalsRow>('pay_refund_totals', { transaction_id: txn.id })!);
      const sameKey =
        request.idempotencyKey === null
          ? undefined
          : tx.get<rows.RefundRow>('pay_refund_by_key', {
              merchant_id: request.merchantId,
              idempotency_key: request.idempotencyKey,
            });
      const d = decideRefund(txn, order, totals, sameKey ? rows.toRefund(sameKey) : null, request);
      if (d.result === 'refused') throw d.error;
      if (d.result === 'replayed') return d;
      this.runPlan(tx, plan.refundPlan(d));
      return { result: 'created', refund: d.refund, order: d.order, transaction: txn, events: decide.emittedOf(d.log) };
    });
  }

  async settleRefund(refundId: string, answer: port.RefundAnswer): Promise<port.RefundSettled> {
    return this.db.withOutbox((tx): port.RefundSettled => {
      const refundRow = tx.get<rows.RefundRow>('pay_refund_by_id', { id: refundId });
      if (!refundRow) throw paymentError('refund_not_found', undefined, { id: refundId });
      const refund = rows.toRefund(refundRow);
      const txn = rows.toTransaction(tx.get<rows.TransactionRow>('pay_txn_by_id', { id: refund.transactionId })!);
      const order = rows.toOrder(tx.get<rows.OrderRow>('pay_order_by_id', { id: refund.orderId })!);
      const d = decideRefundOutcome(refund, txn, order, answer);
      if (d.result === 'restated') return d;
      this.runPlan(tx, plan.refundPlan(d));
      if (d.result === 'rescheduled') return { result: 'rescheduled', refund: d.refund, order: d.order };
      return { result: 'applied', refund: d.refund, order: d.order, events: decide.emittedOf(d.log) };
    });
  }

  async claimDueRefunds(o: { now: number; limit: number; leaseMs: number }): Promise<port.ClaimedRefund[]> {
    return this.db.withOutbox((tx) =>
      tx
        .all<rows.RefundRow>('pay_refund_claim', { now: o.now, limit: o.limit, lease_until: o.now + o.leaseMs })
        .map((r) => ({
          refund: rows.toRefund(r),
          bankReference: tx.get<rows.TransactionRow>('pay_txn_by_id', { id: r.transaction_id })!.bank_reference,
        })),
    );
  }

  // workers ----------------------------------------------------------------------------------------

  async claimChecks(o: { now: number; limit: number; leaseMs: number }): Promise<Transaction[]> {
    const claimed = this.db.withOutbox((tx) =>
      tx.all<rows.TransactionRow>('pay_txn_claim_checks', {
        now: o.now,
        limit: o.limit,
        lease_until: o.now + o.leaseMs,
      }),
    );
    return claimed.map(rows.toTransaction);
  }

  async claimDuePaybacks(o: {
    now: number;
    limit: number;
    leaseMs: number;
    owner: string;
  }): Promise<port.ClaimedPayback[]> {
    return this.db.withOutbox((tx) => {
      const claimed = tx.all<rows.PaybackRow>('pay_payback_claim', {
        now: o.now,
        limit: o.limit,
        lease_until: o.now + o.leaseMs,
        owner: o.owner,
      });
      return claimed.map((r) => {
        const t = tx.get<rows.TransactionRow>('pay_txn_by_id', { id: r.transaction_id })!;
        return {
          payback: rows.toPayback(r),
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
    this.db.run('pay_payback_failed', plan.paybackFailureParams(i));
  }

  async confirmPayback(i: {
    paybackId: string;
    bankMessage: string;
    source: port.TransactionChange['source'];
    now: number;
  }): Promise<port.ChangeResult> {
    return this.db.withOutbox((tx) => {
      const row = tx.get<rows.PaybackRow>('pay_payback_by_id', { id: i.paybackId });
      if (!row) throw paymentError('transaction_not_found', 'No such pay-back.', { id: i.paybackId });
      return this.applyIn(tx, decide.changeOfPaybackConfirmation(row.transaction_id, i));
    });
  }
}
