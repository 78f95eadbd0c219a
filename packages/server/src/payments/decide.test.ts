// Properties of the one decision both payment stores write (decide.ts), without a database: fast-check
// draws any transaction and order (in any status, consistent or not), any state-machine event and any
// bank answer, and checks what the decision says against the state machine as drawn in state.ts, the
// event table of events.ts and the published schemas. The stores' own suites (test/payments/) check
// that what is decided is what gets written, on SQLite and PostgreSQL.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Ajv, type ValidateFunction } from 'ajv';
import { isPaymentEvent } from '@payhook/sdk';
import { isLiveScope } from '../module-api.js';
import { answerSeen, changeOfNotification, decideChange, type MakeId } from './decide.js';
import { PAYMENT_EVENT_DOCS } from './event-schemas.js';
import type { PaymentEventType } from './events.js';
import type { Order, Transaction } from './model.js';
import type { OrderStatus, TransactionStatus } from './state.js';
import type { TransactionChange } from './store/port.js';

const T0 = Date.UTC(2026, 10, 27, 5, 29, 26, 123);
const ID = (prefix: string, n: number) => `${prefix}_${String(n).padStart(26, '0')}`;

/** The transaction state machine as drawn in state.ts, with a debited decline going on to payback_pending. */
const NEXT: Record<string, TransactionStatus> = {
  'pending approve': 'success',
  'pending delay': 'delayed',
  'pending decline': 'failed',
  'pending decline_debited': 'payback_pending',
  'delayed approve': 'success',
  'delayed decline': 'failed',
  'delayed decline_debited': 'payback_pending',
  'payback_pending confirm_payback': 'paid_back',
};
/** Event restating what the transaction is already: nothing happens. */
const RESTATED = new Set([
  'success approve',
  'delayed delay',
  'failed decline',
  'payback_pending decline_debited',
  'paid_back decline_debited',
  'paid_back confirm_payback',
]);
/** What the order becomes when its transaction reaches a status (from open only). */
const ORDER_AFTER: Partial<Record<TransactionStatus, OrderStatus>> = {
  success: 'paid',
  failed: 'cancelled',
  payback_pending: 'cancelled',
};
/** The events each status emits, in order. */
const EMITS: Record<TransactionStatus, string[]> = {
  pending: [],
  delayed: ['transaction.delayed'],
  success: ['transaction.success', 'order.success'],
  failed: ['transaction.failed', 'order.cancel'],
  payback_pending: ['transaction.failed', 'order.cancel'],
  paid_back: ['transaction.paid_back'],
};

const statusArb = fc.constantFrom<TransactionStatus>(
  'pending',
  'delayed',
  'success',
  'failed',
  'payback_pending',
  'paid_back',
);
const orderStatusArb = fc.constantFrom<OrderStatus>('open', 'paid', 'cancelled', 'partially_refunded', 'refunded');
const eventArb = fc.constantFrom<TransactionChange['event']>(
  'approve',
  'delay',
  'decline',
  'decline_debited',
  'confirm_payback',
);
const text = fc.option(fc.string({ maxLength: 20 }), { nil: null });
const currencyArb = fc.constantFrom('AED', 'USD', 'JPY', 'KWD', 'EUR');

const caseArb = fc.record({
  status: statusArb,
  orderStatus: orderStatusArb,
  debited: fc.boolean(),
  sequence: fc.nat(1000),
  amount: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  currency: currencyArb,
  bankReference: text,
  paymentReference: fc.uuid(),
  email: text,
  mobile: text,
  optional1: text,
  change: fc.record({
    event: eventArb,
    bankMessage: fc.string({ maxLength: 40 }),
    bankReference: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
    nextCheckAt: fc.option(fc.integer({ min: T0, max: T0 + 1e9 }), { nil: undefined }),
    paybackDueAt: fc.option(fc.integer({ min: T0, max: T0 + 1e9 }), { nil: undefined }),
    source: fc.constantFrom<TransactionChange['source']>('checkout', 'enquiry', 'payback', 'notification:acquirer:n1'),
    at: fc.integer({ min: 0, max: 1e9 }),
  }),
});

type Case = typeof caseArb extends fc.Arbitrary<infer C> ? C : never;

/**
 * States the module can reach: an order has one live attempt at a time and is paid or cancelled with
 * the attempt that settles it, so its status follows its transaction's. (caseArb draws any pair, to
 * show the decision is total; the published schemas speak of reachable states.)
 */
