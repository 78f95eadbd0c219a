/**
 * The payment service's flows (orders, every test card, delays, pay-backs, crashes between the bank
 * and the record), run by payments/service.<backend>.test.ts on each backend with the same assertions.
 */
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isPayhookError } from '../../../src/errors.js';
import { CARDS, card, dropPaymentSchemas, openPaymentKit, type PaymentBackend, type PaymentKit } from '../testkit.js';

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return isPayhookError(err) ? err.code : `not a PayhookError: ${String(err)}`;
  }
  return undefined;
}

export function runPaymentServiceSuite(backend: PaymentBackend): void {
  describe(`payment service on ${backend}`, () => {
    let kit: PaymentKit;
    beforeEach(async () => {
      kit = await openPaymentKit({ backend });
    });
    afterEach(async () => {
      await kit.close();
    });
    after(dropPaymentSchemas);

    const order = (reference = 'INV-1', extra: Record<string, unknown> = {}) =>
      kit.service.createOrder(kit.merchantId, {
        reference,
        amount: 10000,
        currency: 'AED',
        customer_email: 'customer@example.com',
        customer_mobile: '555534533',
        optional1: 'FLSSUB_298617f8667047bb',
        optional2: 'Online Class',
        optional3: 'Foloosi developer',
        ...extra,
      });

    test('orders: bad input gets its own error; a reference is unique per merchant', async () => {
      const o = await order();
      assert.equal(o.status, 'open');
      assert.equal(o.sequence, 0);
      assert.equal(await code(order('INV-1')), 'duplicate_reference');
      assert.equal(await code(order('x', { amount: -5 })), 'invalid_amount');
      assert.equal(await code(order('x', { amount: 1.5 })), 'invalid_amount');
      assert.equal(await code(order('x', { amount: 0 })), 'invalid_amount');
      assert.equal(await code(order('x', { currency: 'XYZ' })), 'unknown_currency');
      assert.equal(await code(order('x', { customer_email: 'nope' })), 'validation_failed');
      assert.equal(await code(order('')), 'validation_failed');
    });

    test('approved card: success now, then transaction.success and order.success with sequences 1, 2', async () => {
      const o = await order();
      const r = await kit.service.pay(kit.merchantId, o.id, card(CARDS.approve));
      assert.equal(r.outcome, 'success');
      assert.equal(r.order.status, 'paid');
      assert.equal(r.transaction.cardLastFour, '1111');
      assert.match(r.transaction.transactionNo, /^FLN[A-Z]{5}[0-9a-f]{13}$/);
      assert.match(r.transaction.paymentReference, /^[0-9a-f-]{36}$/);
      const events = await kit.events();
      assert.deepEqual(
        events.map((e) => [e.type, e.data.sequence, e.data.status, e.data.order_status]),
        [
          ['transaction.success', 1, 'success', 'paid'],
          ['order.success', 2, 'success', 'paid'],
        ],
      );
      assert.equal(events[0].data.amount_decimal, '100.00');
      assert.equal(await kit.deliveries(), 2, 'one delivery per event for the endpoint, in the same commit');
      assert.equal((await kit.payments.eventsOfOrder(o.id)).length, 2);
      assert.equal(await code(kit.service.pay(kit.merchantId, o.id, card(CARDS.approve))), 'order_not_payable');
    });

    test('declined card: failed now, transaction.failed and order.cancel; the cancelled order cannot be paid', async () => {
      const o = await order();
      const r = await kit.service.pay(kit.merchantId, o.id, card(CARDS.decline));
      assert.deepEqual([r.outcome, r.transaction.status, r.order.status], ['failed', 'failed', 'cancelled']);
      assert.deepEqual(
        (await kit.events()).map((e) => e.type),
        ['transaction.failed', 'order.cancel'],
      );
      assert.equal(await kit.payments.paybackOf(r.transaction.id), null);
      assert.equal(await code(kit.service.pay(kit.merchantId, o.id, card(CARDS.approve))), 'order_not_payable');
    });

    test('card errors come before anything is stored; the card number is never stored', async () => {
      const o = await order();
      assert.equal(await code(kit.service.pay(kit.merchantId, o.id, card('4111111111111112'))), 'card_invalid');
      assert.equal(
        await code(kit.service.pay(kit.merchantId, o.id, { number: CARDS.approve, expiry: '01/20', cvc: '123' })),
        'card_expired',
      );
      assert.equal(
        await code(kit.service.pay(kit.merchantId, 'ord_01KB0000000000000000000000', card(CARDS.approve))),
        'order_not_found',
      );
      assert.equal((await kit.payments.transactionsOfOrder(o.id)).length, 0);
      await kit.service.pay(kit.merchantId, o.id, card(CARDS.approve));
      const stored = await kit.storedText();
      assert.ok(stored.includes('1111'), 'the last four are there: the scan reads the right bytes');
      assert.equal(stored.includes('411111111111'), false);
    });

    test('delayed then approved: delayed now, settled by an enquiry after the bank delay', async () => {
      const o = await order();
      const r = await kit.service.pay(kit.merchantId, o.id, card(CARDS.delayApprove));
      assert.deepEqual([r.outcome, r.order.status], ['delayed', 'open']);
      assert.equal(await code(kit.service.pay(kit.merchantId, o.id, card(CARDS.approve))), 'payment_in_progress');
      kit.clock.now += 1000;
      assert.equal(await kit.workers.runEnquiries(), 0, 'the bank has not decided yet');
      kit.clock.now += 3000;
      assert.equal(await kit.workers.runEnquiries(), 1);
      const txn = await kit.payments.getTransaction(kit.merchantId, r.transaction.id);
      assert.equal(txn?.status, 'success');
      assert.deepEqual(
        (await kit.events()).map((e) => [e.type, e.data.sequence]),
        [
          ['transaction.delayed', 1],
          ['transaction.success', 2],
          ['order.success', 3],
        ],
      );
    });

    test('delayed then declined: the order is cancelled and a new order is needed', async () => {
      const o = await order();
      await kit.service.pay(kit.merchantId, o.id, card(CARDS.delayDecline));
      kit.clock.now += 5000;
      await kit.workers.runEnquiries();
      assert.equal((await kit.payments.getOrder(kit.merchantId, o.id))?.status, 'cancelled');
      assert.deepEqual(
        (await kit.events()).map((e) => e.type),
        ['transaction.delayed', 'transaction.failed', 'order.cancel'],
      );
    });

    test('debited then declined: one pay-back, then transaction.paid_back', async () => {
      const o = await order();
      const r = await kit.service.pay(kit.merchantId, o.id, card(CARDS.debitDecline));
      assert.deepEqual(
        [r.outcome, r.transaction.status, r.transaction.debited, r.order.status],
        ['failed', 'payback_pending', true, 'cancelled'],
      );
      const pb = await kit.payments.paybackOf(r.transaction.id);
      assert.equal(pb?.status, 'pending');
      assert.equal(await kit.workers.runPaybacks(), 1);
      assert.equal(await kit.workers.runPaybacks(), 0);
      const txn = await kit.payments.getTransaction(kit.merchantId, r.transaction.id);
      assert.equal(txn?.status, 'paid_back');
      assert.deepEqual(
        (await kit.events()).map((e) => [e.type, e.data.status, e.data.sequence]),
        [
          ['transaction.failed', 'payback_pending', 1],
          ['order.cancel', 'payback_pending', 2],
          ['transaction.paid_back', 'paid_back', 3],
        ],
      );
      assert.deepEqual([...kit.bank.paybacksByReference().values()], [1]);
    });

    test('a pay-back that fails twice is retried on the schedule until the bank confirms', async () => {
      const o = await order();
      const r = await kit.service.pay(kit.merchantId, o.id, card(CARDS.paybackFailsTwice));
      assert.equal(await kit.workers.runPaybacks(), 0);
      let pb = await kit.payments.paybackOf(r.transaction.id);
      assert.deepEqual(
        [pb?.attempts, pb?.nextAttemptAt, pb?.lastError],
        [1, kit.clock.now + 1000, 'pay-back rejected by issuer, try again'],
      );
      kit.clock.now += 999;
      assert.equal(await kit.workers.runPaybacks(), 0);
      assert.equal(kit.bank.triesOf(pb!.id), 1, 'not due yet');
      kit.clock.now += 1;
      assert.equal(await kit.workers.runPaybacks(), 0);
      pb = await kit.payments.paybackOf(r.transaction.id);
      assert.deepEqual([pb?.attempts, pb?.nextAttemptAt], [2, kit.clock.now + 2000]);
      kit.clock.now += 2000;
      assert.equal(await kit.workers.runPaybacks(), 1);
      pb = await kit.payments.paybackOf(r.transaction.id);
      assert.deepEqual([pb?.status, pb?.attempts], ['confirmed', 3]);
      assert.equal((await kit.events()).filter((e) => e.type === 'transaction.paid_back').length, 1);
    });

    test('a pay-back confirmed at the bank but not recorded (crash) is sent again under the same id, paid once', async () => {
      const o = await order();
      const r = await kit.service.pay(kit.merchantId, o.id, card(CARDS.debitDecline));
      // The worker's first half: claim and ask the bank; then payhook dies before recording the answer.
      const [claimed] = await kit.payments.claimDuePaybacks({
        now: kit.clock.now,
        limit: 10,
        leaseMs: 30_000,
        owner: 'dead',
      });
      const answer = await kit.bank.payBack({
        paybackId: claimed.payback.id,
        transactionId: r.transaction.id,
        bankReference: claimed.bankReference!,
        amount: 10000,
        currency: 'AED',
        now: kit.clock.now,
      });
      assert.equal(answer.outcome, 'confirmed');
      await kit.restart();
      assert.equal(await kit.workers.runPaybacks(), 0, 'leased to the dead worker until the lease ends');
      kit.clock.now += 30_000;
      assert.equal(await kit.workers.runPaybacks(), 1);
      assert.equal((await kit.payments.getTransaction(kit.merchantId, r.transaction.id))?.status, 'paid_back');
      assert.deepEqual([...kit.bank.paybacksByReference().values()], [1], 'the bank moved the money once');
      assert.equal(kit.bank.triesOf(claimed.payback.id), 2);
    });

    test('a checkout interrupted before the bank answer was recorded is settled by an enquiry', async () => {
      const o = await order();
      const txn = await kit.payments.startTransaction({
        id: 'txn_01KB0000000000000000000000',
        orderId: o.id,
        merchantId: kit.merchantId,
        transactionNo: 'FLNABCDE0000000000000',
        paymentReference: '11111111-2222-4333-8444-555555555555',
        cardLastFour: '1111',
        now: kit.clock.now,
        checkAt: kit.clock.now + 5000,
      });
      await kit.bank.authorise({
        transactionId: txn.id,
        paymentReference: txn.paymentReference,
        amount: 10000,
        currency: 'AED',
        card: { number: CARDS.approve, expMonth: 12, expYear: 2030, cvc: '123' },
        now: kit.clock.now,
      });
      await kit.restart();
      assert.equal(await kit.workers.runEnquiries(), 0);
      kit.clock.now += 5000;
      assert.equal(await kit.workers.runEnquiries(), 1);
      assert.equal((await kit.payments.getOrder(kit.merchantId, o.id))?.status, 'paid');
    });

    test('the workers loop runs on its own and stops cleanly', async () => {
      const o = await order();
      const r = await kit.service.pay(kit.merchantId, o.id, card(CARDS.debitDecline));
      kit.workers.start();
      for (
        let i = 0;
        i < 200 && (await kit.payments.getTransaction(kit.merchantId, r.transaction.id))?.status !== 'paid_back';
        i++
      ) {
        await new Promise((res) => setTimeout(res, 10));
      }
      await kit.workers.stop();
      assert.equal((await kit.payments.getTransaction(kit.merchantId, r.transaction.id))?.status, 'paid_back');
    });
  });
}
