// The transactional outbox: a payment state change, its events and their deliveries commit together.
// A failure thrown inside the database transaction, after the state was written or after the events
// were appended, must leave none of them. Run by payments/outbox.<backend>.test.ts on each backend: both
// payment stores call the same `faults` hooks inside their database transaction.
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CARDS, card, dropPaymentSchemas, openPaymentKit, type PaymentBackend, type PaymentKit } from '../testkit.js';

export function runOutboxSuite(backend: PaymentBackend): void {
  describe(`transactional outbox on ${backend}`, () => {
    let kit: PaymentKit;
    beforeEach(async () => {
      kit = await openPaymentKit({ backend });
    });
    afterEach(async () => {
      await kit.close();
    });
    after(dropPaymentSchemas);

    for (const at of ['afterState', 'afterEvents'] as const) {
      test(`a failure ${at === 'afterState' ? 'after the state change' : 'after the events were appended'} leaves neither`, async () => {
        const order = await kit.service.createOrder(kit.merchantId, {
          reference: 'INV-1',
          amount: 10000,
          currency: 'AED',
        });
        await kit.restart({
          faults: {
            [at]: () => {
              throw new Error('injected failure');
            },
          },
        });
        // Debited then declined touches everything: transaction, order, pay-back row, two events, log.
        await assert.rejects(kit.service.pay(kit.merchantId, order.id, card(CARDS.debitDecline)), /injected failure/);

        const [txn] = await kit.payments.transactionsOfOrder(order.id);
        assert.equal(txn.status, 'pending', 'the transaction kept its status');
        assert.equal(txn.debited, false);
        assert.equal((await kit.payments.getOrder(kit.merchantId, order.id))?.status, 'open');
        assert.equal((await kit.payments.getOrder(kit.merchantId, order.id))?.sequence, 0);
        assert.equal(await kit.payments.paybackOf(txn.id), null);
        assert.deepEqual(await kit.events(), []);
        assert.equal(await kit.deliveries(), 0);
        assert.deepEqual(await kit.payments.eventsOfOrder(order.id), []);

        // Nothing was lost either: without the fault, the enquiry settles it with all of its events.
        await kit.restart();
        kit.clock.now += 5000;
        assert.equal(await kit.workers.runEnquiries(), 1);
        assert.equal((await kit.payments.getTransaction(kit.merchantId, txn.id))?.status, 'payback_pending');
        assert.deepEqual(
          (await kit.events()).map((e) => e.type),
          ['transaction.failed', 'order.cancel'],
        );
        assert.equal(await kit.deliveries(), 2);
        assert.equal((await kit.payments.paybackOf(txn.id))?.status, 'pending');
      });
    }

    test('a failure while confirming a pay-back leaves it pending, and it is tried again', async () => {
      const order = await kit.service.createOrder(kit.merchantId, {
        reference: 'INV-2',
        amount: 10000,
        currency: 'AED',
      });
      const r = await kit.service.pay(kit.merchantId, order.id, card(CARDS.debitDecline));
      await kit.restart({
        faults: {
          afterEvents: () => {
            throw new Error('injected failure');
          },
        },
      });
      // The bank confirmed but the record rolled back: the row stays pending and leased, nothing emitted.
      assert.equal(await kit.workers.runPaybacks(), 0);
      assert.equal((await kit.payments.paybackOf(r.transaction.id))?.status, 'pending');
      assert.equal((await kit.payments.getTransaction(kit.merchantId, r.transaction.id))?.status, 'payback_pending');
      assert.equal((await kit.events()).filter((e) => e.type === 'transaction.paid_back').length, 0);
      await kit.restart();
      kit.clock.now += 60_000;
      assert.equal(await kit.workers.runPaybacks(), 1);
      assert.equal((await kit.events()).filter((e) => e.type === 'transaction.paid_back').length, 1);
      assert.deepEqual([...kit.bank.paybacksByReference().values()], [1]);
    });
  });
}
