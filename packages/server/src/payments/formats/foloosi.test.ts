import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { BankSimulator } from '../bank.js';
import { parseCard, lastFour } from '../cards.js';
import { paymentEventData, PAYMENT_EVENT_TYPES } from '../events.js';
import type { Order, Refund, Transaction } from '../model.js';
import { planRefundEvent } from '../refund-events.js';
import { FOLOOSI_STATUS, foloosiBody, foloosiPayload } from './foloosi.js';

// The provider's sample, copied byte for byte into the repository so a clean clone can run the test;
// the second test checks the copy against the seed itself wherever the seed is present.
const FIXTURE = new URL('./fixtures/foloosi-success-sample.json', import.meta.url);
const SEED = new URL('../../../../../../shared/seed/foloosi-success-sample.json', import.meta.url);
const NOW = Date.UTC(2026, 10, 27, 5, 29, 26);

async function sampleOrderAndTransaction(): Promise<{ order: Order; txn: Transaction }> {
  const order: Order = {
    id: 'ord_01KB0000000000000000000000',
    merchantId: 'mer_01KB0000000000000000000000',
    reference: 'FLSSUB-298617',
    amount: 10000,
    currency: 'AED',
    customerEmail: 'customer@example.com',
    customerMobile: '555534533',
    optional1: 'FLSSUB_298617f8667047bb',
    optional2: 'Online Class',
    optional3: 'Foloosi developer',
    status: 'paid',
    sequence: 2,
    amountRefunded: 0,
    createdAt: NOW,
    updatedAt: NOW,
  };
  // The transaction goes through the simulator with the approved test card, as a real payment would.
  const card = parseCard({ number: '4111 1111 1111 1111', expiry: '12/30', cvc: '123' }, NOW);
  const paymentReference = 'e8807a6b-4496-4b4d-a101-7eec0cf60754';
  const bank = await new BankSimulator().authorise({
    transactionId: 'txn_x',
    paymentReference,
    amount: order.amount,
    currency: 'AED',
    card,
    now: NOW,
  });
  assert.equal(bank.outcome, 'approved');
  const txn: Transaction = {
    id: 'txn_01KB0000000000000000000000',
    orderId: order.id,
    merchantId: order.merchantId,
    transactionNo: 'FLNIAREC61a859e4a8977',
    paymentReference,
    amount: order.amount,
    currency: order.currency,
    cardLastFour: lastFour(card.number),
    status: 'success',
    bankMessage: bank.message,
    bankReference: bank.bankReference,
    debited: false,
    createdAt: NOW,
    updatedAt: NOW,
  };
  return { order, txn };
}

describe('foloosi format', () => {
  test('golden: rebuilds the provider sample byte for byte', async () => {
    const { order, txn } = await sampleOrderAndTransaction();
    const data = paymentEventData(order, txn, 1);
    const rebuilt = `${JSON.stringify(foloosiPayload('transaction.success', data), null, 2)}\n`;
    assert.equal(rebuilt, readFileSync(FIXTURE, 'utf8'));
    // The wire body is the same document, compact.
    assert.equal(
      foloosiBody('transaction.success', JSON.stringify(data)),
      JSON.stringify(JSON.parse(readFileSync(FIXTURE, 'utf8'))),
    );
  });

  test('the fixture is the seed sample', {
    skip: existsSync(SEED) ? false : 'the seed folder is not beside this clone',
  }, () => {
    assert.equal(readFileSync(FIXTURE, 'utf8'), readFileSync(SEED, 'utf8'));
  });

  test('every payment event type has its status, and the shape never changes', async () => {
    const { order, txn } = await sampleOrderAndTransaction();
    const data = paymentEventData(order, txn, 1);
    const keys = JSON.stringify(Object.keys(foloosiPayload('transaction.success', data).data.transfer));
    for (const type of PAYMENT_EVENT_TYPES) {
      const p = foloosiPayload(type, data);
      assert.equal(p.data.transfer.transaction_status, FOLOOSI_STATUS[type]);
      assert.equal(JSON.stringify(Object.keys(p.data.transfer)), keys);
    }
    assert.deepEqual(Object.values(FOLOOSI_STATUS), [
      'success',
      'delayed',
      'failed',
      'paid_back',
      'paid',
      'cancelled',
      'refund_pending',
      'refunded',
      'refund_failed',
    ]);
  });

  test("a refund event keeps the shape: its payment's numbers, the refund's amount and the bank's word on it", async () => {
    const { order, txn } = await sampleOrderAndTransaction();
    const refund: Refund = {
      id: 're_01KB0000000000000000000000',
      transactionId: txn.id,
      orderId: order.id,
      merchantId: order.merchantId,
      amount: 2550,
      currency: 'AED',
      reason: null,
      status: 'succeeded',
      bankMessage: 'refunded',
      idempotencyKey: null,
      requestSha256: 'x',
      nextCheckAt: null,
      createdAt: NOW,
      updatedAt: NOW,
    };
    const after = { ...order, status: 'partially_refunded' as const, amountRefunded: 2550 };
    const { type, data } = planRefundEvent(order, after, txn, refund);
    const transfer = foloosiPayload(type, data).data.transfer;
    assert.deepEqual(
      [
        transfer.transaction_status,
        transfer.transaction_no,
        transfer.payment_reference,
        transfer.transaction_amount,
        transfer.transaction_message,
        transfer.api.card_last_four,
      ],
      ['refunded', txn.transactionNo, txn.paymentReference, '25.5', 'refunded', null],
    );
  });

  test('amounts print without trailing zeros in every exponent', async () => {
    const { order, txn } = await sampleOrderAndTransaction();
    const cases: [number, string, string][] = [
      [10050, 'AED', '100.5'],
      [5, 'AED', '0.05'],
      [500, 'JPY', '500'],
      [100500, 'KWD', '100.5'],
      [100000, 'BHD', '100'],
    ];
    for (const [amount, currency, want] of cases) {
      const data = paymentEventData({ ...order, currency }, { ...txn, amount, currency }, 1);
      assert.equal(
        foloosiPayload('transaction.success', data).data.transfer.transaction_amount,
        want,
        `${amount} ${currency}`,
      );
    }
  });

  test('a non-payment event keeps the shape with nulls', () => {
    const p = foloosiPayload('invoice.created', { status: 'created', amount_decimal: '12.50', currency: 'USD' });
    assert.equal(p.data.transfer.transaction_status, 'created');
    assert.equal(p.data.transfer.transaction_amount, '12.5');
    assert.equal(p.data.transfer.transaction_no, null);
    assert.equal(p.data.transfer.api.card_last_four, null);
    assert.equal(JSON.parse(foloosiBody('x.y', '[1]')).data.transfer.transaction_status, 'x.y');
  });
});
