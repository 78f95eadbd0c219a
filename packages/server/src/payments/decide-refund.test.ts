// Properties of the refund decisions both payment stores write (decide-refund.ts), without a database:
// fast-check draws payments in every status, refunds made before, requests of any amount and bank
// answers, and checks the money rule, the order's states, the events and their schemas. A last property
// runs random sequences of requests and answers against an in-memory store that writes what is decided:
// whatever the order, refunded never exceeds paid. The stores' suites (test/payments/) check that what
// is decided is what gets written, on SQLite and PostgreSQL.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Ajv, type ValidateFunction } from 'ajv';
import { isPaymentEvent } from '@payhook/sdk';
import type { MakeId } from './decide.js';
import { decideRefund, decideRefundOutcome, refundRequestSha256, remainingOf } from './decide-refund.js';
import { PAYMENT_EVENT_DOCS } from './event-schemas.js';
import type { Order, Refund, Transaction } from './model.js';
import type { RefundEventType } from './refund-events.js';
import { TRANSACTION_STATUSES, type TransactionStatus } from './state.js';
import type { RefundRequest } from './store/port.js';

const T0 = Date.UTC(2026, 11, 2, 9, 0, 0);
const ID = (prefix: string, n: number) => `${prefix}_${String(n).padStart(26, '0')}`;
const ajv = new Ajv({ strict: false, validateFormats: false });
const validators = new Map<string, ValidateFunction>(PAYMENT_EVENT_DOCS.map((d) => [d.type, ajv.compile(d.schema)]));

function counterIds(): MakeId {
  let n = 0;
  return (prefix) => ID(prefix, ++n);
}

function txnOf(amount: number, status: TransactionStatus = 'success'): Transaction {
  return {
    id: ID('txn', 1),
    orderId: ID('ord', 1),
    merchantId: ID('mer', 1),
    transactionNo: 'FLNABCDE0123456789abc',
    paymentReference: '5f0c2b1e-8d4a-4c7e-9b3f-2a6d8e1c4f70',
    amount,
    currency: 'AED',
    cardLastFour: '1111',
    status,
    bankMessage: 'approved',
    bankReference: 'sim.approve.0.x',
    debited: status === 'payback_pending' || status === 'paid_back',
    createdAt: T0,
    updatedAt: T0,
  };
}

/** The order of a paid transaction that refunds returned `refunded` of, at `sequence`. */
function orderOf(txn: Transaction, refunded: number, sequence: number): Order {
  return {
    id: txn.orderId,
    merchantId: txn.merchantId,
    reference: 'INV-1',
    amount: txn.amount,
    currency: txn.currency,
    customerEmail: null,
    customerMobile: null,
    optional1: null,
    optional2: null,
    optional3: null,
    status: refunded === 0 ? 'paid' : refunded === txn.amount ? 'refunded' : 'partially_refunded',
    sequence,
    amountRefunded: refunded,
    createdAt: T0,
    updatedAt: T0,
  };
}

function requestOf(txn: Transaction, amount: number | null, n = 1, key: string | null = null): RefundRequest {
  return {
    id: ID('re', n),
    merchantId: txn.merchantId,
    transactionId: txn.id,
    amount,
    reason: null,
    idempotencyKey: key,
    requestSha256: refundRequestSha256(txn.id, amount, null),
    now: T0 + n,
    checkAt: T0 + n + 60_000,
  };
}

/** A paid transaction with refunds that succeeded and pending ones within what it took. */
const paidArb = fc.integer({ min: 1, max: 1_000_000 }).chain((amount) =>
  fc
    .tuple(fc.integer({ min: 0, max: amount }), fc.integer({ min: 0, max: amount }))
    .filter(([succeeded, pending]) => succeeded + pending <= amount)
    .map(([succeeded, pending]) => ({ amount, succeeded, pending })),
);

function checkEvent(e: { type: string; body: string }): void {
  const envelope = JSON.parse(e.body);
  const valid = validators.get(e.type)!;
  assert.ok(valid(envelope.data), `${e.type}: ${ajv.errorsText(valid.errors)}`);
  assert.ok(isPaymentEvent(envelope, e.type as RefundEventType), `the SDK takes ${e.type}`);
}

