// Property-based tests of the payment invariants (issues 3 and 13), on a real database (payments/
// properties.<backend>.test.ts runs them on SQLite and on PostgreSQL). fast-check draws
// random sequences of orders, payments with every test card, refunds (full, partial, too large, of
// payments that cannot be refunded, with idempotency keys reused), bank notifications (new, replayed,
// and contradicting), enquiries, pay-back and refund runs, clock jumps, restarts, and crashes in the
// middle of a checkout, of a pay-back and of a refund (before and after the bank refunded). After the
// sequence, the workers drain and every invariant is checked:
//   1. every order is paid at most once;
//   2. an order is paid if and only if it has a successful transaction;
//   3. every debit of a failed transaction is paid back exactly once (in payhook and at the bank);
//   4. each order's events have strictly increasing sequence numbers (1, 2, 3, …) and replay its history;
//   5. what refunds returned never exceeds what was paid, payhook and the bank agree on it to the minor
//      unit, and the order's status and refunded total say it;
//   6. a debit is returned at most once, by a refund or a pay-back together: refunds only ever return
//      money of a successful payment, pay-backs only of a failed one, and the bank never returned more
//      of a transaction than it took.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isPayhookError } from '../../../src/errors.js';
import { TEST_CARDS } from '../../../src/payments/cards.js';
import { refundRequestSha256 } from '../../../src/payments/decide-refund.js';
import type { Order, Refund, Transaction } from '../../../src/payments/model.js';
import { signBankNotification } from '../../../src/payments/notifications.js';
import { transition, type RefundStatus, type TransactionStatus } from '../../../src/payments/state.js';
import type { PaymentEventLogEntry } from '../../../src/payments/store/port.js';
import {
  BANK_KEY,
  card,
  dropPaymentSchemas,
  openPaymentKit,
  type PaymentBackend,
  type PaymentKit,
} from '../testkit.js';

type Op =
  | { kind: 'order' }
  | { kind: 'pay'; order: number; card: number }
  | { kind: 'notify'; txn: number; status: 'approved' | 'declined' | 'delayed' | 'paid_back'; debited: boolean }
  | { kind: 'replay'; notification: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'enquire' }
  | { kind: 'paybacks' }
  | { kind: 'restart' }
  | { kind: 'crashPay'; order: number; card: number }
  | { kind: 'crashPayback' }
  | { kind: 'refund'; txn: number; amount: number | null; key: number | null }
  | { kind: 'refunds' }
  | { kind: 'crashRefund'; txn: number; amount: number | null; bankFirst: boolean };

// Cards that debit come up more often: pay-backs are where money can go missing.
const cardArb = fc.oneof(
  fc.nat(TEST_CARDS.length - 1),
  fc.constantFrom(...TEST_CARDS.flatMap((c, i) => (c.scenario.includes('debit') ? [i] : []))),
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'order' as const }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('pay' as const), order: fc.nat(20), card: cardArb }), weight: 5 },
  {
    arbitrary: fc.record({
      kind: fc.constant('notify' as const),
      txn: fc.nat(20),
      status: fc.constantFrom('approved' as const, 'declined' as const, 'delayed' as const, 'paid_back' as const),
      debited: fc.boolean(),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('replay' as const), notification: fc.nat(20) }), weight: 2 },
  {
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 40_000 }) }),
    weight: 3,
  },
  { arbitrary: fc.constant({ kind: 'enquire' as const }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'paybacks' as const }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'restart' as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('crashPay' as const), order: fc.nat(20), card: cardArb }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'crashPayback' as const }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant('refund' as const),
      txn: fc.nat(20),
      // Orders are 1000 to ~1040 minor units: parts, the rest (null), and more than remains.
      amount: fc.option(fc.integer({ min: 1, max: 1100 }), { nil: null }),
      key: fc.option(fc.nat(4), { nil: null }),
    }),
    weight: 4,
  },
  { arbitrary: fc.constant({ kind: 'refunds' as const }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant('crashRefund' as const),
      txn: fc.nat(20),
      amount: fc.option(fc.integer({ min: 1, max: 600 }), { nil: null }),
      bankFirst: fc.boolean(),
    }),
    weight: 2,
  },
);

