/**
 * One decision, two stores, for refunds: what a refund request and a bank's answer about a refund do,
 * as pure functions of what the store read inside its database transaction (decide.ts does the same
 * for a payment attempt's changes).
 *
 *   decideRefund         replayed (the same idempotency key and request: the first refund, nothing new),
 *                        refused (the error to answer, nothing written), or created: the pending refund,
 *                        the order's next sequence, `refund.created` and its log row.
 *   decideRefundOutcome  restated (the refund is settled already), rescheduled (the bank has not decided:
 *                        ask again later, nothing emitted), or applied: the refund succeeded or failed,
 *                        the order's status and refunded total, the event and its log row.
 *
 * The money rule lives here: a refund takes at most what remains of the payment, that is its amount
 * less what refunds that succeeded returned and what pending ones hold back. A pending refund holds its
 * amount back until the bank answers, so two refunds in flight can never add up to more than was
 * paid; a failed one gives it back. Only a successful payment can be refunded: a failed payment that
 * debited the customer is returned by its pay-back, never also by a refund.
 */
import { createHash } from 'node:crypto';
import { newId, type PayhookError, type EventId, type NewEvent } from '../module-api.js';
import { toDecimalString } from './currencies.js';
import type { LogWrite, MakeId } from './decide.js';
import { paymentError } from './errors.js';
import { toNewEvents } from './events.js';
import type { Order, Refund, Transaction } from './model.js';
import { planRefundEvent } from './refund-events.js';
import { transitionOrder, transitionRefund, type RefundStatus } from './state.js';
import type { RefundAnswer, RefundRequest } from './store/port.js';

/** What the refunds of a transaction add up to, by status, as the store summed them. */
export interface RefundTotals {
  succeeded: number;
  pending: number;
}

/** The order's update, compare-and-set on the status and sequence it was read with. */
export interface OrderRefundWrite {
  id: string;
  fromStatus: Order['status'];
  fromSequence: number;
  status: Order['status'];
  sequence: number;
  amountRefunded: number;
  now: number;
}

/** The refund row to create, settle (compare-and-set on `pending`) or reschedule. */
export type RefundWrite =
  | { kind: 'insert'; refund: Refund }
  | { kind: 'settle'; id: string; status: Exclude<RefundStatus, 'pending'>; bankMessage: string; now: number }
  | { kind: 'reschedule'; id: string; bankMessage: string; nextCheckAt: number; now: number };

interface Applied {
  refund: Refund;
  order: Order;
  refundWrite: RefundWrite;
  orderWrite: OrderRefundWrite;
  events: NewEvent[];
  log: LogWrite[];
}

export type RefundDecision =
  | { result: 'replayed'; refund: Refund }
  | { result: 'refused'; error: PayhookError }
  | ({ result: 'created' } & Applied);

export type RefundOutcomeDecision =
  | { result: 'restated'; refund: Refund; order: Order }
  | { result: 'rescheduled'; refund: Refund; order: Order; refundWrite: RefundWrite }
  | ({ result: 'applied' } & Applied);

/**
 * The fingerprint of a refund request: what a repeated request must match to get the first refund back
 * (the amount as asked, so "all that remains" is the same request again, whatever remains by then).
 */
export function refundRequestSha256(transactionId: string, amount: number | null, reason: string | null): string {
  return createHash('sha256')
    .update(JSON.stringify([transactionId, amount, reason]))
    .digest('hex');
}

/** What remains of `txn` to refund, given its refunds. */
export function remainingOf(txn: Transaction, totals: RefundTotals): number {
  return txn.amount - totals.succeeded - totals.pending;
}

/** The refund's event with the order as it becomes, and the order's compare-and-set update. */
function applied(
  txn: Transaction,
  order: Order,
  refund: Refund,
  refundWrite: RefundWrite,
  next: Pick<Order, 'status' | 'amountRefunded'>,
  now: number,
  makeId: MakeId,
): Applied {
  const nextOrder: Order = { ...order, ...next, sequence: order.sequence + 1, updatedAt: now };
  const planned = planRefundEvent(order, nextOrder, txn, refund);
  const events = toNewEvents(
    txn.merchantId,
    [planned],
    now,
    makeId as (prefix: 'evt', at: number) => EventId,
    order.id,
  );
  return {
    refund,
    order: nextOrder,
    refundWrite,
    orderWrite: {
      id: order.id,
      fromStatus: order.status,
      fromSequence: order.sequence,
      status: nextOrder.status,
      sequence: nextOrder.sequence,
      amountRefunded: nextOrder.amountRefunded,
      now,
    },
    events,
    log: [
      {
        orderId: order.id,
        sequence: planned.sequence,
        eventId: events[0].id,
        type: planned.type,
        transactionId: txn.id,
        refundId: refund.id,
        status: refund.status,
        orderStatus: nextOrder.status,
        createdAt: now,
      },
    ],
  };
}

