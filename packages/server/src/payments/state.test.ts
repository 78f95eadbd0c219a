import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isFinal,
  orderEventFor,
  restates,
  transition,
  transitionOrder,
  transitionRefund,
  TRANSACTION_STATUSES,
  ORDER_STATUSES,
  REFUND_STATUSES,
  type OrderEvent,
  type OrderStatus,
  type TransactionEvent,
  type TransactionStatus,
} from './state.js';

const EVENTS: TransactionEvent[] = [
  'approve',
  'delay',
  'decline',
  'decline_debited',
  'schedule_payback',
  'confirm_payback',
];

describe('transaction state machine', () => {
  test('exactly the drawn transitions are allowed', () => {
    const allowed: Record<string, TransactionStatus> = {
      'pending approve': 'success',
      'pending delay': 'delayed',
      'pending decline': 'failed',
      'pending decline_debited': 'failed',
      'delayed approve': 'success',
      'delayed decline': 'failed',
      'delayed decline_debited': 'failed',
      'failed schedule_payback': 'payback_pending',
      'payback_pending confirm_payback': 'paid_back',
    };
    for (const s of TRANSACTION_STATUSES) {
      for (const e of EVENTS) {
        const r = transition(s, e);
        const want = allowed[`${s} ${e}`];
        if (want) assert.deepEqual(r, { ok: true, from: s, event: e, to: want });
        else assert.deepEqual(r, { ok: false, from: s, event: e, code: 'transition_forbidden' }, `${s} ${e}`);
      }
    }
  });

  test('success after paid_back is forbidden, and so is anything after success', () => {
    assert.equal(transition('paid_back', 'approve').ok, false);
    for (const e of EVENTS) assert.equal(transition('success', e).ok, false);
    assert.equal(isFinal('success'), true);
    assert.equal(isFinal('paid_back'), true);
    assert.equal(isFinal('delayed'), false);
  });

  test('restatements are exactly the events that would lead where the transaction already is', () => {
    assert.equal(restates('success', 'approve'), true);
    assert.equal(restates('delayed', 'delay'), true);
    assert.equal(restates('failed', 'decline'), true);
    assert.equal(restates('payback_pending', 'decline_debited'), true);
    assert.equal(restates('paid_back', 'decline_debited'), true);
    assert.equal(restates('paid_back', 'approve'), false);
    assert.equal(restates('pending', 'approve'), false);
    assert.equal(restates('payback_pending', 'decline'), false);
    // A restatement is never also an allowed transition.
    for (const s of TRANSACTION_STATUSES)
      for (const e of EVENTS) assert.ok(!(restates(s, e) && transition(s, e).ok), `${s} ${e}`);
  });
});

describe('order state machine', () => {
  test('open becomes paid or cancelled, once', () => {
    assert.deepEqual(transitionOrder('open', 'pay'), { ok: true, from: 'open', event: 'pay', to: 'paid' });
    assert.deepEqual(transitionOrder('open', 'cancel'), { ok: true, from: 'open', event: 'cancel', to: 'cancelled' });
    for (const s of ORDER_STATUSES.filter((x) => x !== 'open')) {
      assert.equal(transitionOrder(s, 'pay').ok, false);
      assert.equal(transitionOrder(s, 'cancel').ok, false);
    }
    assert.equal(orderEventFor('success'), 'pay');
    assert.equal(orderEventFor('failed'), 'cancel');
    assert.equal(orderEventFor('delayed'), null);
    assert.equal(orderEventFor('paid_back'), null);
  });
});

describe('refunds move a paid order, and a refund settles once', () => {
  test('exactly the drawn order transitions are allowed', () => {
    const allowed: Record<string, OrderStatus> = {
      'open pay': 'paid',
      'open cancel': 'cancelled',
      'paid refund_part': 'partially_refunded',
      'paid refund_all': 'refunded',
      'partially_refunded refund_part': 'partially_refunded',
      'partially_refunded refund_all': 'refunded',
    };
    const events: OrderEvent[] = ['pay', 'cancel', 'refund_part', 'refund_all'];
    for (const s of ORDER_STATUSES) {
      for (const e of events) {
        const want = allowed[`${s} ${e}`];
        const r = transitionOrder(s, e);
        if (want) assert.deepEqual(r, { ok: true, from: s, event: e, to: want });
        else assert.equal(r.ok, false, `${s} ${e}`);
      }
    }
  });

  test('a pending refund succeeds or fails, and nothing happens to a settled one', () => {
    assert.deepEqual(transitionRefund('pending', 'succeed'), {
      ok: true,
      from: 'pending',
      event: 'succeed',
      to: 'succeeded',
    });
    assert.deepEqual(transitionRefund('pending', 'fail'), { ok: true, from: 'pending', event: 'fail', to: 'failed' });
    for (const s of REFUND_STATUSES.filter((x) => x !== 'pending'))
      for (const e of ['succeed', 'fail'] as const) assert.equal(transitionRefund(s, e).ok, false, `${s} ${e}`);
  });
});