/** Errors a well-behaved caller can get; anything else fails the property. */
const EXPECTED = new Set([
  'order_not_payable',
  'payment_in_progress',
  'transition_forbidden',
  'transaction_not_found',
  'transaction_not_refundable',
  'refund_exceeds_remaining',
  'refund_idempotency_conflict',
]);

async function expected(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (isPayhookError(err) && EXPECTED.has(err.code)) return;
    throw err;
  }
}

/** Mostly a successful payment (refunding another is refused early and teaches little), sometimes any. */
async function refundTarget(kit: PaymentKit, txns: Transaction[], n: number): Promise<Transaction | null> {
  if (txns.length === 0) return null;
  const now = await Promise.all(txns.map((t) => kit.payments.getTransaction(kit.merchantId, t.id)));
  const paid = now.filter((t): t is Transaction => t?.status === 'success');
  const pool = n % 4 === 0 || paid.length === 0 ? txns : paid;
  return pool[n % pool.length];
}

async function run(kit: PaymentKit, ops: Op[]): Promise<void> {
  const orders: string[] = [];
  const txns: Transaction[] = [];
  const sent: string[] = [];
  let n = 0;
  const notify = (body: string) =>
    kit.service.receiveNotification(BANK_KEY.id, signBankNotification(BANK_KEY.secret, body), body);
  for (const op of ops) {
    switch (op.kind) {
      case 'order':
        orders.push(
          (
            await kit.service.createOrder(kit.merchantId, {
              reference: `R-${orders.length}`,
              amount: 1000 + orders.length,
              currency: 'AED',
            })
          ).id,
        );
        break;
      case 'pay': {
        // Mostly an open order (paying a closed one is refused early and teaches little), sometimes any.
        const open = (
          await kit.payments.listOrders({ merchantId: kit.merchantId, status: 'open', limit: 50 })
        ).items.map((o) => o.id);
        const pool = op.order % 4 === 0 || open.length === 0 ? orders : open;
        await expected(
          kit.service.pay(kit.merchantId, pool[op.order % pool.length], card(TEST_CARDS[op.card].number)).then((r) => {
            txns.push(r.transaction);
          }),
        );
        break;
      }
      case 'notify': {
        if (txns.length === 0) break;
        const target = txns[op.txn % txns.length];
        // "paid_back" is the bank confirming a pay-back it made. The simulated bank makes one only when
        // asked, so a confirmation of a pay-back it never made is a lying bank, outside the invariants;
        // sent about a transaction in any other state, it must be refused, which is in scope.
        if (
          op.status === 'paid_back' &&
          !kit.bank.paybacksByTransaction().has(target.id) &&
          (await kit.payments.getTransaction(kit.merchantId, target.id))?.status === 'payback_pending'
        )
          break;
        const body = JSON.stringify({
          id: `n${n++}`,
          payment_reference: target.paymentReference,
          status: op.status,
          ...(op.status === 'declined' ? { debited: op.debited } : {}),
        });
        sent.push(body);
        await expected(notify(body));
        break;
      }
      case 'replay':
        if (sent.length > 0) await expected(notify(sent[op.notification % sent.length]));
        break;
      case 'advance':
        kit.clock.now += op.ms;
        break;
      case 'enquire':
        await kit.workers.runEnquiries();
        break;
      case 'paybacks':
        await kit.workers.runPaybacks();
        break;
      case 'restart':
        await kit.restart();
        break;
      case 'crashPay': {
        // payhook dies after the bank answered, before the answer was recorded.
        if (orders.length === 0) break;
        const now = kit.clock.now;
        const started = await kit.payments
          .startTransaction({
            id: `txn_${String(txns.length).padStart(26, '0')}`,
            orderId: orders[op.order % orders.length],
            merchantId: kit.merchantId,
            transactionNo: `FLNCRASH${String(txns.length).padStart(13, '0')}`,
            paymentReference: `crash-${txns.length}-${now}`,
            cardLastFour: TEST_CARDS[op.card].number.slice(-4),
            now,
            checkAt: now + 5000,
          })
          .catch((err: unknown) => {
            if (isPayhookError(err) && EXPECTED.has(err.code)) return null;
            throw err;
          });
        if (!started) break;
        txns.push(started);
        const c = { number: TEST_CARDS[op.card].number, expMonth: 12, expYear: 2030, cvc: '123' };
        await kit.bank.authorise({
          transactionId: started.id,
          paymentReference: started.paymentReference,
          amount: started.amount,
          currency: started.currency,
          card: c,
          now,
        });
        await kit.restart();
        break;
      }
      case 'crashPayback': {
        // payhook dies after the bank paid back, before the confirmation was recorded.
        const claimed = await kit.payments.claimDuePaybacks({
          now: kit.clock.now,
          limit: 10,
          leaseMs: 30_000,
          owner: 'doomed',
        });
        for (const c of claimed) {
          await kit.bank.payBack({
            paybackId: c.payback.id,
            transactionId: c.transactionId,
            bankReference: c.bankReference ?? '',
            amount: c.payback.amount,
            currency: c.payback.currency,
            now: kit.clock.now,
          });
        }
        await kit.restart();
        break;
      }
      case 'refund': {
        const target = await refundTarget(kit, txns, op.txn);
        if (!target) break;
        const key = op.key === null ? {} : { idempotency_key: `k${op.key}` };
        await expected(kit.service.refund(kit.merchantId, target.id, { amount: op.amount, ...key }));
        break;
      }
      case 'refunds':
        await kit.workers.runRefunds();
        break;
      case 'crashRefund': {
        // payhook dies after it made the refund: before it asked the bank, or after the bank refunded
        // but before the answer was recorded.
        const target = await refundTarget(kit, txns, op.txn);
        if (!target) break;
        const now = kit.clock.now;
        const made = await kit.payments
          .createRefund({
            id: `re_${String(n++).padStart(26, '0')}`,
            merchantId: kit.merchantId,
            transactionId: target.id,
            amount: op.amount,
            reason: null,
            idempotencyKey: null,
            requestSha256: refundRequestSha256(target.id, op.amount, null),
            now,
            checkAt: now + 5000,
          })
          .catch((err: unknown) => {
            if (isPayhookError(err) && EXPECTED.has(err.code)) return null;
            throw err;
          });
        if (made?.result !== 'created') break;
        if (op.bankFirst) {
          await kit.bank.refund({
            refundId: made.refund.id,
            transactionId: target.id,
            bankReference: made.transaction.bankReference ?? '',
            amount: made.refund.amount,
            currency: made.refund.currency,
            requestedAt: now,
            now,
          });
        }
        await kit.restart();
        break;
      }
    }
  }
}

