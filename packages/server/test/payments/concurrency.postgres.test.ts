/**
 * The payment module on PostgreSQL: the flows of the service and outbox suites on the PostgreSQL
 * PaymentStore, and what only a multi-writer database can get wrong: concurrent changes to one payment,
 * the same bank notification twice at once, two attempts to start paying one order, refunds of one
 * payment from two processes at once, and payment workers in several processes.
 */
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isPayhookError } from '../../src/errors.js';
import { newId } from '../../src/ids.js';
import { BankSimulator } from '../../src/payments/bank.js';
import { PaymentService } from '../../src/payments/service.js';
import { PAYMENT_STATEMENTS, paymentStoreOn } from '../../src/payments/store/index.js';
import type { PaymentStore, PaymentStoreFaults } from '../../src/payments/store/port.js';
import { PaymentWorkers } from '../../src/payments/workers.js';
import type { PostgresStore } from '../../src/store/postgres/store.js';
import { TestSchemas } from '../helpers/test-db.js';
import { CARDS, card, KIT_TIMING, migrateWithPayments, T0 } from './testkit.js';

const schemas = new TestSchemas();
after(() => schemas.dropAll());

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return isPayhookError(err) ? err.code : `not a PayhookError: ${String(err)}`;
  }
  return undefined;
}

interface Kit {
  clock: { now: number };
  bank: BankSimulator;
  store: PostgresStore;
  payments: PaymentStore;
  service: PaymentService;
  workers: PaymentWorkers;
  merchantId: string;
  /** Another store, service and workers on the same schema: a second payhook process. */
  twin(faults?: { faults?: PaymentStoreFaults }): {
    store: PostgresStore;
    payments: PaymentStore;
    service: PaymentService;
    workers: PaymentWorkers;
  };
  events(): Promise<{ type: string; data: Record<string, unknown> }[]>;
  deliveries(): Promise<number>;
  close(): Promise<void>;
}

async function openKit(): Promise<Kit> {
  const clock = { now: T0 };
  const bank = new BankSimulator({ delayMs: 3000 });
  const merchantId = newId('mer', T0);
  const opened: PostgresStore[] = [];
  const build = (store: PostgresStore, options: { faults?: PaymentStoreFaults } = {}) => {
    const payments = paymentStoreOn(store.moduleStore(PAYMENT_STATEMENTS), options.faults);
    const service = new PaymentService({
      store: payments,
      bank,
      bankKeys: new Map([['acquirer', 'bank-secret-0123456789abcdef']]),
      clock: () => clock.now,
      checkIntervalMs: KIT_TIMING.checkIntervalMs,
      pendingCheckMs: KIT_TIMING.pendingCheckMs,
    });
    const workers = new PaymentWorkers({
      store: payments,
      bank,
      clock: () => clock.now,
      checkIntervalMs: KIT_TIMING.checkIntervalMs,
      paybackSchedule: [1000, 2000, 4000],
      paybackLeaseMs: KIT_TIMING.paybackLeaseMs,
      pollIntervalMs: KIT_TIMING.pollIntervalMs,
    });
    return { store, payments, service, workers };
  };
  const store = await schemas.reused({ poolSize: 6 });
  opened.push(store);
  await migrateWithPayments(store);
  await store.createMerchant(
    { id: merchantId, name: 'Shop', createdAt: T0 },
    { id: newId('key', T0), hash: `hash-${merchantId}`, prefix: 'sk_test' },
  );
  await store.createEndpoint({
    id: newId('ep', T0),
    merchantId,
    url: 'http://127.0.0.1:9/hook',
    description: '',
    eventTypes: null,
    disabled: false,
    headers: {},
    format: 'standard',
    timeoutMs: null,
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    now: T0,
  });
  const kit: Kit = {
    clock,
    bank,
    merchantId,
    ...build(store),
    twin(options = {}) {
      const other = schemas.store({ schema: store.schema, poolSize: 4 });
      opened.push(other);
      return build(other, options);
    },
    async events() {
      const page = await store.listEvents({ merchantId, limit: 250, order: 'asc' });
      return page.items.map((e) => ({ type: e.type, data: JSON.parse(e.data) as Record<string, unknown> }));
    },
    async deliveries() {
      const c = await store.countDeliveries(merchantId);
      return c.pending + c.succeeded + c.failed + c.cancelled;
    },
    async close() {
      for (const s of opened) await s.close();
    },
  };
  return kit;
}

