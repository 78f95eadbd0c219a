/**
 * Refunds on a real database, run by payments/refunds.<backend>.test.ts on each backend with the same
 * assertions: full and partial refunds and the order's states, the money rule (never more than remains,
 * pending refunds holding their amount back, failed ones giving it back), what cannot be refunded,
 * idempotency keys, a refund interrupted before or after the bank refunded, and the outbox: a failure
 * inside a refund's database transaction leaves neither its state nor its event.
 */
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '../../../src/ids.js';
import { refundRequestSha256 } from '../../../src/payments/decide-refund.js';
import {
  CARDS,
  card,
  dropPaymentSchemas,
  errorCode as code,
  openPaymentKit,
  type PaymentBackend,
  type PaymentKit,
} from '../testkit.js';

export function runRefundSuite(backend: PaymentBackend): void {
  describe(`refunds on ${backend}`, () => {
    let kit: PaymentKit;
    beforeEach(async () => {
      kit = await openPaymentKit({ backend });
    });
    afterEach(async () => {
      await kit.close();
    });
    after(dropPaymentSchemas);

    /** A payment of 100.00 AED with `number`; its transaction. */
    async function paid(number: string = CARDS.approve, reference = 'INV-1') {
      const order = await kit.service.createOrder(kit.merchantId, { reference, amount: 10000, currency: 'AED' });
      return (await kit.service.pay(kit.merchantId, order.id, card(number))).transaction;
    }
    const refund = (txnId: string, input: Record<string, unknown> = {}) =>
      kit.service.refund(kit.merchantId, txnId, input);
    const order = async (txnId: string) =>
      (await kit.payments.getOrder(
        kit.merchantId,
        (await kit.payments.getTransaction(kit.merchantId, txnId))!.orderId,
      ))!;
    const types = async () => (await kit.events()).map((e) => e.type);

    test('a refund of all that remains: succeeded at once, the order refunded, both events in the same commits', async () => {
      const txn = await paid();
      const r = await refund(txn.id, { reason: 'changed mind' });
      assert.deepEqual(
        [r.created, r.refund.amount, r.refund.status, r.refund.reason, r.refund.bankMessage],
        [true, 10000, 'succeeded', 'changed mind', 'refunded'],
      );
      const o = await order(txn.id);
      assert.deepEqual([o.status, o.amountRefunded, o.sequence], ['refunded', 10000, 4]);
      assert.deepEqual(await types(), ['transaction.success', 'order.success', 'refund.created', 'refund.succeeded']);
      assert.equal(await kit.deliveries(), 4, 'one delivery per event, for the endpoint that takes everything');
      const log = await kit.payments.eventsOfOrder(o.id);
      assert.deepEqual(
        log.slice(2).map((e) => [e.type, e.sequence, e.refundId, e.status, e.orderStatus]),
        [
          ['refund.created', 3, r.refund.id, 'pending', 'paid'],
          ['refund.succeeded', 4, r.refund.id, 'succeeded', 'refunded'],
        ],
      );
      assert.deepEqual([...kit.bank.refundedByTransaction()], [[txn.id, 10000]]);
      assert.equal(await code(refund(txn.id)), 'refund_exceeds_remaining');
      assert.deepEqual(
        (await kit.payments.refundsOfTransaction(txn.id)).map((x) => x.id),
        [r.refund.id],
      );
      assert.equal((await kit.payments.getRefund(kit.merchantId, r.refund.id))?.status, 'succeeded');
    });

    test('partial refunds: a pending one holds its amount back until the bank answers; a failed one gives it back', async () => {
      const txn = await paid(CARDS.refundDelayed);
      const first = await refund(txn.id, { amount: 6000 });
      assert.equal(first.refund.status, 'pending');
      // 4000 remains while 6000 is pending.
      assert.equal(await code(refund(txn.id, { amount: 4001 })), 'refund_exceeds_remaining');
      const second = await refund(txn.id, { amount: 4000 });
      assert.equal(second.refund.status, 'pending');
      assert.equal(await code(refund(txn.id, { amount: 1 })), 'refund_exceeds_remaining');
      assert.equal((await order(txn.id)).status, 'paid', 'nothing returned yet');
      assert.equal(await kit.workers.runRefunds(), 0, 'not due yet');
      kit.clock.now += 5000; // past the simulator delay (3 s) and the check time
      assert.equal(await kit.workers.runRefunds(), 2);
      const o = await order(txn.id);
      assert.deepEqual([o.status, o.amountRefunded], ['refunded', 10000]);
      assert.deepEqual((await types()).slice(2), [
        'refund.created',
        'refund.created',
        'refund.succeeded',
        'refund.succeeded',
      ]);
      assert.equal(await kit.workers.runRefunds(), 0, 'nothing left to send');

      const declined = await paid(CARDS.refundFails, 'INV-2');
      const failed = await refund(declined.id, { amount: 2500 });
      assert.equal(failed.refund.status, 'failed');
      const again = await refund(declined.id, {});
      assert.deepEqual([again.refund.status, again.refund.amount], ['failed', 10000], 'all of it was refundable again');
      assert.deepEqual([(await order(declined.id)).status, (await order(declined.id)).amountRefunded], ['paid', 0]);
    });

    test('a payment that failed, was paid back or is not settled cannot be refunded; another merchant cannot see it', async () => {
      const debited = await paid(CARDS.debitDecline, 'INV-debit');
      assert.equal(await code(refund(debited.id)), 'transaction_not_refundable');
      await kit.workers.runPaybacks();
      assert.equal((await kit.payments.getTransaction(kit.merchantId, debited.id))?.status, 'paid_back');
      assert.equal(await code(refund(debited.id, { amount: 1 })), 'transaction_not_refundable');
      assert.equal(await code(refund((await paid(CARDS.decline, 'INV-decline')).id)), 'transaction_not_refundable');
      const delayed = await paid(CARDS.delayApprove, 'INV-delay');
      assert.equal(await code(refund(delayed.id)), 'transaction_not_refundable');
      const ok = await paid(CARDS.approve, 'INV-ok');
      assert.equal(await code(kit.service.refund(newId('mer'), ok.id, {})), 'transaction_not_found');
      assert.equal(await code(refund(newId('txn'))), 'transaction_not_found');
      assert.equal(await code(refund(ok.id, { amount: 0 })), 'invalid_amount');
      assert.equal(await code(refund(ok.id, { amount: 1.5 })), 'invalid_amount');
      assert.equal(await code(refund(ok.id, { amount: '9007199254740993' })), 'invalid_amount');
      assert.equal(await code(refund(ok.id, { reason: 5 })), 'validation_failed');
      assert.deepEqual(kit.bank.paybacksByTransaction().get(debited.id), 1);
      assert.deepEqual([...kit.bank.refundedByTransaction()], [], 'the bank was asked for nothing');
      assert.ok(!(await types()).some((t) => t.startsWith('refund.')), 'a refused refund emits nothing');
    });

    test('an idempotency key returns the first refund for the same request, refunds nothing more, and refuses another', async () => {
      const txn = await paid();
      const first = await refund(txn.id, { amount: 1000, idempotency_key: 'return-1' });
      const again = await refund(txn.id, { amount: 1000, idempotency_key: 'return-1' });
      assert.deepEqual([again.created, again.refund.id, again.refund.status], [false, first.refund.id, 'succeeded']);
      assert.equal(
        await code(refund(txn.id, { amount: 1001, idempotency_key: 'return-1' })),
        'refund_idempotency_conflict',
      );
      assert.equal(
        await code(refund(txn.id, { amount: 1000, reason: 'x', idempotency_key: 'return-1' })),
        'refund_idempotency_conflict',
      );
      const other = await refund(txn.id, { amount: 1000, idempotency_key: 'return-2' });
      assert.notEqual(other.refund.id, first.refund.id);
      assert.deepEqual(
        [(await order(txn.id)).amountRefunded, kit.bank.refundedByTransaction().get(txn.id)],
        [2000, 2000],
      );
    });

    for (const bankFirst of [false, true]) {
      test(`a refund interrupted ${bankFirst ? 'after the bank refunded' : 'before the bank was asked'} is sent again under its id and returns the money once`, async () => {
        const txn = await paid();
        const now = kit.clock.now;
        const made = await kit.payments.createRefund({
          id: newId('re', now),
          merchantId: kit.merchantId,
          transactionId: txn.id,
          amount: 3000,
          reason: null,
          idempotencyKey: null,
          requestSha256: refundRequestSha256(txn.id, 3000, null),
          now,
          checkAt: now + 5000,
        });
        assert.equal(made.result, 'created');
        if (made.result !== 'created') return;
        if (bankFirst) {
          const answer = await kit.bank.refund({
            refundId: made.refund.id,
            transactionId: txn.id,
            bankReference: made.transaction.bankReference ?? '',
            amount: 3000,
            currency: 'AED',
            requestedAt: now,
            now,
          });
          assert.equal(answer.outcome, 'succeeded');
        }
        await kit.restart(); // payhook stops before it recorded anything more
        assert.equal((await kit.payments.getRefund(kit.merchantId, made.refund.id))?.status, 'pending');
        assert.equal(await kit.workers.runRefunds(), 0, 'not due before its check time');
        kit.clock.now += 5000;
        assert.equal(await kit.workers.runRefunds(), 1);
        assert.equal((await kit.payments.getRefund(kit.merchantId, made.refund.id))?.status, 'succeeded');
        assert.deepEqual([...kit.bank.refundedByTransaction()], [[txn.id, 3000]], 'returned once');
        assert.deepEqual((await types()).slice(2), ['refund.created', 'refund.succeeded']);
        assert.deepEqual(
          [(await order(txn.id)).status, (await order(txn.id)).amountRefunded],
          ['partially_refunded', 3000],
        );
      });
    }

    for (const at of ['afterState', 'afterEvents'] as const) {
      test(`a failure ${at === 'afterState' ? 'after the refund was written' : 'after its event was appended'} leaves neither, when made and when settled`, async () => {
        const txn = await paid();
        const before = await order(txn.id);
        const fail = {
          [at]: () => {
            throw new Error('injected failure');
          },
        };
        await kit.restart({ faults: fail });
        await assert.rejects(refund(txn.id, { amount: 1000 }), /injected failure/);
        assert.deepEqual(await kit.payments.refundsOfTransaction(txn.id), []);
        assert.deepEqual(await order(txn.id), before);
        assert.deepEqual(await types(), ['transaction.success', 'order.success']);
        assert.equal(await kit.deliveries(), 2);

        // Made without the fault; then its answer fails to be recorded: it stays pending, nothing emitted.
        await kit.restart();
        const delayed = await paid(CARDS.refundDelayed, 'INV-2');
        const r = await refund(delayed.id, { amount: 1000 });
        assert.equal(r.refund.status, 'pending');
        await kit.restart({ faults: fail });
        kit.clock.now += 5000;
        assert.equal(await kit.workers.runRefunds(), 0);
        assert.equal((await kit.payments.getRefund(kit.merchantId, r.refund.id))?.status, 'pending');
        assert.equal((await types()).filter((t) => t === 'refund.succeeded').length, 0);
        // Nothing was lost: the bank's answer for that id is given again and recorded.
        await kit.restart();
        kit.clock.now += 5000;
        assert.equal(await kit.workers.runRefunds(), 1);
        assert.equal((await kit.payments.getRefund(kit.merchantId, r.refund.id))?.status, 'succeeded');
        assert.equal(kit.bank.refundedByTransaction().get(delayed.id), 1000);
        assert.deepEqual((await order(delayed.id)).amountRefunded, 1000);
      });
    }

    test('orders are found by their reference, and only the merchant`s own', async () => {
      const o = await kit.service.createOrder(kit.merchantId, { reference: 'INV-find', amount: 500, currency: 'JPY' });
      assert.deepEqual(await kit.payments.getOrderByReference(kit.merchantId, 'INV-find'), o);
      assert.equal(await kit.payments.getOrderByReference(kit.merchantId, 'INV-none'), null);
      assert.equal(await kit.payments.getOrderByReference(newId('mer'), 'INV-find'), null);
      const page = await kit.service.listOrders({ merchantId: kit.merchantId, reference: 'INV-find', limit: 10 });
      assert.deepEqual([page.items.map((x) => x.id), page.nextCursor], [[o.id], null]);
    });
  });
}
