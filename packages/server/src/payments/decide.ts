/**
 * One decision, two stores: what a state-machine event does to a transaction and its order, as a pure
 * function of what the store read. `decideChange` answers one of
 *
 *   restated  the event says what the transaction already is: nothing to write, nothing to emit;
 *   refused   the state machine forbids it: write the refusal and nothing else;
 *   applied   the new transaction and order, the compare-and-set updates that make them so, the
 *             pay-back row to create or confirm, the events to append and the order's event log.
 *
 * Everything is decided before the first write, so a refusal writes only the refusal. Each store
 * (store/sqlite.ts, store/postgres.ts) locks and reads the rows, calls this, and writes the result in
 * one transaction with the events; the decisions themselves live only here, and test/payments/
 * decide.test.ts checks them as properties, without a database.
 *
 * Ids are made by `makeId` (the prefixed time-ordered ids by default) so that tests can pass a
 * deterministic one; nothing else here reads the clock or the database.
 */
import { newId, type EventId, type NewEvent } from '../module-api.js';
import { planEvents, toNewEvents } from './events.js';
import type { Order, Payback, Transaction } from './model.js';
import type { ModuleEventType } from './refund-events.js';
import {
  orderEventFor,
  restates,
  transition,
  transitionOrder,
  type RefundStatus,
  type TransactionEvent,
  type TransactionStatus,
} from './state.js';
import type {
  BankNotificationInput,
  ChangeResult,
  ChangeSource,
  EmittedEvent,
  NotificationResult,
  TransactionChange,
} from './store/port.js';

export type MakeId = (prefix: 'evt' | 'pb' | 'bnk', at: number) => string;

/** The refusal row of a forbidden event. */
export interface RefusalWrite {
  merchantId: string;
  orderId: string;
  transactionId: string;
  fromStatus: TransactionStatus;
  event: TransactionEvent;
  source: string;
  now: number;
}

/** The transaction's update, compare-and-set on `fromStatus`. */
export interface TransactionWrite {
  id: string;
  fromStatus: TransactionStatus;
  status: TransactionStatus;
  bankMessage: string;
  /** The bank's handle when this change brought one; null keeps the stored one. */
  bankReference: string | null;
  debited: boolean;
  /** When to ask the bank again: set while delayed, cleared otherwise. */
  nextCheckAt: number | null;
  now: number;
}

/** The order's update, compare-and-set on `fromStatus`. */
export interface OrderWrite {
  id: string;
  fromStatus: Order['status'];
  status: Order['status'];
  sequence: number;
  now: number;
}

/** The pay-back a change owes (`create`, with the failure) or settles (`confirm`, with `paid_back`). */
export type PaybackWrite =
  | {
      kind: 'create';
      id: string;
      transactionId: string;
      merchantId: string;
      amount: number;
      currency: string;
      nextAttemptAt: number;
      now: number;
    }
  | { kind: 'confirm'; transactionId: string; now: number };

/**
 * One row of the order's event log per appended event (`eventId` is the event's). `status` is the
 * transaction's status after the change, or the refund's for a refund event (`refundId` set).
 */
export interface LogWrite {
  orderId: string;
  sequence: number;
  eventId: string;
  type: ModuleEventType;
  transactionId: string;
  refundId: string | null;
  status: TransactionStatus | RefundStatus;
  orderStatus: Order['status'];
  createdAt: number;
}

export type ChangeDecision =
  | { result: 'restated'; transaction: Transaction; order: Order }
  | {
      result: 'refused';
      transaction: Transaction;
      order: Order;
      from: TransactionStatus;
      event: TransactionEvent;
      refusal: RefusalWrite;
    }
  | {
      result: 'applied';
      transaction: Transaction;
      order: Order;
      transactionWrite: TransactionWrite;
      /** Null when neither the order's status nor its sequence changes. */
      orderWrite: OrderWrite | null;
      payback: PaybackWrite | null;
      events: NewEvent[];
      log: LogWrite[];
    };

/**
 * What `change` does to `txn` (on `order`), both as the store read them inside its transaction.
 *
 * @example
 * const d = decideChange(txn, order, { transactionId: txn.id, event: 'approve', bankMessage: 'approved', source: 'checkout', now });
 * if (d.result === 'applied') d.events.map((e) => e.type); // ['transaction.success', 'order.success']
 */
