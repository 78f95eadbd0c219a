// The invariants the payment property suite (properties.ts) checks after each drawn sequence: an
// order's events replay a history the state machines allow, and money is never paid, refunded or
// paid back more than once (the numbered list at the top of properties.ts).
import assert from 'node:assert/strict';
import type { Order, Refund, Transaction } from '../../../src/payments/model.js';
import { transition, type RefundStatus, type TransactionStatus } from '../../../src/payments/state.js';
import type { PaymentEventLogEntry } from '../../../src/payments/store/port.js';
import type { PaymentKit } from '../testkit.js';

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

export async function checkInvariants(kit: PaymentKit): Promise<void> {
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
