/**
 * Tenant isolation, route by route: merchant A's key cannot see or touch merchant B's endpoints,
 * events or deliveries, and another merchant's object answers exactly like one that does not exist.
 * Also what the admin key may do, and may not.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, Receiver, world, type Tenant } from './api-harness.js';

describe('tenant isolation', () => {
  let h: Harness;
  let receiver: Receiver;
  let a: Tenant;
  let b: Tenant;
  let bSecret: string;

  before(async () => {
    receiver = await new Receiver().start();
    h = await Harness.start();
    ({ a, b } = await world(h, receiver));
    bSecret = (await h.call('GET', `/v1/endpoints/${b.endpointId}/secret`, { key: b.key })).body.secret;
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  // Every route on one object, with B's object and A's key: each must be the 404 of a missing object.
  const onB: [string, (t: Tenant) => string, unknown, string][] = [
    ['GET', (t) => `/v1/endpoints/${t.endpointId}`, undefined, 'endpoint_not_found'],
    ['PATCH', (t) => `/v1/endpoints/${t.endpointId}`, { disabled: true }, 'endpoint_not_found'],
    ['POST', (t) => `/v1/endpoints/${t.endpointId}/rotate-secret`, undefined, 'endpoint_not_found'],
    ['GET', (t) => `/v1/endpoints/${t.endpointId}/secret`, undefined, 'endpoint_not_found'],
    ['POST', (t) => `/v1/endpoints/${t.endpointId}/recover`, { since: '2020-01-01T00:00:00Z' }, 'endpoint_not_found'],
    ['POST', (t) => `/v1/endpoints/${t.endpointId}/test`, undefined, 'endpoint_not_found'],
    ['DELETE', (t) => `/v1/endpoints/${t.endpointId}`, undefined, 'endpoint_not_found'],
    ['GET', (t) => `/v1/events/${t.eventId}`, undefined, 'event_not_found'],
    ['POST', (t) => `/v1/events/${t.eventId}/resend`, undefined, 'event_not_found'],
    ['GET', (t) => `/v1/deliveries/${t.deliveryId}`, undefined, 'delivery_not_found'],
    ['POST', (t) => `/v1/deliveries/${t.deliveryId}/retry`, undefined, 'delivery_not_found'],
  ];

  for (const [method, path, body, code] of onB) {
    test(`${method} ${path({ endpointId: '{B ep}', eventId: '{B evt}', deliveryId: '{B del}' } as Tenant)} with A's key → 404 ${code}`, async () => {
      const r = await h.call(method, path(b), { key: a.key, body });
      assert.equal(r.status, 404, r.text);
      assert.equal(r.body.error.code, code);
      // The same answer as for an id that never existed: nothing tells A that B's object is there.
      assert.equal(
        r.body.error.message,
        (await h.call(method, path(a).replace(/_[0-9A-Z]{26}/, '_00000000000000000000000000'), { key: a.key, body }))
          .body.error.message,
      );
      // B still sees its own object.
      if (method === 'GET') assert.equal((await h.call(method, path(b), { key: b.key })).status, 200);
    });
  }

  test("A's attempts changed nothing of B's: endpoint enabled, same secret, delivery as it was", async () => {
    const ep = await h.call('GET', `/v1/endpoints/${b.endpointId}`, { key: b.key });
    assert.equal(ep.status, 200);
    assert.equal(ep.body.disabled, false);
    const secret = await h.call('GET', `/v1/endpoints/${b.endpointId}/secret`, { key: b.key });
    assert.equal(secret.body.secret, bSecret);
    assert.deepEqual(secret.body.previous_secrets, []);
    const d = await h.call('GET', `/v1/deliveries/${b.deliveryId}`, { key: b.key });
    assert.equal(d.body.status, 'succeeded');
    assert.equal(d.body.attempt_count, 1);
  });

  test("lists show only the caller's objects, whatever the filter", async () => {
    for (const [path, own] of [
      ['/v1/endpoints', a.endpointId],
      ['/v1/events', a.eventId],
      ['/v1/deliveries', a.deliveryId],
    ] as const) {
      const r = await h.call('GET', path, { key: a.key });
      assert.equal(r.status, 200);
      assert.deepEqual(
        r.body.data.map((x: { id: string }) => x.id),
        [own],
        path,
      );
      for (const x of r.body.data) assert.equal(x.merchant_id, a.id);
    }
    const byB = await h.call('GET', `/v1/deliveries?endpoint_id=${b.endpointId}`, { key: a.key });
    assert.deepEqual(byB.body.data, []);
    const byBEvent = await h.call('GET', `/v1/deliveries?event_id=${b.eventId}`, { key: a.key });
    assert.deepEqual(byBEvent.body.data, []);
    const afterB = await h.call('GET', `/v1/events?after=${a.eventId}&order=asc`, { key: a.key });
    assert.deepEqual(afterB.body.data, [], "B's later event is not in A's list");
  });

  test('a merchant key may name itself as merchant_id, not another', async () => {
    assert.equal((await h.call('GET', `/v1/endpoints?merchant_id=${a.id}`, { key: a.key })).status, 200);
    const r = await h.call('GET', `/v1/endpoints?merchant_id=${b.id}`, { key: a.key });
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 'merchant_not_found');
  });

  test('idempotency keys are per merchant', async () => {
    const ea = await h.call('POST', '/v1/events', {
      key: a.key,
      body: { type: 'x.y', data: { n: 1 }, idempotency_key: 'shared' },
    });
    const eb = await h.call('POST', '/v1/events', {
      key: b.key,
      body: { type: 'x.y', data: { n: 1 }, idempotency_key: 'shared' },
    });
    assert.equal(ea.status, 202);
    assert.equal(eb.status, 202);
    assert.notEqual(ea.body.id, eb.body.id);
  });
});

describe('admin and merchant keys', () => {
  let h: Harness;
  let receiver: Receiver;
  let a: Tenant;
  let b: Tenant;

  before(async () => {
    receiver = await new Receiver().start();
    h = await Harness.start();
    ({ a, b } = await world(h, receiver));
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  test('only the admin creates and lists merchants; the new key is shown once and works', async () => {
    const created = await h.call('POST', '/v1/merchants', { body: { name: '  Gamma  ' } });
    assert.equal(created.status, 201);
    assert.equal(created.body.name, 'Gamma');
    assert.match(created.body.api_key, /^sk_/);
    assert.match(created.body.id, /^mer_/);
    const list = await h.call('GET', '/v1/merchants');
    assert.deepEqual(
      list.body.data.map((m: { id: string }) => m.id),
      [created.body.id, b.id, a.id],
    );
    assert.ok(
      list.body.data.every((m: Record<string, unknown>) => !('api_key' in m)),
      'keys are never listed',
    );
    assert.equal((await h.call('GET', '/v1/endpoints', { key: created.body.api_key })).status, 200);
    for (const key of [a.key, created.body.api_key]) {
      assert.equal((await h.call('POST', '/v1/merchants', { key, body: { name: 'x' } })).status, 403);
      assert.equal((await h.call('GET', '/v1/merchants', { key })).status, 403);
      assert.equal((await h.call('GET', '/metrics', { key })).status, 403);
    }
  });

  test('the admin acts for a merchant by merchant_id in the query, on every method', async () => {
    const ep = await h.call('POST', `/v1/endpoints?merchant_id=${b.id}`, { body: { url: `${receiver.url}/admin` } });
    assert.equal(ep.status, 201);
    assert.equal(ep.body.merchant_id, b.id);
    const seenByB = await h.call('GET', `/v1/endpoints/${ep.body.id}`, { key: b.key });
    assert.equal(seenByB.status, 200);
    assert.equal((await h.call('GET', `/v1/endpoints/${ep.body.id}`, { key: a.key })).status, 404);
    const got = await h.call('GET', `/v1/events/${b.eventId}?merchant_id=${b.id}`);
    assert.equal(got.status, 200);
    // Acting for A, the admin does not see B's objects either.
    assert.equal((await h.call('GET', `/v1/events/${b.eventId}?merchant_id=${a.id}`)).status, 404);
    const patched = await h.call('PATCH', `/v1/endpoints/${ep.body.id}?merchant_id=${b.id}`, {
      body: { description: 'by admin' },
    });
    assert.equal(patched.body.description, 'by admin');
    assert.equal((await h.call('DELETE', `/v1/endpoints/${ep.body.id}?merchant_id=${b.id}`)).status, 204);
    assert.equal((await h.call('GET', `/v1/endpoints/${ep.body.id}`, { key: b.key })).status, 404);
  });

  test("without merchant_id the admin gets merchant_required, not someone's data", async () => {
    for (const path of ['/v1/endpoints', '/v1/events', '/v1/deliveries', `/v1/events/${a.eventId}`]) {
      const r = await h.call('GET', path);
      assert.equal(r.status, 400, path);
      assert.equal(r.body.error.code, 'merchant_required');
    }
  });

  test('health needs no key; metrics need the admin key and speak Prometheus', async () => {
    const health = await h.call('GET', '/healthz', { key: null });
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'ok');
    assert.equal(health.body.store, process.env.PAYHOOK_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite');
    assert.equal(health.body.deliveries.succeeded, 2);
    assert.equal((await h.call('GET', '/metrics', { key: null })).status, 401);
    const metrics = await h.call('GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(metrics.text, /^payhook_events_accepted_total \d+$/m);
    assert.match(metrics.text, /^payhook_delivery_attempts_total\{outcome="succeeded",error_class="none"\} 2$/m);
  });
});
