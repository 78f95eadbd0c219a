import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BankSimulator, type AuthoriseRequest } from './bank.js';
import type { Card } from './cards.js';

const NOW = Date.UTC(2026, 10, 27);
function card(number: string): Card {
  return { number, expMonth: 12, expYear: 2030, cvc: '123' };
}
function req(number: string, now = NOW): AuthoriseRequest {
  return {
    transactionId: 'txn_1',
    paymentReference: 'e8807a6b-4496-4b4d-a101-7eec0cf60754',
    amount: 10000,
    currency: 'AED',
    card: card(number),
    now,
  };
}

describe('bank simulator', () => {
  test('immediate outcomes', async () => {
    const bank = new BankSimulator();
    assert.deepEqual(await bank.authorise(req('4111111111111111')), {
      outcome: 'approved',
      bankReference: `sim.approve.${NOW}.e8807a6b-4496-4b4d-a101-7eec0cf60754`,
      message: 'approved',
    });
    const declined = await bank.authorise(req('4000000000000002'));
    assert.equal(declined.outcome, 'declined');
    assert.equal(declined.outcome === 'declined' && declined.debited, false);
    const debited = await bank.authorise(req('4000000000003006'));
    assert.equal(debited.outcome === 'declined' && debited.debited, true);
  });

  test('delayed cards decide after the configured delay, from the reference alone', async () => {
    const bank = new BankSimulator({ delayMs: 1000 });
    const first = await bank.authorise(req('4000000000001000'));
    assert.equal(first.outcome, 'delayed');
    // A fresh simulator (payhook restarted) still resolves it: the state is in the reference.
    const other = new BankSimulator({ delayMs: 1000 });
    const before = await other.enquire({
      transactionId: 'txn_1',
      paymentReference: 'p',
      bankReference: first.bankReference,
      now: NOW + 999,
    });
    assert.equal(before.outcome, 'delayed');
    const after = await other.enquire({
      transactionId: 'txn_1',
      paymentReference: 'p',
      bankReference: first.bankReference,
      now: NOW + 1000,
    });
    assert.equal(after.outcome, 'approved');
    const dd = await bank.authorise(req('4000000000002008'));
    const ddAfter = await bank.enquire({
      transactionId: 'txn_1',
      paymentReference: 'p',
      bankReference: dd.bankReference,
      now: NOW + 5000,
    });
    assert.deepEqual([ddAfter.outcome, ddAfter.outcome === 'declined' && ddAfter.debited], ['declined', false]);
    const ddb = await bank.authorise(req('4000000000005001'));
    const ddbAfter = await bank.enquire({
      transactionId: 'txn_1',
      paymentReference: 'p',
      bankReference: ddb.bankReference,
      now: NOW + 5000,
    });
    assert.deepEqual([ddbAfter.outcome, ddbAfter.outcome === 'declined' && ddbAfter.debited], ['declined', true]);
    assert.throws(() => new BankSimulator({ delayMs: -1 }), RangeError);
  });

  test('an enquiry without a bank reference finds the payment by reference, or declines one never seen', async () => {
    const bank = new BankSimulator({ delayMs: 1000 });
    await bank.authorise(req('4111111111111111'));
    const found = await bank.enquire({
      transactionId: 'txn_1',
      paymentReference: 'e8807a6b-4496-4b4d-a101-7eec0cf60754',
      bankReference: null,
      now: NOW,
    });
    assert.equal(found.outcome, 'approved');
    const unknown = await bank.enquire({
      transactionId: 'txn_2',
      paymentReference: 'never-seen',
      bankReference: null,
      now: NOW,
    });
    assert.deepEqual([unknown.outcome, unknown.outcome === 'declined' && unknown.debited], ['declined', false]);
  });

  test('a pay-back of the fails-twice card is confirmed on the third try, and moves money once per id', async () => {
    const bank = new BankSimulator();
    const a = await bank.authorise(req('4000000000004004'));
    const pb = {
      paybackId: 'pb_1',
      transactionId: 'txn_1',
      bankReference: a.bankReference,
      amount: 10000,
      currency: 'AED',
      now: NOW,
    };
    assert.equal((await bank.payBack(pb)).outcome, 'failed');
    assert.equal((await bank.payBack(pb)).outcome, 'failed');
    assert.equal((await bank.payBack(pb)).outcome, 'confirmed');
    assert.equal((await bank.payBack(pb)).outcome, 'confirmed');
    assert.equal(bank.triesOf('pb_1'), 4);
    assert.deepEqual([...bank.paybacksByReference()], [[a.bankReference, 1]]);
  });

  test('an ordinary debited decline is paid back at the first try', async () => {
    const bank = new BankSimulator();
    const a = await bank.authorise(req('4000000000003006'));
    const r = await bank.payBack({
      paybackId: 'pb_2',
      transactionId: 'txn_1',
      bankReference: a.bankReference,
      amount: 10000,
      currency: 'AED',
      now: NOW,
    });
    assert.equal(r.outcome, 'confirmed');
  });

  describe('refunds', () => {
    const refund = (bankReference: string, refundId: string, amount: number, now = NOW, requestedAt = NOW) => ({
      refundId,
      transactionId: 'txn_1',
      bankReference,
      amount,
      currency: 'AED',
      requestedAt,
      now,
    });

    test('an approved payment refunds at once, up to what it took; the same refund id again moves no money', async () => {
      const bank = new BankSimulator();
      const { bankReference } = await bank.authorise(req('4111111111111111'));
      assert.deepEqual(await bank.refund(refund(bankReference, 're_1', 2500)), {
        outcome: 'succeeded',
        message: 'refunded',
      });
      assert.equal((await bank.refund(refund(bankReference, 're_1', 2500))).outcome, 'succeeded');
      assert.equal((await bank.refund(refund(bankReference, 're_2', 7500))).outcome, 'succeeded');
      assert.deepEqual([...bank.refundedByTransaction()], [['txn_1', 10000]]);
      // More than remains at the bank: refused, and counted (payhook must never ask).
      assert.deepEqual(await bank.refund(refund(bankReference, 're_3', 1)), {
        outcome: 'failed',
        message: 'refund exceeds what the payment took',
      });
      assert.equal(bank.refundsTooLarge(), 1);
      assert.deepEqual([...bank.returnedByTransaction()], [['txn_1', 10000]]);
    });

    test('the "refund delayed" card refunds after the simulator delay, counted from when the refund was made', async () => {
      const bank = new BankSimulator({ delayMs: 1000 });
      const { bankReference } = await bank.authorise(req('4000000000006009'));
      assert.equal((await bank.refund(refund(bankReference, 're_1', 100, NOW + 500, NOW))).outcome, 'delayed');
      // Sent again later (the worker, or a restarted payhook): decided by the time since the refund was made.
      const later = new BankSimulator({ delayMs: 1000 });
      assert.equal((await later.refund(refund(bankReference, 're_1', 100, NOW + 999, NOW))).outcome, 'delayed');
      assert.equal((await later.refund(refund(bankReference, 're_1', 100, NOW + 1000, NOW))).outcome, 'succeeded');
    });

    test('the "refund fails" card is refused every time; a payment that was not approved has nothing to refund', async () => {
      const bank = new BankSimulator();
      const fails = await bank.authorise(req('4000000000007007'));
      assert.deepEqual(await bank.refund(refund(fails.bankReference, 're_1', 100)), {
        outcome: 'failed',
        message: 'refund declined by issuer',
      });
      assert.equal((await bank.refund(refund(fails.bankReference, 're_2', 100))).outcome, 'failed');
      for (const number of ['4000000000000002', '4000000000003006']) {
        const declined = await bank.authorise(req(number));
        assert.equal((await bank.refund(refund(declined.bankReference, `re_${number}`, 100))).outcome, 'failed');
      }
      assert.deepEqual([...bank.refundedByTransaction()], []);
    });
  });
});
