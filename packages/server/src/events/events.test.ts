import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEnvelope, dataOfEnvelope } from '../store/envelope.js';
import { matcherFor } from '../store/fanout.js';
import { isValidEventType, isValidFilter } from './filter.js';

test('the envelope is valid JSON with the data as given, and the data can be read back exactly', () => {
  const data = JSON.stringify({ amount: 10000, note: 'a "quoted" ,"data": value', nested: { x: [1, 2] } });
  const body = buildEnvelope('evt_01', 'order.success', Date.parse('2026-11-27T05:29:26.123Z'), data, false);
  assert.deepEqual(JSON.parse(body), {
    id: 'evt_01',
    type: 'order.success',
    timestamp: '2026-11-27T05:29:26.123Z',
    livemode: false,
    data: JSON.parse(data),
  });
  assert.equal(dataOfEnvelope(body), data);
  assert.equal(JSON.parse(buildEnvelope('evt_02', 'order.success', 0, data, true)).livemode, true);
});

test('event types are dotted words', () => {
  for (const t of ['order.success', 'transaction.paid_back', 'a', 'A.b_c.9']) assert.ok(isValidEventType(t), t);
  for (const t of ['', 'order.', '.order', 'order..x', 'order success', 'order.*', 'ordér', 'x'.repeat(129)])
    assert.ok(!isValidEventType(t), t);
});

test('filters take exact names and prefix wildcards', () => {
  for (const f of ['order.success', 'order.*', '*', 'transaction.card.*']) assert.ok(isValidFilter(f), f);
  for (const f of ['order*', '*.success', 'order.**', '']) assert.ok(!isValidFilter(f), f);
  const m = matcherFor(JSON.stringify(['order.*', 'transaction.success']));
  assert.ok(m('order.success') && m('order.cancel') && m('order.x.y') && m('transaction.success'));
  assert.ok(!m('order') && !m('transaction.failed') && !m('orders.success'));
  assert.ok(matcherFor(null)('anything.at.all'));
  assert.ok(matcherFor('["*"]')('x'));
});