describe('payment module on PostgreSQL', () => {
  let kit: Kit;
  beforeEach(async () => {
    kit = await openKit();
  });
  afterEach(async () => {
    await kit.close();
  });

  const order = (reference = 'INV-1') =>
    kit.service.createOrder(kit.merchantId, {
      reference,
      amount: 10000,
      currency: 'AED',
      customer_email: 'customer@example.com',
    });

  test('approved card: success, transaction.success and order.success with their deliveries in one commit', async () => {
    const o = await order();
    assert.equal(await code(order('INV-1')), 'duplicate_reference');
    const r = await kit.service.pay(kit.merchantId, o.id, card(CARDS.approve));
    assert.deepEqual([r.outcome, r.order.status, r.transaction.cardLastFour], ['success', 'paid', '1111']);
    assert.deepEqual(
      (await kit.events()).map((e) => [e.type, e.data.sequence, e.data.amount_decimal]),
      [
        ['transaction.success', 1, '100.00'],
        ['order.success', 2, '100.00'],
      ],
    );
    assert.equal(await kit.deliveries(), 2);
    assert.deepEqual(
      (await kit.payments.eventsOfOrder(o.id)).map((e) => e.sequence),
      [1, 2],
    );
    assert.equal(await code(kit.service.pay(kit.merchantId, o.id, card(CARDS.approve))), 'order_not_payable');
    assert.equal(
      (await kit.payments.listOrders({ merchantId: kit.merchantId, status: 'paid', limit: 10 })).items.length,
      1,
    );
  });

  test('debited then declined: exactly one pay-back, confirmed by the worker, then transaction.paid_back', async () => {
    const o = await order();
    const r = await kit.service.pay(kit.merchantId, o.id, card(CARDS.debitDecline));
    assert.deepEqual(
      [r.transaction.status, r.transaction.debited, r.order.status],
      ['payback_pending', true, 'cancelled'],
    );
    assert.equal((await kit.payments.paybackOf(r.transaction.id))?.status, 'pending');
    assert.equal(await kit.payments.nextWorkAt(), kit.clock.now);
    assert.equal(await kit.workers.runPaybacks(), 1);
    assert.equal(await kit.workers.runPaybacks(), 0);
    assert.equal((await kit.payments.getTransaction(kit.merchantId, r.transaction.id))?.status, 'paid_back');
    assert.deepEqual(
      (await kit.events()).map((e) => e.type),
      ['transaction.failed', 'order.cancel', 'transaction.paid_back'],
    );
    assert.deepEqual([...kit.bank.paybacksByReference().values()], [1]);
  });

  test('delayed then approved: settled by an enquiry', async () => {
    const o = await order();
    const r = await kit.service.pay(kit.merchantId, o.id, card(CARDS.delayApprove));
    assert.equal(r.outcome, 'delayed');
    assert.equal(await kit.workers.runEnquiries(), 0);
    kit.clock.now += 3000;
    assert.equal(await kit.workers.runEnquiries(), 1);
    assert.equal((await kit.payments.getOrder(kit.merchantId, o.id))?.status, 'paid');
    assert.deepEqual(
      (await kit.events()).map((e) => e.type),
      ['transaction.delayed', 'transaction.success', 'order.success'],
    );
  });

  for (const at of ['afterState', 'afterEvents'] as const) {
    test(`outbox: a failure ${at === 'afterState' ? 'after the state change' : 'after the events'} leaves neither`, async () => {
      const o = await order();
      const broken = kit.twin({
        faults: {
          [at]: () => {
            throw new Error('injected failure');
          },
        },
      });
      await assert.rejects(broken.service.pay(kit.merchantId, o.id, card(CARDS.debitDecline)), /injected failure/);
      const [txn] = await kit.payments.transactionsOfOrder(o.id);
      assert.deepEqual([txn.status, txn.debited], ['pending', false]);
      assert.deepEqual(
        [
          (await kit.payments.getOrder(kit.merchantId, o.id))?.status,
          (await kit.payments.getOrder(kit.merchantId, o.id))?.sequence,
        ],
        ['open', 0],
      );
      assert.equal(await kit.payments.paybackOf(txn.id), null);
      assert.deepEqual(await kit.events(), []);
      assert.equal(await kit.deliveries(), 0);
      assert.deepEqual(await kit.payments.eventsOfOrder(o.id), []);
      kit.clock.now += 5000;
      assert.equal(await kit.workers.runEnquiries(), 1, 'nothing lost: the enquiry settles it');
      assert.equal((await kit.payments.getTransaction(kit.merchantId, txn.id))?.status, 'payback_pending');
      assert.equal(await kit.deliveries(), 2);
    });
  }

  test('concurrent changes to one payment: one applies, the others see its result', async () => {
    const o = await order();
    const txn = await kit.payments.startTransaction({
      id: newId('txn', kit.clock.now),
      orderId: o.id,
      merchantId: kit.merchantId,
      transactionNo: 'FLNABCDE0000000000001',
      paymentReference: '11111111-2222-4333-8444-555555555555',
      cardLastFour: '1111',
      now: kit.clock.now,
      checkAt: kit.clock.now + 5000,
    });
    const other = kit.twin();
    const changes = Array.from({ length: 10 }, (_, i) =>
      (i % 2 ? other.payments : kit.payments).applyChange({
        transactionId: txn.id,
        event: i % 3 === 0 ? 'decline' : 'approve',
        bankMessage: 'ok',
        source: 'checkout',
        now: kit.clock.now,
      }),
    );
    const results = await Promise.all(changes);
    assert.equal(results.filter((r) => r.result === 'applied').length, 1);
    const final = await kit.payments.getTransaction(kit.merchantId, txn.id);
    for (const r of results)
      if (r.result !== 'applied') assert.equal(r.transaction.status, final?.status, 'decided on the applied status');
    assert.equal((await kit.events()).length, 2, 'one change, its two events, once');
    assert.equal((await kit.payments.getOrder(kit.merchantId, o.id))?.sequence, 2);
  });

  test('two attempts to start paying one order at once: one starts, the other is payment_in_progress', async () => {
    const o = await order();
    const other = kit.twin();
    const start = (p: PaymentStore, n: number) =>
      p.startTransaction({
        id: newId('txn', kit.clock.now),
        orderId: o.id,
        merchantId: kit.merchantId,
        transactionNo: `FLNABCDE000000000000${n}`,
        paymentReference: `11111111-2222-4333-8444-55555555555${n}`,
        cardLastFour: '1111',
        now: kit.clock.now,
        checkAt: kit.clock.now + 5000,
      });
    const outcomes = await Promise.all(
      [start(kit.payments, 1), start(other.payments, 2), start(kit.payments, 3)].map((p) => code(p)),
    );
    assert.deepEqual(outcomes.sort(), [undefined, 'payment_in_progress', 'payment_in_progress'].sort());
    assert.equal((await kit.payments.transactionsOfOrder(o.id)).length, 1);
  });

  test('the same bank notification twice at once is applied once and answered as a duplicate once', async () => {
    const o = await order();
    const r = await kit.service.pay(kit.merchantId, o.id, card(CARDS.delayApprove));
    const other = kit.twin();
    const n = {
      bankKey: 'acquirer',
      notificationId: 'ntf-1',
      bodySha256: 'a'.repeat(64),
      paymentReference: r.transaction.paymentReference,
      event: 'approve' as const,
      bankMessage: 'approved',
      now: kit.clock.now,
    };
    const [x, y] = await Promise.all([kit.payments.applyBankNotification(n), other.payments.applyBankNotification(n)]);
    assert.deepEqual([x.duplicate, y.duplicate].sort(), [false, true]);
    assert.deepEqual([x.result, y.result], ['applied', 'applied']);
    assert.equal((await kit.events()).filter((e) => e.type === 'transaction.success').length, 1);
    assert.deepEqual(await kit.payments.applyBankNotification({ ...n, bodySha256: 'b'.repeat(64) }), {
      result: 'conflict',
      duplicate: true,
    });
    assert.deepEqual(
      await kit.payments.applyBankNotification({ ...n, notificationId: 'ntf-2', paymentReference: 'nope' }),
      { result: 'unknown_transaction', duplicate: false },
    );
  });

  test('payment workers in two processes take disjoint pay-backs, each paid back once', async () => {
    for (let i = 0; i < 6; i++) {
      const o = await order(`INV-${i}`);
      await kit.service.pay(kit.merchantId, o.id, card(CARDS.debitDecline));
    }
    const other = kit.twin();
    const [a, b] = await Promise.all([
      kit.payments.claimDuePaybacks({ now: kit.clock.now, limit: 4, leaseMs: 30_000, owner: 'a' }),
      other.payments.claimDuePaybacks({ now: kit.clock.now, limit: 4, leaseMs: 30_000, owner: 'b' }),
    ]);
    const ids = [...a, ...b].map((c) => c.payback.id);
    assert.equal(ids.length, 6);
    assert.equal(new Set(ids).size, 6);
    assert.ok([...a, ...b].every((c) => c.paymentReference && c.payback.attempts === 1));
    kit.clock.now += 30_000;
    const done = await Promise.all([kit.workers.runPaybacks(), other.workers.runPaybacks()]);
    assert.equal(done[0] + done[1], 6);
    assert.ok([...kit.bank.paybacksByReference().values()].every((n) => n === 1));
    assert.equal((await kit.events()).filter((e) => e.type === 'transaction.paid_back').length, 6);
  });

  test('refunds of one payment from two processes at once never take more than was paid; one key makes one refund', async () => {
    const o = await order();
    const r = await kit.service.pay(kit.merchantId, o.id, card(CARDS.refundDelayed));
    const other = kit.twin();
    // Twelve refunds of 1000 against 10000 paid, half through each process: ten fit, two are refused.
    const asked = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        code((i % 2 ? other.service : kit.service).refund(kit.merchantId, r.transaction.id, { amount: 1000 })),
      ),
    );
    assert.deepEqual(
      asked.filter((c) => c !== undefined),
      ['refund_exceeds_remaining', 'refund_exceeds_remaining'],
    );
    // The same idempotency key from both processes at once: one refund, the other request gets it back.
    const o2 = await order('INV-2');
    const r2 = await kit.service.pay(kit.merchantId, o2.id, card(CARDS.approve));
    const same = await Promise.all(
      [kit.service, other.service, kit.service].map((s) =>
        s.refund(kit.merchantId, r2.transaction.id, { amount: 700, idempotency_key: 'once' }),
      ),
    );
    assert.equal(new Set(same.map((x) => x.refund.id)).size, 1);
    assert.deepEqual(same.map((x) => x.created).sort(), [false, false, true]);
    assert.equal(kit.bank.refundedByTransaction().get(r2.transaction.id), 700);

    // Both processes' workers settle the delayed ones: each exactly once.
    kit.clock.now += 5000;
    const settled = await Promise.all([kit.workers.runRefunds(), other.workers.runRefunds()]);
    assert.equal(settled[0] + settled[1], 10);
    const after = await kit.payments.getOrder(kit.merchantId, o.id);
    assert.deepEqual([after?.status, after?.amountRefunded], ['refunded', 10000]);
    assert.equal(kit.bank.refundedByTransaction().get(r.transaction.id), 10000);
    assert.equal((await kit.events()).filter((e) => e.type === 'refund.succeeded').length, 11);
    assert.deepEqual(
      (await kit.payments.eventsOfOrder(o.id)).map((e) => e.sequence),
      Array.from({ length: 22 }, (_, i) => i + 1),
      'one sequence for the order, without gaps, whatever the interleaving',
    );
  });
});
