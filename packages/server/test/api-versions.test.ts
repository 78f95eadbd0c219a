/**
 * Event versions and thin events through the real API (SQLite here; PostgreSQL through
 * api.postgres.test.ts): endpoints of each version and style, a real payment, real receivers, every
 * webhook verified with the SDK against its endpoint's secret, the version changed in place, a test
 * webhook in a version before switching, event reads in a version, and thin events followed with the
 * SDK's `fetchRelated`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiVersionMismatchError,
  isPaymentEvent,
  isThinEvent,
  PayhookClient,
  SDK_API_VERSION,
  verify,
  verifySignature,
  type PayhookEvent,
} from '@payhook/sdk';
import { Ajv } from 'ajv';
import { foloosiBody } from '../src/payments/formats/foloosi.js';
import { LATEST_API_VERSION, OLDEST_API_VERSION } from '../src/events/versions.js';
import { Harness, Receiver } from './api-harness.js';

const ajv = new Ajv({ strict: false, validateFormats: false });
const PAYMENTS = { simulatorDelayMs: 300, checkIntervalMs: 50, pollIntervalMs: 20, paybackSchedule: [50] };

interface Ep {
  id: string;
  path: string;
  secret: string;
}

describe('event versions and thin events', () => {
  let h: Harness;
  let receiver: Receiver;
  let key: string;
  const eps: Record<'old' | 'latest' | 'thin' | 'foloosi', Ep> = {} as never;

  /** The webhooks `ep` got whose envelope is about `id` (its data or its thin reference), verified. */
  const verified = (ep: Ep) =>
    receiver.for(ep.path).map((r) => ({
      raw: r.body,
      event: verify(r.body, r.headers as Record<string, string>, ep.secret) as PayhookEvent,
    }));

  before(async () => {
    receiver = await new Receiver().start();
    h = await Harness.start({}, undefined, { payments: PAYMENTS });
    const m = await h.call('POST', '/v1/merchants', { body: { name: 'versions' } });
    key = m.body.api_key;
    const make = async (name: keyof typeof eps, body: Record<string, unknown>) => {
      const r = await h.call('POST', '/v1/endpoints', { key, body: { url: `${receiver.url}/${name}`, ...body } });
      assert.equal(r.status, 201, r.text);
      eps[name] = { id: r.body.id, path: `/${name}`, secret: r.body.secret };
      return r.body;
    };
    const old = await make('old', { api_version: OLDEST_API_VERSION, event_types: ['transaction.*', 'shop.*'] });
    const latest = await make('latest', { event_types: ['transaction.*', 'shop.*'] });
    const thin = await make('thin', { payload_style: 'thin', event_types: ['order.*', 'shop.*'] });
    await make('foloosi', { format: 'foloosi', event_types: ['transaction.*'] });
    assert.deepEqual([old.api_version, old.payload_style], [OLDEST_API_VERSION, 'snapshot']);
    assert.deepEqual([latest.api_version, latest.payload_style], [LATEST_API_VERSION, 'snapshot']);
    assert.deepEqual([thin.api_version, thin.payload_style], [LATEST_API_VERSION, 'thin']);
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  let txnEventId = '';
  let orderId = '';
  let txnId = '';

  test('one payment, rendered per endpoint: the oldest version is the stored bytes, the latest has amount objects', async () => {
    const order = await h.call('POST', '/v1/orders', {
      key,
      body: { reference: 'V-1', amount: 10050, currency: 'AED' },
    });
    assert.equal(order.status, 201, order.text);
    orderId = order.body.id;
    const paid = await h.call('POST', `/v1/orders/${orderId}/transactions`, {
      key,
      body: { card: { number: '4111 1111 1111 1111', expiry: '12/30', cvc: '123' } },
    });
    assert.equal(paid.status, 201, paid.text);
    txnId = paid.body.transaction.id;
    await receiver.waitFor(
      () => ['old', 'latest', 'foloosi', 'thin'].every((p) => receiver.for(`/${p}`).length >= 1),
      10_000,
      'a webhook at each endpoint',
    );

    const [old] = verified(eps.old);
    assert.equal(old.event.type, 'transaction.success');
    txnEventId = old.event.id;
    // The oldest version is the event as stored, byte for byte, and the SDK's typed helper reads it.
    const stored = await h.call('GET', `/v1/events/${txnEventId}`, { key });
    assert.equal(old.raw.includes('"api_version"'), false);
    assert.deepEqual(JSON.parse(old.raw).data, stored.body.data);
    assert.equal(isPaymentEvent(old.event), true);
    assert.equal(stored.body.data.amount, 10050);
    assert.equal(stored.body.data.amount_decimal, '100.50');

    const [latest] = verified(eps.latest);
    assert.equal(latest.event.id, txnEventId);
    const body = JSON.parse(latest.raw);
    assert.deepEqual(Object.keys(body), ['id', 'type', 'timestamp', 'livemode', 'api_version', 'data']);
    assert.equal(body.api_version, LATEST_API_VERSION);
    assert.deepEqual(body.data.amount, { value: '100.50', minor: 10050, currency: 'AED' });
    assert.equal('amount_decimal' in body.data, false);
    assert.equal(body.data.transaction_id, txnId);
    // The SDK's typed helper is built for one version and says so on another.
    assert.throws(() => isPaymentEvent(latest.event), ApiVersionMismatchError);
    assert.throws(() => isPaymentEvent(latest.event), new RegExp(`reads events of api version ${SDK_API_VERSION}`));

    // The provider's fixed shape is the same whatever the endpoint's version.
    const [fol] = receiver.for(eps.foloosi.path);
    verifySignature(fol.body, fol.headers as Record<string, string>, eps.foloosi.secret);
    assert.equal(fol.body, foloosiBody('transaction.success', JSON.stringify(stored.body.data)));
  });

  test('a thin event names the object; fetchRelated reads it through the API', async () => {
    const thin = verified(eps.thin).find((w) => w.event.type === 'order.success');
    assert.ok(thin, 'order.success at the thin endpoint');
    assert.ok(isThinEvent(thin.event));
    assert.deepEqual(thin.event.data, { object: 'order', id: orderId, url: `/v1/orders/${orderId}` });
    assert.equal(JSON.parse(thin.raw).api_version, LATEST_API_VERSION);
    const client = new PayhookClient({ baseUrl: h.url, apiKey: key });
    const order = await client.fetchRelated<{ id: string; status: string }>(thin.event);
    assert.deepEqual([order.id, order.status], [orderId, 'paid']);
    // An event of the merchant's own is about itself: the thin reference reads the event back.
    const sent = await h.call('POST', '/v1/events', { key, body: { type: 'shop.shipped', data: { parcel: 'P-1' } } });
    assert.equal(sent.status, 202, sent.text);
    await receiver.waitFor(
      () => verified(eps.thin).some((w) => w.event.id === sent.body.id),
      10_000,
      'the thin shop event',
    );
    const shop = verified(eps.thin).find((w) => w.event.id === sent.body.id)!;
    assert.deepEqual(shop.event.data, { object: 'event', id: sent.body.id, url: `/v1/events/${sent.body.id}` });
    const back = await client.fetchRelated<{ id: string; data: unknown }>(shop.event);
    assert.deepEqual([back.id, back.data], [sent.body.id, { parcel: 'P-1' }]);
    await assert.rejects(() => client.fetchRelated({ data: { order_id: orderId } }), TypeError);
    // A test webhook is not stored, so a thin endpoint gets it as a snapshot: nothing to fetch.
    const before = receiver.for(eps.thin.path).length;
    assert.equal((await h.call('POST', `/v1/endpoints/${eps.thin.id}/test`, { key })).body.succeeded, true);
    const probe = verified(eps.thin)[before].event;
    assert.equal(probe.type, 'payhook.test');
    assert.equal(isThinEvent(probe), false);
    assert.equal(probe.data.endpoint_id, eps.thin.id);
  });

  test('reads in a version: GET /v1/events/{id}?api_version=', async () => {
    const r = await h.call('GET', `/v1/events/${txnEventId}?api_version=${LATEST_API_VERSION}`, { key });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.api_version, LATEST_API_VERSION);
    assert.deepEqual(r.body.data.amount, { value: '100.50', minor: 10050, currency: 'AED' });
    // Catch-up through the API in the endpoint's version sees what its webhooks carry.
    const client = new PayhookClient({ baseUrl: h.url, apiKey: key });
    const caught: unknown[] = [];
    for await (const e of client.events.iterate({ types: ['transaction.*'], api_version: LATEST_API_VERSION }))
      caught.push(e.data);
    const [sentLatest] = verified(eps.latest);
    assert.deepEqual(caught, [sentLatest.event.data]);
    const list = await h.call('GET', `/v1/events?api_version=${LATEST_API_VERSION}&type=transaction.*`, { key });
    assert.equal(list.body.data[0].api_version, LATEST_API_VERSION);
    const oldest = await h.call('GET', `/v1/events/${txnEventId}?api_version=${OLDEST_API_VERSION}`, { key });
    assert.equal(oldest.body.data.amount, 10050);
    const bad = await h.call('GET', `/v1/events/${txnEventId}?api_version=2020-01-01`, { key });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'unknown_api_version');
    assert.ok(bad.body.error.details.versions.includes(LATEST_API_VERSION));
  });

  test('GET /v1/event-types lists the versions, the latest marked', async () => {
    const r = await h.call('GET', '/v1/event-types', { key: null });
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.versions.map((v: { version: string; latest: boolean }) => [v.version, v.latest]),
      [
        [OLDEST_API_VERSION, false],
        [LATEST_API_VERSION, true],
      ],
    );
    assert.ok(r.body.versions[1].changes.length > 0);
    // With ?api_version=, the schemas describe what endpoints of that version receive: the real webhook
    // of each version passes its version's schema, and not the other's.
    const schemaOf = async (version: string) => {
      const page = await h.call('GET', `/v1/event-types?api_version=${version}`, { key: null });
      assert.equal(page.status, 200, page.text);
      return ajv.compile(page.body.data.find((t: { type: string }) => t.type === 'transaction.success').schema);
    };
    const oldest = await schemaOf(OLDEST_API_VERSION);
    const latest = await schemaOf(LATEST_API_VERSION);
    const dataAt = (ep: Ep) => verified(ep).find((w) => w.event.type === 'transaction.success')!.event.data;
    assert.ok(oldest(dataAt(eps.old)), JSON.stringify(oldest.errors));
    assert.ok(latest(dataAt(eps.latest)), JSON.stringify(latest.errors));
    assert.equal(latest(dataAt(eps.old)), false);
    assert.equal(oldest(dataAt(eps.latest)), false);
    const bad = await h.call('GET', '/v1/event-types?api_version=1.0', { key: null });
    assert.equal(bad.body.error.code, 'unknown_api_version');
  });

  test('a test webhook in another version before switching, then the switch in place', async () => {
    const before = receiver.for(eps.old.path).length;
    const t = await h.call('POST', `/v1/endpoints/${eps.old.id}/test`, {
      key,
      body: { api_version: LATEST_API_VERSION },
    });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.body.succeeded, true);
    const got = verified(eps.old)[before];
    assert.equal(got.event.type, 'payhook.test');
    assert.equal(JSON.parse(got.raw).api_version, LATEST_API_VERSION);
    assert.deepEqual(got.event.data.amount, { value: '100.00', minor: 10000, currency: 'AED' });
    // Without a version, the endpoint's own.
    assert.equal((await h.call('POST', `/v1/endpoints/${eps.old.id}/test`, { key })).status, 200);
    assert.equal(verified(eps.old)[before + 1].event.data.amount, 10000);
    const badTest = await h.call('POST', `/v1/endpoints/${eps.old.id}/test`, { key, body: { api_version: 'soon' } });
    assert.equal(badTest.status, 400);
    assert.equal(badTest.body.error.code, 'unknown_api_version');

    const patched = await h.call('PATCH', `/v1/endpoints/${eps.old.id}`, {
      key,
      body: { api_version: LATEST_API_VERSION },
    });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.api_version, LATEST_API_VERSION);
    const sent = await h.call('POST', '/v1/events', {
      key,
      body: { type: 'shop.refund_note', data: { amount: 250, amount_decimal: '2.50', currency: 'AED' } },
    });
    await receiver.waitFor(
      () => verified(eps.old).some((w) => w.event.id === sent.body.id),
      10_000,
      'the event after the switch',
    );
    const after = verified(eps.old).find((w) => w.event.id === sent.body.id)!;
    assert.deepEqual(after.event.data, { amount: { value: '2.50', minor: 250, currency: 'AED' }, currency: 'AED' });

    const unknown = await h.call('PATCH', `/v1/endpoints/${eps.old.id}`, { key, body: { api_version: '2031-01-01' } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.code, 'unknown_api_version');
    const style = await h.call('PATCH', `/v1/endpoints/${eps.old.id}`, { key, body: { payload_style: 'fat' } });
    assert.equal(style.status, 400);
  });

  test('thin events only in the standard format', async () => {
    const r = await h.call('PATCH', `/v1/endpoints/${eps.foloosi.id}`, { key, body: { payload_style: 'thin' } });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'thin_needs_standard_format');
    const c = await h.call('POST', '/v1/endpoints', {
      key,
      body: { url: `${receiver.url}/x`, format: 'foloosi', payload_style: 'thin' },
    });
    assert.equal(c.body.error.code, 'thin_needs_standard_format');
    const f = await h.call('PATCH', `/v1/endpoints/${eps.thin.id}`, { key, body: { format: 'foloosi' } });
    assert.equal(f.body.error.code, 'thin_needs_standard_format');
  });
});
