/**
 * Test and live modes through the real API (src/modes.ts): a merchant gets an `sk_test_` and an
 * `sk_live_` key; every object belongs to the mode of the key that made it and says so (`livemode`);
 * a key of one mode gets the 404 of a missing object for every id of the other mode, and its lists
 * never show them; webhooks carry `livemode`; live payments answer `bank_not_configured` while no
 * bank is configured. Runs on SQLite here and on PostgreSQL through api.postgres.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, Receiver, eventually } from './api-harness.js';

const CARD = { card: { number: '4111111111111111', expiry: '12/30', cvc: '123' } };

/** One mode's objects: an endpoint, an event with its delivery, an order; test mode also pays and refunds. */
interface ModeWorld {
  key: string;
  endpointId: string;
  eventId: string;
  deliveryId: string;
  orderId: string;
  transactionId?: string;
  refundId?: string;
}

describe('test and live modes', () => {
  let h: Harness;
  let receiver: Receiver;
  let merchantId: string;
  let test_: ModeWorld;
  let live: ModeWorld;

  const make = async (key: string, path: string): Promise<ModeWorld> => {
    const ep = await h.call('POST', '/v1/endpoints', { key, body: { url: `${receiver.url}/${path}` } });
    assert.equal(ep.status, 201, ep.text);
    const ev = await h.call('POST', '/v1/events', { key, body: { type: 'shop.order_paid', data: { path } } });
    assert.equal(ev.status, 202, ev.text);
    const del = await h.call('GET', `/v1/deliveries?event_id=${ev.body.id}`, { key });
    const order = await h.call('POST', '/v1/orders', {
      key,
      body: { reference: `INV-${path}`, amount: 10000, currency: 'AED' },
    });
    assert.equal(order.status, 201, order.text);
    return {
      key,
      endpointId: ep.body.id,
      eventId: ev.body.id,
      deliveryId: del.body.data[0].id,
      orderId: order.body.id,
    };
  };

  before(async () => {
    receiver = await new Receiver().start();
    h = await Harness.start();
    const m = await h.call('POST', '/v1/merchants', { body: { name: 'Two modes' } });
    assert.equal(m.status, 201, m.text);
    merchantId = m.body.id;
    test_ = await make(m.body.api_key, 'test');
    live = await make(m.body.live_api_key, 'live');
    const paid = await h.call('POST', `/v1/orders/${test_.orderId}/transactions`, { key: test_.key, body: CARD });
    assert.equal(paid.status, 201, paid.text);
    test_.transactionId = paid.body.transaction.id;
    const refund = await h.call('POST', `/v1/transactions/${test_.transactionId}/refunds`, {
      key: test_.key,
      body: { amount: 1000 },
    });
    assert.equal(refund.status, 201, refund.text);
    test_.refundId = refund.body.id;
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  test('a new merchant gets one key of each mode, and each key lists its own mode only', async () => {
    assert.match(test_.key, /^sk_test_[A-Za-z0-9_-]{43}$/);
    assert.match(live.key, /^sk_live_[A-Za-z0-9_-]{43}$/);
    for (const [w, livemode] of [
      [test_, false],
      [live, true],
    ] as const) {
      const keys = await h.call('GET', '/v1/api-keys', { key: w.key });
      assert.equal(keys.status, 200, keys.text);
      assert.equal(keys.body.data.length, 1);
      assert.equal(keys.body.data[0].livemode, livemode);
      assert.equal(keys.body.data[0].prefix, w.key.slice(0, 12));
    }
    const issued = await h.call('POST', '/v1/api-keys', { key: live.key, body: { name: 'ci', scopes: ['read'] } });
    assert.equal(issued.status, 201, issued.text);
    assert.match(issued.body.key, /^sk_live_/, 'a live key issues live keys');
    assert.equal(issued.body.livemode, true);
    const other = await h.call('DELETE', `/v1/api-keys/${issued.body.id}`, { key: test_.key });
    assert.equal(other.status, 404, 'a test key cannot revoke a live key');
    assert.equal(other.body.error.code, 'api_key_not_found');
    const readOnly = await h.call('GET', `/v1/orders/${live.orderId}`, { key: issued.body.key });
    assert.equal(readOnly.status, 200, 'the issued live key works in live mode');
  });

  test('every object shows its mode and the merchant it belongs to', async () => {
    const paths = (w: ModeWorld) => [
      `/v1/endpoints/${w.endpointId}`,
      `/v1/events/${w.eventId}`,
      `/v1/deliveries/${w.deliveryId}`,
      `/v1/orders/${w.orderId}`,
      ...(w.transactionId ? [`/v1/transactions/${w.transactionId}`, `/v1/refunds/${w.refundId}`] : []),
    ];
    for (const [w, livemode] of [
      [test_, false],
      [live, true],
    ] as const) {
      for (const path of paths(w)) {
        const r = await h.call('GET', path, { key: w.key });
        assert.equal(r.status, 200, `${path}: ${r.text}`);
        assert.equal(r.body.livemode, livemode, path);
        assert.equal(r.body.merchant_id, merchantId, `${path} shows the merchant, not its scope`);
      }
    }
    assert.equal(paths(test_).length, 6, 'every resource of test mode is checked');
  });

  // Every route on one object, with the other mode's key: each must be the 404 of a missing object.
  const routes: [string, (w: ModeWorld) => string | null, unknown, string][] = [
    ['GET', (w) => `/v1/endpoints/${w.endpointId}`, undefined, 'endpoint_not_found'],
    ['PATCH', (w) => `/v1/endpoints/${w.endpointId}`, { description: 'taken' }, 'endpoint_not_found'],
    ['GET', (w) => `/v1/endpoints/${w.endpointId}/secret`, undefined, 'endpoint_not_found'],
    ['POST', (w) => `/v1/endpoints/${w.endpointId}/test`, undefined, 'endpoint_not_found'],
    ['GET', (w) => `/v1/events/${w.eventId}`, undefined, 'event_not_found'],
    ['POST', (w) => `/v1/events/${w.eventId}/resend`, undefined, 'event_not_found'],
    ['GET', (w) => `/v1/deliveries/${w.deliveryId}`, undefined, 'delivery_not_found'],
    ['POST', (w) => `/v1/deliveries/${w.deliveryId}/retry`, undefined, 'delivery_not_found'],
    ['GET', (w) => `/v1/orders/${w.orderId}`, undefined, 'order_not_found'],
    [
      'GET',
      (w) => (w.transactionId ? `/v1/transactions/${w.transactionId}` : null),
      undefined,
      'transaction_not_found',
    ],
    [
      'GET',
      (w) => (w.transactionId ? `/v1/transactions/${w.transactionId}/refunds` : null),
      undefined,
      'transaction_not_found',
    ],
    ['GET', (w) => (w.refundId ? `/v1/refunds/${w.refundId}` : null), undefined, 'refund_not_found'],
    ['DELETE', (w) => `/v1/endpoints/${w.endpointId}`, undefined, 'endpoint_not_found'],
  ];
  for (const [owner, caller] of [
    ['test', 'live'],
    ['live', 'test'],
  ] as const) {
    for (const [method, path, body, code] of routes) {
      test(`${method} a ${owner}-mode object with the ${caller} key → 404 ${code}`, async (t) => {
        const own = owner === 'test' ? test_ : live;
        const other = owner === 'test' ? live : test_;
        const p = path(own);
        if (p === null) return t.skip('live mode has no payment: no bank is configured');
        const r = await h.call(method, p, { key: other.key, body });
        assert.equal(r.status, 404, r.text);
        assert.equal(r.body.error.code, code);
        // The same answer as for an id that never existed: nothing tells the key the object is there.
        const missing = await h.call(method, p.replace(/_[0-9A-Z]{26}/, '_00000000000000000000000000'), {
          key: other.key,
          body,
        });
        assert.equal(r.body.error.message, missing.body.error.message);
        // The owner still sees it, unchanged.
        if (method === 'GET') assert.equal((await h.call(method, p, { key: own.key })).status, 200);
      });
    }
  }

  test("lists show only the key's mode, whatever the filter", async () => {
    for (const [w, other] of [
      [test_, live],
      [live, test_],
    ] as const) {
      for (const [path, own, theirs] of [
        ['/v1/endpoints', w.endpointId, other.endpointId],
        ['/v1/events', w.eventId, other.eventId],
        ['/v1/deliveries', w.deliveryId, other.deliveryId],
        [`/v1/deliveries?endpoint_id=${other.endpointId}`, null, other.deliveryId],
        [`/v1/deliveries?event_id=${other.eventId}`, null, other.deliveryId],
        ['/v1/orders', w.orderId, other.orderId],
        [`/v1/orders?reference=INV-${w === test_ ? 'live' : 'test'}`, null, other.orderId],
      ] as const) {
        const r = await h.call('GET', path, { key: w.key });
        assert.equal(r.status, 200, `${path}: ${r.text}`);
        const ids = r.body.data.map((x: { id: string }) => x.id);
        if (own) assert.ok(ids.includes(own), `${path} lists its own`);
        assert.ok(!ids.includes(theirs), `${path} does not list the other mode's`);
        for (const x of r.body.data) assert.equal(x.livemode, w === live, path);
      }
    }
  });

  test('a key names its own mode only; the admin key picks one with livemode', async () => {
    const wrong = await h.call('GET', `/v1/orders/${live.orderId}?livemode=true`, { key: test_.key });
    assert.equal(wrong.status, 404, wrong.text);
    assert.equal(wrong.body.error.code, 'merchant_not_found');
    const same = await h.call('GET', `/v1/orders/${live.orderId}?livemode=true`, { key: live.key });
    assert.equal(same.status, 200, same.text);
    const adminTest = await h.call('GET', `/v1/orders/${live.orderId}?merchant_id=${merchantId}`);
    assert.equal(adminTest.status, 404, 'the admin acts in test mode by default');
    const adminLive = await h.call('GET', `/v1/orders/${live.orderId}?merchant_id=${merchantId}&livemode=true`);
    assert.equal(adminLive.status, 200, adminLive.text);
    assert.equal(adminLive.body.livemode, true);
    const merchants = await h.call('GET', '/v1/merchants?limit=250');
    assert.deepEqual(
      merchants.body.data.filter((m: { id: string }) => m.id.startsWith(merchantId)).map((m: { id: string }) => m.id),
      [merchantId],
      'the live scope is not a merchant of its own',
    );
  });

  test('webhooks carry livemode in the envelope', async () => {
    for (const [w, path, livemode] of [
      [test_, '/test', false],
      [live, '/live', true],
    ] as const) {
      await eventually(
        async () => receiver.for(path).some((r) => JSON.parse(r.body).id === w.eventId),
        10_000,
        `${path} webhook`,
      );
      for (const r of receiver.for(path)) assert.equal(JSON.parse(r.body).livemode, livemode, r.body);
    }
  });

  test('live mode without a bank: paying and refunding answer 503 bank_not_configured, nothing is started', async () => {
    const pay = await h.call('POST', `/v1/orders/${live.orderId}/transactions`, { key: live.key, body: CARD });
    assert.equal(pay.status, 503, pay.text);
    assert.equal(pay.body.error.code, 'bank_not_configured');
    const order = await h.call('GET', `/v1/orders/${live.orderId}`, { key: live.key });
    assert.equal(order.body.status, 'open', order.text);
    assert.deepEqual(order.body.transactions, []);
    const refund = await h.call('POST', `/v1/transactions/${test_.transactionId}/refunds`, { key: live.key, body: {} });
    assert.equal(refund.status, 503, refund.text);
    assert.equal(refund.body.error.code, 'bank_not_configured');
  });
});

describe('test mode retry schedule (PAYHOOK_TEST_RETRY_SCHEDULE)', () => {
  let h: Harness;
  let receiver: Receiver;

  before(async () => {
    receiver = await new Receiver().start();
    receiver.on('/down', { kind: 'status', status: 503 });
    h = await Harness.start({
      delivery: { pollIntervalMs: 20, retrySchedule: [3_600_000], testRetrySchedule: [10, 10] },
    });
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  test('a failing test-mode delivery follows the test schedule; a live one the live schedule', async () => {
    const m = await h.call('POST', '/v1/merchants', { body: { name: 'Retries' } });
    const deliveryOf = async (key: string) => {
      assert.equal((await h.call('POST', '/v1/endpoints', { key, body: { url: `${receiver.url}/down` } })).status, 201);
      const ev = await h.call('POST', '/v1/events', { key, body: { type: 'shop.order_paid', data: {} } });
      return (await h.call('GET', `/v1/deliveries?event_id=${ev.body.id}`, { key })).body.data[0].id as string;
    };
    const testDelivery = await deliveryOf(m.body.api_key);
    const liveDelivery = await deliveryOf(m.body.live_api_key);
    // Test mode: three attempts (two retries), then failed.
    await eventually(
      async () =>
        (await h.call('GET', `/v1/deliveries/${testDelivery}`, { key: m.body.api_key })).body.status === 'failed',
      10_000,
      'the test delivery used up its two quick retries',
    );
    const t = await h.call('GET', `/v1/deliveries/${testDelivery}`, { key: m.body.api_key });
    assert.equal(t.body.attempt_count, 3);
    // Live mode: one attempt, the next one the live schedule's hour away.
    await eventually(
      async () =>
        (await h.call('GET', `/v1/deliveries/${liveDelivery}`, { key: m.body.live_api_key })).body.attempt_count === 1,
      10_000,
      'the live delivery tried once',
    );
    const l = await h.call('GET', `/v1/deliveries/${liveDelivery}`, { key: m.body.live_api_key });
    assert.equal(l.body.status, 'pending');
    assert.ok(Date.parse(l.body.next_attempt_at) - Date.now() > 30 * 60_000, l.body.next_attempt_at);
  });
});