async function drain(kit: PaymentKit): Promise<void> {
  for (let i = 0; i < 12; i++) {
    kit.clock.now += 60_000;
    await kit.workers.runEnquiries();
    await kit.workers.runPaybacks();
    await kit.workers.runRefunds();
  }
}

/**
 * Replays an order's events through the state machines: they must tell a history they allow, the
 * refunds' included (each created, then settled once; a success moves the order, by what it returned).
 */
function checkHistory(
  order: Order,
  txns: Transaction[],
  refunds: Refund[],
  log: PaymentEventLogEntry[],
  events: Map<string, { type: string; data: Record<string, unknown> }>,
): void {
  assert.deepEqual(
    log.map((e) => e.sequence),
    log.map((_, i) => i + 1),
    'sequences are 1, 2, 3, … without gaps',
  );
  assert.equal(order.sequence, log.length);
  const status = new Map<string, TransactionStatus>();
  const refundStatus = new Map<string, RefundStatus>();
  let orderStatus: Order['status'] = 'open';
  let refunded = 0;
  log.forEach((e, i) => {
    const stored = events.get(e.eventId);
    assert.ok(stored, 'every logged event is stored with its deliveries');
    assert.equal(stored.type, e.type);
    assert.equal(stored.data.sequence, e.sequence);
    assert.equal(stored.data.status, e.status);
    assert.equal(stored.data.order_status, e.orderStatus);
    if (e.type.startsWith('refund.')) {
      const refund = refunds.find((r) => r.id === e.refundId);
      assert.ok(refund, `${e.type} names a refund of the order`);
      assert.equal(refund.transactionId, e.transactionId);
      assert.equal(status.get(e.transactionId), 'success', 'only a successful payment is refunded');
      assert.equal(stored.data.refund_id, refund.id);
      assert.equal(stored.data.amount, refund.amount);
      const prev = refundStatus.get(refund.id);
      if (e.type === 'refund.created') {
        assert.deepEqual([prev, e.status, e.orderStatus], [undefined, 'pending', orderStatus]);
      } else {
        assert.equal(prev, 'pending', `${e.type} settles a pending refund, once`);
        if (e.type === 'refund.succeeded') {
          refunded += refund.amount;
          assert.ok(['paid', 'partially_refunded'].includes(orderStatus));
          orderStatus = refunded === order.amount ? 'refunded' : 'partially_refunded';
        }
        assert.deepEqual(
          [e.status, e.orderStatus],
          [e.type === 'refund.succeeded' ? 'succeeded' : 'failed', orderStatus],
        );
      }
      assert.equal(stored.data.amount_refunded, refunded);
      refundStatus.set(refund.id, e.status as RefundStatus);
      return;
    }
    const prev = status.get(e.transactionId) ?? 'pending';
    const before = log[i - 1];
    switch (e.type) {
      case 'transaction.delayed':
        assert.ok(transition(prev, 'delay').ok);
        assert.equal(e.status, 'delayed');
        break;
      case 'transaction.success':
        assert.ok(transition(prev, 'approve').ok);
        assert.equal(e.status, 'success');
        break;
      case 'transaction.failed':
        assert.ok(transition(prev, 'decline').ok);
        assert.ok(e.status === 'failed' || e.status === 'payback_pending');
        break;
      case 'transaction.paid_back':
        assert.equal(prev, 'payback_pending');
        assert.equal(e.status, 'paid_back');
        break;
      case 'order.success':
        assert.deepEqual(
          [before?.type, before?.transactionId, orderStatus],
          ['transaction.success', e.transactionId, 'open'],
        );
        orderStatus = 'paid';
        break;
      case 'order.cancel':
        assert.deepEqual(
          [before?.type, before?.transactionId, orderStatus],
          ['transaction.failed', e.transactionId, 'open'],
        );
        orderStatus = 'cancelled';
        break;
    }
    // order_status is the order's status after the whole change: a success or failure event already
    // carries the order change that follows it.
    const after =
      e.type === 'transaction.success' ? 'paid' : e.type === 'transaction.failed' ? 'cancelled' : orderStatus;
    assert.equal(e.orderStatus, after);
    status.set(e.transactionId, e.status as TransactionStatus);
  });
  assert.equal(order.status, orderStatus, 'the order is what its events say');
  assert.equal(order.amountRefunded, refunded, "the order's refunded total is what its events say");
  for (const t of txns) assert.equal(t.status, status.get(t.id) ?? 'pending', `${t.id} is what its events say`);
  for (const r of refunds) assert.equal(r.status, refundStatus.get(r.id), `${r.id} is what its events say`);
}