const ORDER_OF: Record<TransactionStatus, OrderStatus> = {
  pending: 'open',
  delayed: 'open',
  success: 'paid',
  failed: 'cancelled',
  payback_pending: 'cancelled',
  paid_back: 'cancelled',
};
const reachableArb = caseArb.map((c) => ({
  ...c,
  orderStatus: ORDER_OF[c.status],
  debited:
    c.status === 'payback_pending' || c.status === 'paid_back' ? true : c.status === 'failed' ? false : c.debited,
}));

function build(c: Case): { txn: Transaction; order: Order; change: TransactionChange } {
  const order: Order = {
    id: ID('ord', 1),
    merchantId: ID('mer', 1),
    reference: 'INV-1',
    amount: c.amount,
    currency: c.currency,
    customerEmail: c.email,
    customerMobile: c.mobile,
    optional1: c.optional1,
    optional2: null,
    optional3: null,
    status: c.orderStatus,
    sequence: c.sequence,
    amountRefunded: 0,
    createdAt: T0,
    updatedAt: T0,
  };
  const txn: Transaction = {
    id: ID('txn', 1),
    orderId: order.id,
    merchantId: order.merchantId,
    transactionNo: 'FLNABCDE0000000000001',
    paymentReference: c.paymentReference,
    amount: c.amount,
    currency: c.currency,
    cardLastFour: '1111',
    status: c.status,
    bankMessage: 'before',
    bankReference: c.bankReference,
    debited: c.debited,
    createdAt: T0,
    updatedAt: T0,
  };
  const { at, ...rest } = c.change;
  return { txn, order, change: { ...rest, transactionId: txn.id, now: T0 + at } };
}

/** Deterministic ids: the decision must not depend on anything else. */
function counterIds(): MakeId {
  let n = 0;
  return (prefix) => ID(prefix, ++n);
}

const ajv = new Ajv({ strict: false, validateFormats: false });
const validators = new Map<string, ValidateFunction>(PAYMENT_EVENT_DOCS.map((d) => [d.type, ajv.compile(d.schema)]));