/**
 * What a refund request does to `txn` (of `order`), both read inside the store's transaction with the
 * transaction's refund `totals` and the refund the merchant made before with the same idempotency key.
 *
 * @example
 * const d = decideRefund(txn, order, { succeeded: 0, pending: 0 }, null, { id, merchantId, transactionId: txn.id, amount: 2500, reason: null, idempotencyKey: null, requestSha256, now, checkAt });
 * if (d.result === 'created') d.events.map((e) => e.type); // ['refund.created']
 */
export function decideRefund(
  txn: Transaction,
  order: Order,
  totals: RefundTotals,
  sameKey: Refund | null,
  request: RefundRequest,
  makeId: MakeId = newId,
): RefundDecision {
  if (sameKey) {
    if (sameKey.requestSha256 === request.requestSha256) return { result: 'replayed', refund: sameKey };
    return {
      result: 'refused',
      error: paymentError('refund_idempotency_conflict', undefined, {
        idempotency_key: request.idempotencyKey,
        refund_id: sameKey.id,
      }),
    };
  }
  if (txn.status !== 'success') {
    const message =
      txn.status === 'paid_back' || txn.status === 'payback_pending'
        ? 'This payment failed and the debit it took is returned by its pay-back; it cannot also be refunded.'
        : undefined;
    return {
      result: 'refused',
      error: paymentError('transaction_not_refundable', message, { transaction_id: txn.id, status: txn.status }),
    };
  }
  const remaining = remainingOf(txn, totals);
  const amount = request.amount ?? remaining;
  if (remaining <= 0 || amount > remaining) {
    const money = (minor: number) => toDecimalString(minor, txn.currency);
    return {
      result: 'refused',
      error: paymentError(
        'refund_exceeds_remaining',
        remaining <= 0
          ? `Nothing remains to refund: ${money(totals.succeeded)} ${txn.currency} refunded, ${money(totals.pending)} pending.`
          : `At most ${money(remaining)} ${txn.currency} remains to refund.`,
        {
          amount,
          remaining,
          remaining_decimal: money(remaining),
          refunded: totals.succeeded,
          pending: totals.pending,
          currency: txn.currency,
        },
      ),
    };
  }
  const refund: Refund = {
    id: request.id,
    transactionId: txn.id,
    orderId: order.id,
    merchantId: txn.merchantId,
    amount,
    currency: txn.currency,
    reason: request.reason,
    status: 'pending',
    bankMessage: null,
    idempotencyKey: request.idempotencyKey,
    requestSha256: request.requestSha256,
    nextCheckAt: request.checkAt,
    createdAt: request.now,
    updatedAt: request.now,
  };
  const keep = { status: order.status, amountRefunded: order.amountRefunded };
  return {
    result: 'created',
    ...applied(txn, order, refund, { kind: 'insert', refund }, keep, request.now, makeId),
  };
}

/**
 * What the bank's answer does to `refund` (of `txn`, of `order`, all read inside the store's
 * transaction). A refund that is no longer pending was settled by another answer first: restated.
 *
 * @example
 * const d = decideRefundOutcome(refund, txn, order, { outcome: 'succeed', bankMessage: 'refunded', now });
 * if (d.result === 'applied') d.order.status; // 'partially_refunded' or 'refunded'
 */
export function decideRefundOutcome(
  refund: Refund,
  txn: Transaction,
  order: Order,
  answer: RefundAnswer,
  makeId: MakeId = newId,
): RefundOutcomeDecision {
  if (refund.status !== 'pending') return { result: 'restated', refund, order };
  const now = answer.now;
  if (answer.outcome === 'delay') {
    return {
      result: 'rescheduled',
      refund: { ...refund, bankMessage: answer.bankMessage, nextCheckAt: answer.nextCheckAt, updatedAt: now },
      order,
      refundWrite: {
        kind: 'reschedule',
        id: refund.id,
        bankMessage: answer.bankMessage,
        nextCheckAt: answer.nextCheckAt,
        now,
      },
    };
  }
  const step = transitionRefund(refund.status, answer.outcome);
  if (!step.ok) throw new Error(`refund ${refund.id}: ${step.from} cannot ${step.event}`);
  const status = step.to as Exclude<RefundStatus, 'pending'>;
  const settled: Refund = { ...refund, status, bankMessage: answer.bankMessage, nextCheckAt: null, updatedAt: now };
  let next = { status: order.status, amountRefunded: order.amountRefunded };
  if (status === 'succeeded') {
    const amountRefunded = order.amountRefunded + refund.amount;
    // Cannot happen while refunds are only created within what remains; if it did, nothing is written.
    if (amountRefunded > txn.amount) throw new Error(`refund ${refund.id} would return more than ${txn.id} took`);
    const orderStep = transitionOrder(order.status, amountRefunded === txn.amount ? 'refund_all' : 'refund_part');
    if (!orderStep.ok) throw new Error(`order ${order.id}: ${orderStep.from} cannot ${orderStep.event}`);
    next = { status: orderStep.to, amountRefunded };
  }
  const write: RefundWrite = { kind: 'settle', id: refund.id, status, bankMessage: answer.bankMessage, now };
  return { result: 'applied', ...applied(txn, order, settled, write, next, now, makeId) };
}