async function checkInvariants(kit: PaymentKit): Promise<void> {
  const events = new Map<string, { type: string; data: Record<string, unknown> }>();
  let cursor: string | null = null;
  do {
    const page = await kit.store.listEvents({ merchantId: kit.merchantId, limit: 250, cursor, order: 'asc' });
    for (const e of page.items) events.set(e.id, { type: e.type, data: JSON.parse(e.data) as Record<string, unknown> });
    cursor = page.nextCursor;
  } while (cursor);
  const orders = (await kit.payments.listOrders({ merchantId: kit.merchantId, limit: 250 })).items;
  let debits = 0;
  let logged = 0;
  const returned = kit.bank.returnedByTransaction();
  const bankRefunded = kit.bank.refundedByTransaction();
  for (const order of orders) {
    const txns = await kit.payments.transactionsOfOrder(order.id);
    const log = await kit.payments.eventsOfOrder(order.id);
    const refunds = await kit.payments.refundsOfOrder(order.id);
    logged += log.length;
    const successes = txns.filter((t) => t.status === 'success').length;
    assert.ok(successes <= 1, 'an order is paid at most once');
    assert.ok(log.filter((e) => e.type === 'order.success').length <= 1, 'order.success at most once');
    assert.equal(
      ['paid', 'partially_refunded', 'refunded'].includes(order.status),
      successes === 1,
      'paid (and maybe refunded since) iff it has a successful transaction',
    );
    for (const t of txns) {
      const mine = refunds.filter((r) => r.transactionId === t.id);
      const succeeded = mine.filter((r) => r.status === 'succeeded').reduce((sum, r) => sum + r.amount, 0);
      assert.ok(
        mine.every((r) => r.status !== 'pending'),
        `${t.id}: every refund settled after the drain`,
      );
      assert.ok(mine.length === 0 || t.status === 'success', 'only a successful payment has refunds');
      assert.ok(succeeded <= t.amount, `${t.id}: refunded ${succeeded} <= paid ${t.amount}`);
      assert.equal(bankRefunded.get(t.id) ?? 0, succeeded, `${t.id}: the bank returned what payhook recorded`);
      assert.ok((returned.get(t.id) ?? 0) <= t.amount, `${t.id}: the bank returned at most what it took`);
      if (t.status === 'success') {
        assert.equal(order.amountRefunded, succeeded);
        assert.equal(
          order.status,
          succeeded === 0 ? 'paid' : succeeded === t.amount ? 'refunded' : 'partially_refunded',
        );
      }
      assert.ok(['success', 'failed', 'paid_back'].includes(t.status), `${t.id} settled after the drain (${t.status})`);
      const pb = await kit.payments.paybackOf(t.id);
      if (t.debited) {
        debits++;
        assert.equal(t.status, 'paid_back');
        assert.equal(pb?.status, 'confirmed');
        assert.equal(kit.bank.paybacksByTransaction().get(t.id), 1, 'the bank paid back exactly once');
        assert.equal(log.filter((e) => e.type === 'transaction.paid_back' && e.transactionId === t.id).length, 1);
        assert.equal(returned.get(t.id), t.amount, 'the debit came back once, by its pay-back alone');
      } else {
        assert.equal(pb, null, 'no pay-back without a debit');
      }
    }
    checkHistory(order, txns, refunds, log, events);
  }
  assert.equal(events.size, logged, 'no event outside an order history');
  assert.equal(kit.bank.refundsTooLarge(), 0, 'payhook never asked the bank to refund more than remained');
  assert.equal(
    [...kit.bank.paybacksByTransaction().values()].reduce((a, b) => a + b, 0),
    debits,
    'the bank paid back nothing else',
  );
}

/**
 * Sequences per backend. A PostgreSQL run costs ~3.5 times a SQLite one, measured here (2 loaded cores):
 * ~125 ms against ~365 ms, most of it the restarts, each a new connection pool (~50 ms; a sequence has
 * ~4). 100 runs took 13 s on SQLite and 36 s on PostgreSQL, so PostgreSQL runs 50 (~18 s): the
 * sequences are drawn the same way, and what PostgreSQL adds (row locks, its SQL) is exercised by
 * every one of them.
 */
const RUNS: Record<PaymentBackend, number> = { sqlite: 100, postgres: 50 };

export function runPaymentPropertiesSuite(backend: PaymentBackend): void {
  describe(`payment invariants (fast-check, ${backend})`, () => {
    after(dropPaymentSchemas);

    test('random sequences of payments, refunds, notifications, duplicates, crashes and restarts keep every invariant', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40, size: 'max' }), async (ops) => {
          const kit = await openPaymentKit({ backend });
          try {
            await run(kit, [{ kind: 'order' }, ...ops]);
            await drain(kit);
            await checkInvariants(kit);
          } finally {
            await kit.close();
          }
        }),
        { numRuns: RUNS[backend] },
      );
    });
  });
}