describe('decideRefund and decideRefundOutcome (one decision for both stores)', () => {
  test('a request takes at most what remains: the amount asked, or all that remains; more is refused and nothing is written', () => {
    fc.assert(
      fc.property(
        paidArb,
        fc.option(fc.integer({ min: 1, max: 1_100_000 }), { nil: null }),
        fc.nat(50),
        ({ amount, succeeded, pending }, asked, sequence) => {
          const txn = txnOf(amount);
          const order = orderOf(txn, succeeded, sequence + 2);
          const totals = { succeeded, pending };
          const remaining = remainingOf(txn, totals);
          const d = decideRefund(txn, order, totals, null, requestOf(txn, asked), counterIds());
          const wanted = asked ?? remaining;
          if (remaining <= 0 || wanted > remaining) {
            assert.equal(d.result, 'refused');
            if (d.result === 'refused') {
              assert.equal(d.error.code, 'refund_exceeds_remaining');
              assert.equal((d.error.details as { remaining?: number }).remaining, remaining);
            }
            return;
          }
          assert.equal(d.result, 'created');
          if (d.result !== 'created') return;
          assert.deepEqual(
            [d.refund.amount, d.refund.status, d.refund.transactionId, d.refund.currency],
            [wanted, 'pending', txn.id, txn.currency],
          );
          assert.deepEqual(d.refundWrite, { kind: 'insert', refund: d.refund });
          assert.deepEqual(d.orderWrite, {
            id: order.id,
            fromStatus: order.status,
            fromSequence: order.sequence,
            status: order.status,
            sequence: order.sequence + 1,
            amountRefunded: succeeded,
            now: d.refund.createdAt,
          });
          assert.deepEqual(
            d.events.map((e) => e.type),
            ['refund.created'],
          );
          assert.deepEqual(
            d.log.map((l) => [l.eventId, l.sequence, l.refundId, l.status, l.orderStatus]),
            [[d.events[0].id, order.sequence + 1, d.refund.id, 'pending', order.status]],
          );
          for (const e of d.events) checkEvent(e);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('only a successful payment is refunded: a failed, unsettled or paid-back one is refused', () => {
    for (const status of TRANSACTION_STATUSES.filter((s) => s !== 'success')) {
      const txn = txnOf(1000, status);
      const d = decideRefund(txn, orderOf(txn, 0, 2), { succeeded: 0, pending: 0 }, null, requestOf(txn, 10));
      assert.equal(d.result, 'refused', status);
      if (d.result === 'refused')
        assert.deepEqual(
          [d.error.code, (d.error.details as { status?: string }).status],
          ['transaction_not_refundable', status],
        );
    }
  });

  test('an idempotency key seen before returns its refund for the same request, and is a conflict for another', () => {
    const txn = txnOf(1000);
    const order = orderOf(txn, 0, 2);
    const first = decideRefund(txn, order, { succeeded: 0, pending: 0 }, null, requestOf(txn, null, 1, 'k'));
    assert.equal(first.result, 'created');
    if (first.result !== 'created') return;
    // All that remained was 1000 then; nothing remains now, yet the same request is the same refund.
    const totals = { succeeded: 1000, pending: 0 };
    const again = decideRefund(txn, orderOf(txn, 1000, 4), totals, first.refund, requestOf(txn, null, 2, 'k'));
    assert.deepEqual(again, { result: 'replayed', refund: first.refund });
    const other = decideRefund(txn, orderOf(txn, 1000, 4), totals, first.refund, requestOf(txn, 5, 3, 'k'));
    assert.equal(other.result, 'refused');
    if (other.result === 'refused') assert.equal(other.error.code, 'refund_idempotency_conflict');
  });

  test("the bank's answer settles a pending refund once: a success moves the order by what it returned, a failure leaves it", () => {
    fc.assert(
      fc.property(
        paidArb.filter(({ amount, succeeded }) => succeeded < amount),
        fc.constantFrom('succeed' as const, 'fail' as const, 'delay' as const),
        fc.nat(50),
        ({ amount, succeeded }, outcome, sequence) => {
          const txn = txnOf(amount);
          const order = orderOf(txn, succeeded, sequence + 3);
          const refund: Refund = {
            ...(
              decideRefund(txn, orderOf(txn, succeeded, 2), { succeeded, pending: 0 }, null, requestOf(txn, null)) as {
                refund: Refund;
              }
            ).refund,
          };
          const answer =
            outcome === 'delay'
              ? { outcome, bankMessage: 'later', nextCheckAt: T0 + 5000, now: T0 + 10 }
              : { outcome, bankMessage: outcome === 'succeed' ? 'refunded' : 'declined', now: T0 + 10 };
          const d = decideRefundOutcome(refund, txn, order, answer, counterIds());
          if (outcome === 'delay') {
            assert.equal(d.result, 'rescheduled');
            assert.deepEqual(d.order, order, 'the order does not change');
            return;
          }
          assert.equal(d.result, 'applied');
          if (d.result !== 'applied') return;
          const returned = outcome === 'succeed' ? refund.amount : 0;
          assert.equal(d.order.amountRefunded, succeeded + returned);
          assert.equal(
            d.order.status,
            outcome === 'fail' ? order.status : succeeded + returned === amount ? 'refunded' : 'partially_refunded',
          );
          assert.deepEqual(
            [d.refund.status, d.refundWrite],
            [
              outcome === 'succeed' ? 'succeeded' : 'failed',
              {
                kind: 'settle',
                id: refund.id,
                status: outcome === 'succeed' ? 'succeeded' : 'failed',
                bankMessage: answer.bankMessage,
                now: answer.now,
              },
            ],
          );
          assert.deepEqual(
            d.events.map((e) => e.type),
            [outcome === 'succeed' ? 'refund.succeeded' : 'refund.failed'],
          );
          assert.equal(d.order.sequence, order.sequence + 1);
          for (const e of d.events) checkEvent(e);
          // A second answer about it finds it settled: nothing more.
          assert.equal(decideRefundOutcome(d.refund, txn, d.order, answer).result, 'restated');
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('any interleaving of requests and answers, written as decided, never refunds more than was paid (property)', () => {
    type Step = { kind: 'ask'; amount: number | null } | { kind: 'answer'; which: number; outcome: 'succeed' | 'fail' };
    const stepArb: fc.Arbitrary<Step> = fc.oneof(
      fc.record({
        kind: fc.constant('ask' as const),
        amount: fc.option(fc.integer({ min: 1, max: 700 }), { nil: null }),
      }),
      fc.record({
        kind: fc.constant('answer' as const),
        which: fc.nat(30),
        outcome: fc.constantFrom('succeed' as const, 'fail' as const),
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.array(stepArb, { maxLength: 40 }), (amount, steps) => {
        const txn = txnOf(amount);
        let order = orderOf(txn, 0, 2);
        const refunds: Refund[] = [];
        steps.forEach((s, n) => {
          const totals = {
            succeeded: refunds.filter((r) => r.status === 'succeeded').reduce((a, r) => a + r.amount, 0),
            pending: refunds.filter((r) => r.status === 'pending').reduce((a, r) => a + r.amount, 0),
          };
          if (s.kind === 'ask') {
            const d = decideRefund(txn, order, totals, null, requestOf(txn, s.amount, n + 1));
            if (d.result === 'created') {
              refunds.push(d.refund);
              order = d.order;
            }
            return;
          }
          if (refunds.length === 0) return;
          const i = s.which % refunds.length;
          const d = decideRefundOutcome(refunds[i], txn, order, { outcome: s.outcome, bankMessage: '', now: T0 + n });
          if (d.result === 'applied') {
            refunds[i] = d.refund;
            order = d.order;
          }
        });
        const succeeded = refunds.filter((r) => r.status === 'succeeded').reduce((a, r) => a + r.amount, 0);
        const pending = refunds.filter((r) => r.status === 'pending').reduce((a, r) => a + r.amount, 0);
        assert.ok(succeeded + pending <= amount, 'refunded and held back never exceed what was paid');
        assert.equal(order.amountRefunded, succeeded);
        assert.equal(order.status, succeeded === 0 ? 'paid' : succeeded === amount ? 'refunded' : 'partially_refunded');
      }),
      { numRuns: 1000 },
    );
  });
});
