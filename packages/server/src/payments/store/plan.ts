/**
 * What a decision writes, as the statements to run in order with their parameters (the `@names` of the
 * .sql files), the same for both dialects: the statements of each dialect take the same parameters.
 * decide.ts and decide-refund.ts decide; this file says which rows that means; each store runs the plan
 * inside its own database transaction (`runPlan` in store/sqlite.ts, synchronously; in
 * store/postgres.ts, with awaits), after it locked and read what the decision needed.
 *
 * A plan is its state writes, then its events, then the order's log rows for them. A write marked
 * `cas` is a compare-and-set: it must change exactly one row, or the store throws `ConcurrentChange`
 * with that text and the whole transaction rolls back.
 */
import type { NewEvent, Params } from '../../module-api.js';
import type { ChangeDecision, LogWrite } from '../decide.js';
import type { OrderRefundWrite, RefundWrite } from '../decide-refund.js';
import type { NewOrder, NewTransaction } from './port.js';

export interface Write {
  name: string;
  params: Params;
  /** Set on a compare-and-set: what moved under it, when it changes no row. */
  cas?: string;
}

export interface Plan {
  state: Write[];
  events: NewEvent[];
  log: LogWrite[];
}

/** The plan of a payment attempt's change: nothing when restated, the refusal row when refused. */
export function changePlan(d: ChangeDecision): Plan {
  if (d.result === 'restated') return { state: [], events: [], log: [] };
  if (d.result === 'refused') {
    const r = d.refusal;
    const params = {
      merchant_id: r.merchantId,
      order_id: r.orderId,
      transaction_id: r.transactionId,
      from_status: r.fromStatus,
      event: r.event,
      source: r.source,
      now: r.now,
    };
    return { state: [{ name: 'pay_refusal_insert', params }], events: [], log: [] };
  }
  const t = d.transactionWrite;
  const state: Write[] = [
    {
      name: 'pay_txn_update',
      params: {
        id: t.id,
        from_status: t.fromStatus,
        status: t.status,
        bank_message: t.bankMessage,
        bank_reference: t.bankReference,
        debited: t.debited,
        next_check_at: t.nextCheckAt,
        now: t.now,
      },
      cas: `transaction ${t.id} left ${t.fromStatus}`,
    },
  ];
  const o = d.orderWrite;
  if (o) {
    state.push({
      name: 'pay_order_update',
      params: { id: o.id, from_status: o.fromStatus, status: o.status, sequence: o.sequence, now: o.now },
      cas: `order ${o.id} left ${o.fromStatus}`,
    });
  }
  const p = d.payback;
  if (p?.kind === 'create') {
    const params = {
      id: p.id,
      transaction_id: p.transactionId,
      merchant_id: p.merchantId,
      amount: p.amount,
      currency: p.currency,
      next_attempt_at: p.nextAttemptAt,
      now: p.now,
    };
    state.push({ name: 'pay_payback_insert', params });
  } else if (p?.kind === 'confirm') {
    state.push({
      name: 'pay_payback_confirm',
      params: { transaction_id: p.transactionId, now: p.now },
      cas: `pay-back of ${p.transactionId} is not pending`,
    });
  }
  return { state, events: d.events, log: d.log };
}

/** The plan of a refund's change: its row, and the order's update when it has one. */
export function refundPlan(d: {
  refundWrite: RefundWrite;
  orderWrite?: OrderRefundWrite;
  events?: NewEvent[];
  log?: LogWrite[];
}): Plan {
  const w = d.refundWrite;
  const state: Write[] = [];
  if (w.kind === 'insert') {
    const r = w.refund;
    state.push({
      name: 'pay_refund_insert',
      params: {
        id: r.id,
        transaction_id: r.transactionId,
        order_id: r.orderId,
        merchant_id: r.merchantId,
        amount: r.amount,
        currency: r.currency,
        reason: r.reason,
        idempotency_key: r.idempotencyKey,
        request_sha256: r.requestSha256,
        next_check_at: r.nextCheckAt,
        now: r.createdAt,
      },
    });
  } else if (w.kind === 'settle') {
    state.push({
      name: 'pay_refund_settle',
      params: { id: w.id, status: w.status, bank_message: w.bankMessage, now: w.now },
      cas: `refund ${w.id} is not pending`,
    });
  } else {
    state.push({
      name: 'pay_refund_reschedule',
      params: { id: w.id, bank_message: w.bankMessage, next_check_at: w.nextCheckAt, now: w.now },
      cas: `refund ${w.id} is not pending`,
    });
  }
  const o = d.orderWrite;
  if (o) {
    state.push({
      name: 'pay_order_refund_update',
      params: {
        id: o.id,
        from_status: o.fromStatus,
        from_sequence: o.fromSequence,
        status: o.status,
        sequence: o.sequence,
        amount_refunded: o.amountRefunded,
        now: o.now,
      },
      cas: `order ${o.id} left ${o.fromStatus} at sequence ${o.fromSequence}`,
    });
  }
  return { state, events: d.events ?? [], log: d.log ?? [] };
}

/** One log row's parameters (SQLite inserts the rows of a change one by one). */
export function logParams(l: LogWrite): Params {
  return {
    order_id: l.orderId,
    sequence: l.sequence,
    event_id: l.eventId,
    type: l.type,
    transaction_id: l.transactionId,
    refund_id: l.refundId,
    status: l.status,
    order_status: l.orderStatus,
    created_at: l.createdAt,
  };
}

/**
 * The log rows of one change in one statement (PostgreSQL: arrays, one element a row). The rows of a
 * change share their transaction, refund, statuses and time.
 */
export function logArrayParams(log: readonly LogWrite[]): Params {
  const first = log[0];
  return {
    order_id: first.orderId,
    sequences: log.map((l) => l.sequence),
    event_ids: log.map((l) => l.eventId),
    types: log.map((l) => l.type),
    transaction_id: first.transactionId,
    refund_id: first.refundId,
    status: first.status,
    order_status: first.orderStatus,
    created_at: first.createdAt,
  };
}

/** A new order's parameters. */
export function orderInsertParams(o: NewOrder): Params {
  return {
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
  };
}

/** A new payment attempt's parameters, for the order's full amount. */
export function txnInsertParams(
  t: NewTransaction,
  order: { id: string; merchant_id: string; amount: number; currency: string },
): Params {
  return {
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
  };
}

/** A failed pay-back try's parameters: tried again at `nextAttemptAt`. */
export function paybackFailureParams(i: {
  paybackId: string;
  message: string;
  nextAttemptAt: number;
  now: number;
}): Params {
  return { id: i.paybackId, message: i.message, next_attempt_at: i.nextAttemptAt, now: i.now };
}
