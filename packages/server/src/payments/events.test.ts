import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventTypesFor, paymentEventData, planEvents, toNewEvents } from './events.js';
import type { Order, Transaction } from './model.js';

const NOW = Date.UTC(2026, 10, 27, 5, 29, 26, 123);
const order: Order = {
  id: 'ord_01KB0000000000000000000000',
  merchantId: 'mer_01KB0000000000000000000000',
  reference: 'INV-1',
  amount: 10000,
  currency: 'AED',
  customerEmail: 'customer@example.com',
  customerMobile: '555534533',
  optional1: 'a',
  optional2: null,
  optional3: null,
  status: 'open',
  sequence: 0,
  amountRefunded: 0,
  createdAt: NOW,
  updatedAt: NOW,
};
const txn: Transaction = {
  id: 'txn_01KB0000000000000000000000',
  orderId: order.id,
  merchantId: order.merchantId,
  transactionNo: 'FLNIAREC61a859e4a8977',
  paymentReference: 'e8807a6b-4496-4b4d-a101-7eec0cf60754',
  amount: 10000,
  currency: 'AED',
  cardLastFour: '1111',
  status: 'success',
  bankMessage: 'approved',
  bankReference: 'sim.approve.1.x',
  debited: false,
  createdAt: NOW,
  updatedAt: NOW,
};

describe('payment events', () => {
  test('data has the agreed keys in the agreed order', () => {
    const data = paymentEventData({ ...order, status: 'paid' }, txn, 1);
    assert.deepEqual(Object.keys(data), [
      'order_id',
      'transaction_id',
      'reference',
      'transaction_no',
      'payment_reference',
      'amount',
      'amount_decimal',
      'currency',
      'status',
      'order_status',
      'bank_message',
      'customer_email',
      'customer_mobile',
      'card_last_four',
      'optional1',
      'optional2',
      'optional3',
      'sequence',
    ]);
    assert.equal(data.amount_decimal, '100.00');
    assert.equal(data.order_status, 'paid');
    assert.equal(data.sequence, 1);
  });

  test('each change emits its events in order', () => {
    assert.deepEqual(eventTypesFor('success'), ['transaction.success', 'order.success']);
    assert.deepEqual(eventTypesFor('failed'), ['transaction.failed', 'order.cancel']);
    assert.deepEqual(eventTypesFor('payback_pending'), ['transaction.failed', 'order.cancel']);
    assert.deepEqual(eventTypesFor('delayed'), ['transaction.delayed']);
    assert.deepEqual(eventTypesFor('paid_back'), ['transaction.paid_back']);
    assert.deepEqual(eventTypesFor('pending'), []);
  });

  test('sequences continue from the order, strictly increasing', () => {
    const planned = planEvents({ ...order, status: 'paid', sequence: 4 }, txn);
    assert.deepEqual(
      planned.map((p) => [p.type, p.sequence, p.data.sequence]),
      [
        ['transaction.success', 5, 5],
        ['order.success', 6, 6],
      ],
    );
  });

  test('new events carry the standard envelope around the exact data text', () => {
    const [e] = toNewEvents(order.merchantId, planEvents({ ...order, status: 'paid' }, txn), NOW);
    assert.match(e.id, /^evt_/);
    const body = JSON.parse(e.body);
    assert.deepEqual(body, {
      id: e.id,
      type: 'transaction.success',
      timestamp: '2026-11-27T05:29:26.123Z',
      livemode: false,
      data: JSON.parse(e.data),
    });
    assert.ok(e.body.endsWith(`"data":${e.data}}`));
    const [live] = toNewEvents(`${order.merchantId}_live`, planEvents({ ...order, status: 'paid' }, txn), NOW);
    assert.equal(JSON.parse(live.body).livemode, true, "a live scope's events are live");
  });
});