export function decideChange(
  txn: Transaction,
  order: Order,
  change: TransactionChange,
  makeId: MakeId = newId,
): ChangeDecision {
  if (restates(txn.status, change.event)) return { result: 'restated', transaction: txn, order };
  const step = transition(txn.status, change.event);
  // A debited decline owes a pay-back: failed → payback_pending in the same commit.
  const final = step.ok && change.event === 'decline_debited' ? transition(step.to, 'schedule_payback') : step;
  const orderEvent = step.ok ? orderEventFor(step.to) : null;
  const orderStep = orderEvent ? transitionOrder(order.status, orderEvent) : null;
  if (!final.ok || (orderStep && !orderStep.ok)) {
    return {
      result: 'refused',
      transaction: txn,
      order,
      from: txn.status,
      event: change.event,
      refusal: {
        merchantId: txn.merchantId,
        orderId: order.id,
        transactionId: txn.id,
        fromStatus: txn.status,
        event: change.event,
        source: change.source,
        now: change.now,
      },
    };
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

  const payback: PaybackWrite | null =
    to === 'payback_pending'
      ? {
          kind: 'create',
          id: makeId('pb', change.now),
          transactionId: txn.id,
          merchantId: txn.merchantId,
          amount: txn.amount,
          currency: txn.currency,
          nextAttemptAt: change.paybackDueAt ?? change.now,
          now: change.now,
        }
      : to === 'paid_back'
        ? { kind: 'confirm', transactionId: txn.id, now: change.now }
        : null;
  const events = toNewEvents(
    txn.merchantId,
    planned,
    change.now,
    makeId as (prefix: 'evt', at: number) => EventId,
    txn.orderId,
  );
  return {
    result: 'applied',
    transaction: next,
    order: nextOrder,
    transactionWrite: {
      id: txn.id,
      fromStatus: txn.status,
      status: to,
      bankMessage: next.bankMessage,
      bankReference: change.bankReference ?? null,
      debited: next.debited,
      nextCheckAt: to === 'delayed' ? (change.nextCheckAt ?? change.now) : null,
      now: change.now,
    },
    orderWrite:
      nextOrder.status !== order.status || planned.length > 0
        ? {
            id: order.id,
            fromStatus: order.status,
            status: nextOrder.status,
            sequence: nextOrder.sequence,
            now: change.now,
          }
        : null,
    payback,
    events,
    log: planned.map((p, i) => ({
      orderId: order.id,
      sequence: p.sequence,
      eventId: events[i].id,
      type: p.type,
      transactionId: txn.id,
      refundId: null,
      status: next.status,
      orderStatus: nextOrder.status,
      createdAt: change.now,
    })),
  };
}

/** The events a change appended, as its caller reports them. */
export function emittedOf(log: readonly LogWrite[]): EmittedEvent[] {
  return log.map((l) => ({ id: l.eventId, type: l.type, sequence: l.sequence }));
}

/** The change the bank's confirmation of a pay-back asks for, on the transaction it paid back. */
export function changeOfPaybackConfirmation(
  transactionId: string,
  confirmation: { bankMessage: string; source: ChangeSource; now: number },
): TransactionChange {
  return { transactionId, event: 'confirm_payback', ...confirmation };
}

/** The caller's answer for a decision, once its writes committed (`payback`: the row as stored). */
export function changeResult(d: ChangeDecision, payback: Payback | null): ChangeResult {
  switch (d.result) {
    case 'restated':
      return { result: 'restated', transaction: d.transaction, order: d.order };
    case 'refused':
      return {
        result: 'refused',
        code: 'transition_forbidden',
        from: d.from,
        event: d.event,
        transaction: d.transaction,
        order: d.order,
      };
    case 'applied':
      return {
        result: 'applied',
        transaction: d.transaction,
        order: d.order,
        payback,
        events: emittedOf(d.log),
      };
  }
}

/** A bank notification's record, as the stores find it by (bank key, notification id). */
export interface SeenNotification {
  body_sha256: string;
  transaction_id: string | null;
  outcome: string;
  from_status: string | null;
  to_status: string | null;
}

/**
 * The answer to a notification seen before: the stored outcome when the body is the same (nothing is
 * applied again), a conflict when the same id came with another body.
 */
export function answerSeen(seen: SeenNotification, n: BankNotificationInput): NotificationResult {
  if (seen.body_sha256 !== n.bodySha256) return { result: 'conflict', duplicate: true };
  return {
    result: seen.outcome as 'applied' | 'restated' | 'refused',
    duplicate: true,
    transactionId: seen.transaction_id,
    from: seen.from_status as TransactionStatus | null,
    to: seen.to_status as TransactionStatus | null,
    event: n.event,
  };
}

/** The change a new notification asks for, on the transaction its payment reference names. */
export function changeOfNotification(n: BankNotificationInput, transactionId: string): TransactionChange {
  return {
    transactionId,
    event: n.event,
    bankMessage: n.bankMessage,
    nextCheckAt: n.nextCheckAt,
    paybackDueAt: n.paybackDueAt,
    source: `notification:${n.bankKey}:${n.notificationId}`,
    now: n.now,
  };
}

/** The notification's record: what it asked for and what came of it, for the same id again. */
export function notificationRecord(
  n: BankNotificationInput,
  fromStatus: string,
  result: ChangeResult,
  makeId: MakeId = newId,
): Record<string, unknown> {
  return {
    id: makeId('bnk', n.now),
    bank_key: n.bankKey,
    notification_id: n.notificationId,
    body_sha256: n.bodySha256,
    transaction_id: result.transaction.id,
    event: n.event,
    outcome: result.result,
    from_status: fromStatus,
    to_status: result.transaction.status,
    now: n.now,
  };
}
