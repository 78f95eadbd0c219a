/**
 * A payment's events on an ordered endpoint: `transaction.success` and `order.success` share the order
 * id as their ordering key, so while the first is being retried the second waits, and the receiver
 * accepts them in that order. The receiver fails the first requests it gets; without ordering,
 * `order.success` would go out (and be accepted) while `transaction.success` waits for its retry.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, Receiver, eventually } from './api-harness.js';

const PAYMENTS = { simulatorDelayMs: 50, checkIntervalMs: 50, pollIntervalMs: 20, paybackSchedule: [50] };
const CARD = { card: { number: '4111 1111 1111 1111', expiry: '12/30', cvc: '123' } };

let h: Harness;
let rx: Receiver;

before(async () => {
  rx = await new Receiver().start();
  h = await Harness.start({ delivery: { retrySchedule: [100, 100, 100, 100], retryJitter: 0 } }, undefined, {
    payments: PAYMENTS,
  });
});
after(async () => {
  await h?.close();
  await rx?.close();
});

test("a payment's transaction.success reaches an ordered endpoint before its order.success", async () => {
  const key = (await h.call('POST', '/v1/merchants', { body: { name: 'shop' } })).body.api_key;
  rx.on('/ordered', { kind: 'fail-then-ok', failures: 3 });
  const ep = await h.call('POST', '/v1/endpoints', {
    key,
    body: { url: `${rx.url}/ordered`, ordered: true, event_types: ['transaction.*', 'order.*'] },
  });
  assert.equal(ep.status, 201, ep.text);
  const order = await h.call('POST', '/v1/orders', {
    key,
    body: { reference: 'ORD-1', amount: 10000, currency: 'AED' },
  });
  assert.equal(order.status, 201, order.text);
  const paid = await h.call('POST', `/v1/orders/${order.body.id}/transactions`, { key, body: CARD });
  assert.equal(paid.status, 201, paid.text);
  const seen = () =>
    rx.for('/ordered').map((r) => JSON.parse(r.body) as { id: string; type: string; data: { order_id?: string } });
  await eventually(
    () => seen().filter((e) => e.type === 'order.success').length > 0 && rx.for('/ordered').length >= 5,
    20_000,
    'both events accepted',
  );
  const types = seen()
    .filter((e) => e.data.order_id === order.body.id)
    .map((e) => e.type);
  // The first three requests failed: all were transaction.success (retried), then it was accepted, then
  // order.success went out.
  const firstOrder = types.indexOf('order.success');
  assert.ok(firstOrder > 0, types.join(','));
  assert.ok(
    types.slice(0, firstOrder).every((t) => t === 'transaction.success'),
    `order.success went out before transaction.success was accepted: ${types.join(',')}`,
  );
  assert.equal(types.slice(0, firstOrder).length, 4, 'three failures and the accepted one');
  const events = await h.call('GET', `/v1/events?type=order.success`, { key });
  assert.equal(events.body.data[0].ordering_key, order.body.id);
});