describe('decideChange (one decision for both stores)', () => {
  test('restated, refused or applied exactly as the state machine says; the order moves only from open', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { txn, order, change } = build(c);
        const d = decideChange(txn, order, change, counterIds());
        const key = `${txn.status} ${change.event}`;
        const next = NEXT[key];
        const orderMoves = next !== undefined && ORDER_AFTER[next] !== undefined;
        if (RESTATED.has(key)) assert.equal(d.result, 'restated');
        else if (next === undefined || (orderMoves && order.status !== 'open')) assert.equal(d.result, 'refused');
        else assert.equal(d.result, 'applied');
        if (d.result !== 'applied') {
          assert.deepEqual([d.transaction, d.order], [txn, order], 'nothing changed');
          if (d.result === 'refused') {
            assert.deepEqual(d.refusal, {
              merchantId: txn.merchantId,
              orderId: order.id,
              transactionId: txn.id,
              fromStatus: txn.status,
              event: change.event,
              source: change.source,
              now: change.now,
            });
          }
          return;
        }
        assert.equal(d.transaction.status, next);
        assert.equal(d.order.status, orderMoves ? ORDER_AFTER[next] : order.status);
        assert.equal(d.transactionWrite.fromStatus, txn.status, 'compare-and-set on the status read');
        assert.equal(d.transactionWrite.status, next);
        if (d.orderWrite) assert.equal(d.orderWrite.fromStatus, order.status);
      }),
      { numRuns: 2000 },
    );
  });

  test('an applied change keeps the money and the ids, never clears a debit, and owes exactly the right pay-back', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { txn, order, change } = build(c);
        const d = decideChange(txn, order, change, counterIds());
        if (d.result !== 'applied') return;
        const t = d.transaction;
        assert.deepEqual(
          [t.id, t.orderId, t.merchantId, t.amount, t.currency, t.paymentReference],
          [txn.id, txn.orderId, txn.merchantId, txn.amount, txn.currency, txn.paymentReference],
        );
        assert.equal(t.debited, txn.debited || change.event === 'decline_debited');
        assert.equal(d.transactionWrite.debited, t.debited);
        assert.equal(
          t.bankReference,
          change.bankReference ?? txn.bankReference,
          'a change without a bank reference keeps the stored one',
        );
        assert.equal(t.bankMessage, change.bankMessage);
        assert.equal(
          d.transactionWrite.nextCheckAt,
          t.status === 'delayed' ? (change.nextCheckAt ?? change.now) : null,
        );
        if (t.status === 'payback_pending') {
          assert.equal(d.payback?.kind, 'create');
          if (d.payback?.kind === 'create') {
            assert.deepEqual(
              [d.payback.transactionId, d.payback.amount, d.payback.currency, d.payback.nextAttemptAt],
              [txn.id, txn.amount, txn.currency, change.paybackDueAt ?? change.now],
            );
          }
        } else if (t.status === 'paid_back') {
          assert.deepEqual(d.payback, { kind: 'confirm', transactionId: txn.id, now: change.now });
        } else {
          assert.equal(d.payback, null);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test("an applied change emits its status's events with the next sequences, logs each, and its data passes the schema and the SDK", () => {
    fc.assert(
      fc.property(reachableArb, (c) => {
        const { txn, order, change } = build(c);
        const d = decideChange(txn, order, change, counterIds());
        if (d.result !== 'applied') return;
        assert.deepEqual(
          d.events.map((e) => e.type),
          EMITS[d.transaction.status],
        );
        const sequences = d.events.map((_, i) => order.sequence + 1 + i);
        assert.equal(d.order.sequence, order.sequence + d.events.length);
        assert.deepEqual(
          d.log.map((l) => [l.eventId, l.type, l.sequence, l.status, l.orderStatus]),
          d.events.map((e, i) => [e.id, e.type, sequences[i], d.transaction.status, d.order.status]),
        );
        const changesOrder = d.order.status !== order.status || d.events.length > 0;
        assert.deepEqual(
          d.orderWrite,
          changesOrder
            ? {
                id: order.id,
                fromStatus: order.status,
                status: d.order.status,
                sequence: d.order.sequence,
                now: change.now,
              }
            : null,
        );
        for (const [i, e] of d.events.entries()) {
          assert.deepEqual([e.merchantId, e.createdAt, e.idempotencyKey], [txn.merchantId, change.now, null]);
          const envelope = JSON.parse(e.body);
          assert.deepEqual(envelope, {
            id: e.id,
            type: e.type,
            timestamp: new Date(change.now).toISOString(),
            livemode: isLiveScope(txn.merchantId),
            data: JSON.parse(e.data),
          });
          assert.equal(envelope.data.sequence, sequences[i]);
          assert.equal(envelope.data.status, d.transaction.status);
          assert.equal(envelope.data.order_status, d.order.status);
          const valid = validators.get(e.type)!;
          assert.ok(valid(envelope.data), `${e.type}: ${ajv.errorsText(valid.errors)}`);
          assert.ok(isPaymentEvent(envelope, e.type as PaymentEventType), `the SDK takes ${e.type}`);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('the same inputs give the same decision (nothing else is read)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { txn, order, change } = build(c);
        assert.deepEqual(
          decideChange(txn, order, change, counterIds()),
          decideChange(txn, order, change, counterIds()),
        );
      }),
      { numRuns: 500 },
    );
  });

  test('a notification seen before is answered from its record; with another body it is a conflict', () => {
    const n = {
      bankKey: 'acquirer',
      notificationId: 'n1',
      bodySha256: 'a'.repeat(64),
      paymentReference: 'p',
      event: 'approve' as const,
      bankMessage: 'approved',
      nextCheckAt: T0 + 1000,
      paybackDueAt: T0,
      now: T0,
    };
    const seen = {
      body_sha256: 'a'.repeat(64),
      transaction_id: ID('txn', 1),
      outcome: 'refused',
      from_status: 'paid_back',
      to_status: 'paid_back',
    };
    assert.deepEqual(answerSeen(seen, n), {
      result: 'refused',
      duplicate: true,
      transactionId: ID('txn', 1),
      from: 'paid_back',
      to: 'paid_back',
      event: 'approve',
    });
    assert.deepEqual(answerSeen({ ...seen, body_sha256: 'b'.repeat(64) }, n), { result: 'conflict', duplicate: true });
    assert.deepEqual(changeOfNotification(n, ID('txn', 1)), {
      transactionId: ID('txn', 1),
      event: 'approve',
      bankMessage: 'approved',
      nextCheckAt: T0 + 1000,
      paybackDueAt: T0,
      source: 'notification:acquirer:n1',
      now: T0,
    });
  });
});
