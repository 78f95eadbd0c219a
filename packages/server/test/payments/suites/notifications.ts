// Bank notifications through the service: authentication, bad bodies, idempotency, refusals, pay-backs.
// Run by payments/notifications.<backend>.test.ts on each backend with the same assertions.
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isPayhookError, type PayhookError } from '../../../src/errors.js';
import { signBankNotification } from '../../../src/payments/notifications.js';
import {
  BANK_KEY,
  CARDS,
  card,
  dropPaymentSchemas,
  openPaymentKit,
  type PaymentBackend,
  type PaymentKit,
} from '../testkit.js';

async function rejection(p: Promise<unknown>): Promise<PayhookError> {
  try {
    await p;
  } catch (err) {
    if (isPayhookError(err)) return err;
    throw err;
  }
  throw new Error('expected a PayhookError');
}

export function runNotificationSuite(backend: PaymentBackend): void {
  describe(`bank notifications on ${backend}`, () => {
    let kit: PaymentKit;
    beforeEach(async () => {
      kit = await openPaymentKit({ backend });
    });
    afterEach(async () => {
      await kit.close();
    });
    after(dropPaymentSchemas);

    const send = (body: object | string, key = BANK_KEY.id, secret = BANK_KEY.secret) => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      return kit.service.receiveNotification(key, signBankNotification(secret, text), text);
    };
    async function delayedPayment(reference = 'INV-1') {
      const order = await kit.service.createOrder(kit.merchantId, { reference, amount: 10000, currency: 'AED' });
      return kit.service.pay(kit.merchantId, order.id, card(CARDS.delayApprove));
    }

    test('a missing or unknown key, or a wrong signature, is bank_signature_invalid', async () => {
      const { transaction } = await delayedPayment();
      const body = JSON.stringify({ id: 'n1', payment_reference: transaction.paymentReference, status: 'approved' });
      for (const [key, sig] of [
        [undefined, signBankNotification(BANK_KEY.secret, body)],
        ['other', signBankNotification(BANK_KEY.secret, body)],
        [BANK_KEY.id, undefined],
        [BANK_KEY.id, signBankNotification('another-secret-0123456789', body)],
        [BANK_KEY.id, signBankNotification(BANK_KEY.secret, `${body} `)],
        [BANK_KEY.id, 'sha256=00'],
      ] as const) {
        const err = await rejection(kit.service.receiveNotification(key, sig, body));
        assert.deepEqual([err.code, err.status], ['bank_signature_invalid', 401]);
      }
      assert.equal((await kit.payments.getTransaction(kit.merchantId, transaction.id))?.status, 'delayed');
    });

    test('bad bodies get their own errors, unknown payment references 404', async () => {
      assert.equal((await rejection(send('{oops'))).code, 'invalid_json');
      assert.equal(
        (await rejection(send({ id: 'n', payment_reference: 'p', status: 'maybe' }))).code,
        'validation_failed',
      );
      assert.equal(
        (await rejection(send({ id: 'n', payment_reference: 'p', status: 'approved', extra: 1 }))).code,
        'unknown_field',
      );
      assert.equal(
        (await rejection(send({ id: 'n', payment_reference: 'p', status: 'approved', debited: true }))).code,
        'validation_failed',
      );
      assert.equal(
        (await rejection(send({ id: 'n', payment_reference: 'nope', status: 'approved' }))).code,
        'transaction_not_found',
      );
    });

    test('the same notification twice changes nothing and emits nothing new', async () => {
      const { transaction, order } = await delayedPayment();
      const body = {
        id: 'n1',
        payment_reference: transaction.paymentReference,
        status: 'approved',
        message: 'approved',
      };
      assert.deepEqual(await send(body), {
        result: 'applied',
        duplicate: false,
        transactionId: transaction.id,
        status: 'success',
      });
      const events = await kit.events();
      const deliveries = await kit.deliveries();
      assert.deepEqual(
        events.map((e) => e.type),
        ['transaction.delayed', 'transaction.success', 'order.success'],
      );
      assert.deepEqual(await send(body), {
        result: 'applied',
        duplicate: true,
        transactionId: transaction.id,
        status: 'success',
      });
      await kit.restart();
      assert.deepEqual(await send(body), {
        result: 'applied',
        duplicate: true,
        transactionId: transaction.id,
        status: 'success',
      });
      assert.deepEqual(await kit.events(), events);
      assert.equal(await kit.deliveries(), deliveries);
      assert.equal((await kit.payments.getOrder(kit.merchantId, order.id))?.sequence, 3);
      // Another id saying the same thing restates it: also nothing new.
      assert.deepEqual(await send({ ...body, id: 'n2' }), {
        result: 'restated',
        duplicate: false,
        transactionId: transaction.id,
        status: 'success',
      });
      assert.equal((await kit.events()).length, 3);
      // The same id with another body is a conflict, not a duplicate.
      assert.equal((await rejection(send({ ...body, message: 'changed' }))).code, 'notification_conflict');
      // The simulator's own clearance later is a restatement too.
      kit.clock.now += 10_000;
      assert.equal(await kit.workers.runEnquiries(), 0);
      assert.equal((await kit.events()).length, 3);
    });

    test('success after paid_back is refused with 409 transition_forbidden and recorded, once per notification', async () => {
      const order = await kit.service.createOrder(kit.merchantId, {
        reference: 'INV-9',
        amount: 10000,
        currency: 'AED',
      });
      const { transaction } = await kit.service.pay(kit.merchantId, order.id, card(CARDS.debitDecline));
      await kit.workers.runPaybacks();
      assert.equal((await kit.payments.getTransaction(kit.merchantId, transaction.id))?.status, 'paid_back');
      const before = await kit.events();
      const body = { id: 'late-1', payment_reference: transaction.paymentReference, status: 'approved' };
      const err = await rejection(send(body));
      assert.deepEqual([err.code, err.status], ['transition_forbidden', 409]);
      assert.deepEqual(err.details, {
        transaction_id: transaction.id,
        status: 'paid_back',
        event: 'approve',
        notification_id: 'late-1',
      });
      const again = await rejection(send(body));
      assert.deepEqual([again.code, again.details], [err.code, err.details]);
      const refusals = await kit.payments.refusalsOf(transaction.id);
      assert.deepEqual(
        refusals.map((r) => [r.fromStatus, r.event, r.source]),
        [['paid_back', 'approve', `notification:${BANK_KEY.id}:late-1`]],
      );
      assert.deepEqual(await kit.events(), before);
      assert.equal((await kit.payments.getTransaction(kit.merchantId, transaction.id))?.status, 'paid_back');
    });

    test('a declined-with-debit notification schedules exactly one pay-back; a paid_back notification confirms it', async () => {
      const { transaction } = await delayedPayment();
      await send({
        id: 'd1',
        payment_reference: transaction.paymentReference,
        status: 'declined',
        debited: true,
        message: 'declined after debit',
      });
      const pb = await kit.payments.paybackOf(transaction.id);
      assert.equal(pb?.status, 'pending');
      await send({ id: 'd2', payment_reference: transaction.paymentReference, status: 'declined', debited: true });
      assert.equal((await kit.payments.paybackOf(transaction.id))?.id, pb?.id);
      assert.deepEqual(await send({ id: 'p1', payment_reference: transaction.paymentReference, status: 'paid_back' }), {
        result: 'applied',
        duplicate: false,
        transactionId: transaction.id,
        status: 'paid_back',
      });
      assert.equal((await kit.payments.paybackOf(transaction.id))?.status, 'confirmed');
      assert.equal(await kit.workers.runPaybacks(), 0, 'nothing left to pay back');
      assert.deepEqual(
        (await kit.events()).map((e) => [e.type, e.data.sequence]),
        [
          ['transaction.delayed', 1],
          ['transaction.failed', 2],
          ['order.cancel', 3],
          ['transaction.paid_back', 4],
        ],
      );
    });
  });
}
